"""Access control, proven: every endpoint of the app (from its URL map) against every role, with
objects inside and outside the role's scope, GET and POST, as tests/access_specs.py says.
Outside is a 404 that writes nothing and shows nothing; a new endpoint without a line in the
table fails here. One world, many requests, on SQLite and PostgreSQL."""
import html
import os
import string
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from api_support import is_api_endpoint
from access_specs import LOGIN, SPEC_BY_ENDPOINT, SPECS, WHO
from conftest import own_transaction, password_hash
from pages_support import Pages
from pipeline.extensions import db
from pipeline.printing import pdf

USERS = {"sec": "sec_a1", "com": "com_a", "board": "board", "admin": "admin"}
# Rows that no request of the matrix may add, change or remove.
TABLES = ("case_event", "candidate", "dossier_item", "quota", "quota_change", "user_account", "account_change",
          "calendar_override", "training_class", "enrolment", "case_deadline", "unit", "unit_change")
REFUSED = (LOGIN, 403, 404)
BINARY = ("application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
SCAN = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DOCUMENT_KEY = "1-KNĐ"


@dataclass
class Place:
    """The objects of one branch that the URL templates name."""
    name: str
    path: str  # the branch's materialised path: inside a user's scope when it starts with theirs
    branch: int
    case: int
    version: int
    key: str
    klass: int | None
    deciding_unit: int
    user: int
    override: int | None
    enrolment: int | None
    markers: tuple  # texts only users whose scope holds the place may ever see


def _spot(actor, branch, full_name):
    from pipeline.transaction import one_transaction
    from pipeline.workflow import operations
    fields = dict(full_name=full_name, date_of_birth=date(1995, 3, 15), sex="male", ethnicity="Kinh",
                  education="upper_secondary", occupation="Nông dân", residence="Thôn 1", youth_union_member=False,
                  source_organisation="youth_union", helper_member="Lê Văn Giúp")
    with one_transaction():
        case = operations.open_case(actor, branch, date(2021, 6, 1), fields).case
    return case


def _scan(case, actor):
    from pipeline.dossier.operations import DocumentEntry, Upload, record_document
    record_document(case.id, actor, DocumentEntry(DOCUMENT_KEY, received=True, received_on=date(2021, 9, 20)),
                    upload=Upload(SCAN, "don.pdf", "application/pdf"))


def build_places(world):
    """a1 (inside every role's scope), b1 (outside the secretary's and the committee's), and a
    branch of another town (outside everyone's), each with a case that has a scan."""
    from pipeline.accounts.models import User
    from pipeline.cases.models import Case
    from pipeline.training.models import TrainingClass
    from pipeline.units.models import add_unit
    from pipeline.workdays.models import CalendarOverride
    other_town = add_unit("other_town", "Đảng bộ huyện Xa Lạ", "town", decides_admissions=True)
    other_branch = add_unit("other_branch", "Chi bộ thôn Xa Lạ", "village", parent=other_town)
    sec_x = User(username="sec_x", display_name="SEC_XA_LA", role="secretary", unit=other_branch,
                 password_hash=password_hash())
    other_class = TrainingClass(name="Lớp bồi dưỡng huyện Xa Lạ", organiser_unit=other_town, organiser_name="TT",
                                place="Hội trường", starts_on=date(2021, 9, 1), ends_on=date(2021, 9, 10))
    override = CalendarOverride(day=date(2022, 9, 4), is_working_day=True, note="", created_by_id=world["admin"].id)
    db.session.add_all([sec_x, other_class, override])
    db.session.commit()
    places = {}
    for name, branch, secretary, klass, decider, full_name in [
        ("a1", world.branch_a1, world["sec_a1"], world.training_class.id, world.town.id, "Trương Văn Trong"),
        ("b1", world.branch_b1, world["sec_b1"], None, world.town.id, "Lê Thị Bên Cạnh"),
        ("other", other_branch, sec_x, other_class.id, other_town.id, "Phạm Văn Xa Lạ"),
    ]:
        case = _spot(secretary, branch, full_name)
        _scan(case, secretary)
        case = db.session.get(Case, case.id)
        markers = (full_name, branch.name) + ((other_town.name, sec_x.display_name) if name == "other" else ())
        places[name] = Place(name, branch.path, branch.id, case.id, case.version, quote(DOCUMENT_KEY), klass,
                             decider, secretary.id, override.id if name == "a1" else None, None, markers)
    return places


def in_scope(who, place, world):
    return who != "anon" and place.path.startswith(world[USERS[who]].unit.path)


class _Fill(string.Formatter):
    def get_field(self, field_name, args, kwargs):
        value, key = super().get_field(field_name, args, kwargs)
        if value is None:
            raise LookupError(field_name)
        return value, key


def fill(template, place):
    """The URL for `place`, or None when the place lacks an object the template names."""
    try:
        return _Fill().format(template, p=place)
    except LookupError:
        return None


def snapshot(app):
    """Every row of the tables the matrix guards, and the stored scans."""
    with own_transaction() as connection:
        rows = tuple(tuple(connection.execute(sa.text(f'SELECT * FROM "{t}" ORDER BY 1')).all()) for t in TABLES)
    root = os.path.join(app.instance_path, "uploads")
    files = sorted(os.path.join(d, f) for d, _, names in os.walk(root) for f in names)
    return rows, files


class Matrix:
    def __init__(self, app, world, places):
        self.app, self.world, self.places = app, world, places
        self.problems = []
        self.seen = set()  # markers shown to users whose scope holds them: the leak check can see them
        self.state = snapshot(app)
        self.requests = 0

    def expect(self, who, spec, method, url, data, expected, may_write=False):
        pages = self.pages
        self.requests += 1
        if method == "GET":
            response = pages.get(url)
        else:
            response = pages.post(url, data=data)
        status = response.status_code
        label = f"{who:5} {method:4} {url} ({spec.endpoint})"
        if status != expected:
            self.problems.append(f"{label}: {status}, expected {expected}")
        if expected == LOGIN and who == "anon" and status == 302 and "/login" not in response.headers["Location"]:
            self.problems.append(f"{label}: redirected to {response.headers['Location']}, not the login page")
        self._check_leaks(who, label, response)
        response.close()
        after = snapshot(self.app)
        if after != self.state and not may_write:
            self.problems.append(f"{label}: the request changed the database or the stored scans")
        self.state = after
        if spec.logs_out and who != "anon":
            self.login(who)

    def _check_leaks(self, who, label, response):
        if response.mimetype in BINARY or response.direct_passthrough:
            return
        body = html.unescape(response.get_data(as_text=True))
        for place in self.places.values():
            shown = [marker for marker in place.markers if marker in body]
            if in_scope(who, place, self.world):
                self.seen.update(shown)
            else:
                self.problems.extend(f"{label}: shows {marker!r}, outside the user's scope" for marker in shown)

    def login(self, who):
        self.pages = Pages(self.app.test_client())
        if who != "anon":
            response = self.pages.login(USERS[who])
            assert response.status_code == 200 and response.request.path == "/", who
            # Logging in keeps the language chosen on the login page on the account: a write
            # of the login, not of the next request.
            self.state = snapshot(self.app)

    def run(self, who):
        self.login(who)
        index = WHO.index(who)
        inside = self.places["a1"]
        outside = [p for p in self.places.values() if not in_scope(who, p, self.world) and who != "anon"]
        for spec in sorted(SPECS, key=lambda s: s.logs_out):
            for method, statuses in (("GET", spec.get), ("POST", spec.post)):
                if statuses is None:
                    continue
                expected = statuses[index]
                for template in spec.urls:
                    url = fill(template, inside)
                    if url is None:
                        continue
                    refused = expected in REFUSED and not (spec.public and who == "anon")
                    data = spec.data(inside) if refused and spec.data else dict(spec.inside)
                    self.expect(who, spec, method, url, data, expected, may_write=who in spec.writes)
                    expected_outside = spec.outside_for(who)
                    if spec.public or expected_outside is None:
                        continue
                    # A URL that names no object reaches the place through the posted data only.
                    uses_place = "{" in template or (method == "POST" and spec.data is not None)
                    for place in outside if uses_place else ():
                        url = fill(template, place)
                        if url is None:
                            continue
                        data = spec.data(place) if spec.data else {}
                        self.expect(who, spec, method, url, data, expected_outside)


@pytest.fixture
def places(world):
    return build_places(world)


def test_every_endpoint_has_a_line_in_the_table(app):
    rules = {}
    for rule in app.url_map.iter_rules():
        if is_api_endpoint(rule.endpoint):  # a token, not a session: tests/test_api_access.py has their table
            continue
        rules.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    missing = sorted(set(rules) - set(SPEC_BY_ENDPOINT))
    assert not missing, f"endpoints without a line in tests/access_specs.py: {missing}"
    stale = sorted(set(SPEC_BY_ENDPOINT) - set(rules))
    assert not stale, f"lines of tests/access_specs.py for endpoints that no longer exist: {stale}"
    for endpoint, methods in rules.items():
        spec = SPEC_BY_ENDPOINT[endpoint]
        for method, statuses in (("GET", spec.get), ("POST", spec.post)):
            assert (method in methods) == (statuses is not None), f"{endpoint}: {method} in the table or not"


def test_every_role_against_every_endpoint(app, world, places, monkeypatch):
    # The PDFs' pages are rendered and their access checked; making the PDF itself is
    # tests/test_printing.py's business, and slow.
    monkeypatch.setattr(pdf, "available", lambda: True)
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, *args: b"%PDF-1.4 matrix")
    matrix = Matrix(app, world, places)
    for who in WHO:
        matrix.run(who)
    assert not matrix.problems, "\n".join([f"{len(matrix.problems)} problems:"] + matrix.problems)
    # The markers do appear, as written, where they may: their absence elsewhere means something.
    visible = [p for p in places.values() if any(in_scope(who, p, world) for who in WHO)]
    assert {marker for place in visible for marker in place.markers} <= matrix.seen
    assert matrix.requests > 300


def test_every_post_refuses_a_missing_csrf_token(app, world, places):
    """With CSRF on, as in production, no POST of the app is accepted without its token (400),
    even from a user the endpoint lets in and with data it would accept, and nothing is written."""
    import re
    from flask import g
    app.config["WTF_CSRF_ENABLED"] = True
    token = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
    inside = places["a1"]
    state = snapshot(app)
    checked = []
    for spec in SPECS:
        if spec.post is None:
            continue
        pages = Pages(app.test_client())
        allowed = [who for who, status in zip(WHO, spec.post) if who != "anon" and status not in REFUSED]
        if allowed and not spec.public:
            # Flask-WTF keeps the token on `g`, which the tests' shared app context keeps too.
            g.pop("csrf_token", None)
            login_page = pages.get("/login").get_data(as_text=True)
            assert pages.post("/login", data={"username": USERS[allowed[0]], "password": "demo-pass",
                                              "csrf_token": token.search(login_page).group(1)}).status_code == 302
        for template in spec.urls:
            url = fill(template, inside)
            data = spec.data(inside) if spec.data else {}
            response = pages.post(url, data=data)
            assert response.status_code == 400, (spec.endpoint, url, response.status_code)
            assert snapshot(app) == state, spec.endpoint
            checked.append(spec.endpoint)
    assert len(checked) >= 15
