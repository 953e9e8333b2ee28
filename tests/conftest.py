"""Fixtures. Every test that uses `app` runs twice: on SQLite and on PostgreSQL.

PostgreSQL is at 127.0.0.1:5432 (user postgres, trust auth) unless TEST_DATABASE_URL says
otherwise. When it cannot be reached the PostgreSQL half is skipped with a notice, except
under CI=true, where that is a failure."""
import os
import shutil
from datetime import date

import pytest
import sqlalchemy as sa

from pipeline import create_app
from pipeline.extensions import db

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DB_NAME = os.environ.get("TEST_PG_DB_NAME", "ketnap_test")
PASSWORD = "demo-pass"
_PASSWORD_HASH = []


def password_hash():
    """Hashing is slow on purpose; tests hash the shared password once per session."""
    if not _PASSWORD_HASH:
        from werkzeug.security import generate_password_hash
        _PASSWORD_HASH.append(generate_password_hash(PASSWORD))
    return _PASSWORD_HASH[0]


def _pg_url():
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_DB_NAME


def _migrate(url, instance_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test", "TESTING": True})
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    _migrate(f"sqlite:///{path}", None)
    return path


@pytest.fixture(scope="session")
def postgres_database():
    try:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_DB_NAME}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{PG_DB_NAME}"'))
        admin.dispose()
    except sa.exc.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and cannot be reached: {error}")
        pytest.skip(f"NOTICE: PostgreSQL not reachable, its half of the suite is skipped ({error.orig})")
    _migrate(_pg_url(), None)
    return _pg_url()


def _truncate_all(url):
    engine = sa.create_engine(url)
    tables = [t.name for t in db.metadata.sorted_tables]
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        if request.node.get_closest_marker("postgres_only"):
            pytest.skip("needs PostgreSQL row locks")
        target = tmp_path / "test.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("postgres_database")
    _truncate_all(url)
    return url


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
    })
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class World:
    """A small organisation tree with one user per role, for tests.

    town (decides admissions) ─┬─ commune_a ─┬─ branch_a1 (village)
                               │             └─ branch_a2 (school)
                               ├─ commune_b ─── branch_b1 (quarter)
                               └─ branch_direct (police, directly under the town)
    """

    def __init__(self):
        from pipeline.accounts.models import User
        from pipeline.units.models import add_unit
        self.town = add_unit("town", "Đảng bộ thị xã Thử", "town", decides_admissions=True)
        self.commune_a = add_unit("commune_a", "Đảng bộ xã A", "commune", parent=self.town)
        self.commune_b = add_unit("commune_b", "Đảng bộ phường B", "ward", parent=self.town)
        self.branch_a1 = add_unit("branch_a1", "Chi bộ thôn A1", "village", parent=self.commune_a)
        self.branch_a2 = add_unit("branch_a2", "Chi bộ trường A2", "school", parent=self.commune_a)
        self.branch_b1 = add_unit("branch_b1", "Chi bộ khối phố B1", "quarter", parent=self.commune_b)
        self.branch_direct = add_unit("branch_direct", "Chi bộ Công an thị xã", "police", parent=self.town)
        self.users = {}
        for username, role, unit in [
            ("sec_a1", "secretary", self.branch_a1), ("sec_a2", "secretary", self.branch_a2),
            ("sec_b1", "secretary", self.branch_b1), ("com_a", "committee", self.commune_a),
            ("com_b", "committee", self.commune_b), ("board", "board", self.town),
            ("admin", "admin", self.town),
        ]:
            user = User(username=username, display_name=username.upper(), role=role, unit=unit,
                        password_hash=password_hash())
            db.session.add(user)
            self.users[username] = user
        db.session.commit()

    def __getitem__(self, username):
        return self.users[username]


@pytest.fixture
def world(app):
    return World()


# The act data that moves a case one step forward, with the date it takes effect.
# Dates are chosen to pass every guard for a candidate born in 1995.
FORWARD_ACTS = {
    "spotted": ("enrol_training", "sec", date(2021, 9, 1), {"class_name": "Lớp bồi dưỡng 1/2021"}),
    "training": ("complete_training", "sec", date(2021, 9, 15), {"certificate_number": "CN-001"}),
    "dossier": ("complete_dossier", "sec", date(2021, 11, 1), {
        "resume_verified": True, "youth_union_resolution": "",
        "introducers": [{"name": "Nguyễn Văn Một", "known_since": "2019-01-01", "official": True},
                        {"name": "Trần Thị Hai", "known_since": "2019-06-01", "official": True}]}),
    "branch_vote": ("record_branch_vote", "sec", date(2021, 12, 1), {
        "members_total": 30, "members_present": 27, "votes_for": 25, "votes_against": 2}),
    "committee_review": ("record_committee_review", "com", date(2021, 12, 20), {
        "committee_size": 15, "votes_for": 13, "votes_against": 0}),
    "decision": ("record_decision", "board", date(2022, 1, 20), {
        "decision_number": "123-QĐ/TU", "received_on": "2022-01-25"}),
    "ceremony": ("hold_ceremony", "sec", date(2022, 2, 10), {"place": "Hội trường thôn"}),
    "probation": ("recognise_official", "board", date(2023, 2, 20), {
        "branch_meeting_date": "2023-02-12", "members_total": 30, "members_present": 28,
        "votes_for": 26, "votes_against": 0, "decision_number": "456-QĐ/TU"}),
}
MAIN_ROAD = ["spotted", "training", "dossier", "branch_vote", "committee_review", "decision",
             "ceremony", "probation", "official"]


def actor_for(world, who, branch):
    """The secretary of the case's branch, its commune committee, or the board."""
    if who == "board":
        return world["board"]
    commune = branch.parent
    if who == "com":
        return world["com_a"] if commune is world.commune_a else world["com_b"]
    secretaries = {world.branch_a1.id: "sec_a1", world.branch_a2.id: "sec_a2", world.branch_b1.id: "sec_b1"}
    return world[secretaries[branch.id]] if branch.id in secretaries else world["com_a"]


@pytest.fixture
def make_case(world):
    """make_case(stage="decision", branch=world.branch_a1, **particulars) walks a new case
    through the real operations up to `stage` on the main road."""
    from pipeline.workflow import operations

    def make(stage="spotted", branch=None, **particulars):
        branch = branch or world.branch_a1
        fields = dict(full_name="Phùng Tấn Thắng", date_of_birth=date(1995, 3, 15), sex="male",
                      ethnicity="Kinh", education="upper_secondary", occupation="Nông dân",
                      residence="Thôn 1", youth_union_member=False, source_organisation="youth_union",
                      helper_member="Lê Văn Giúp")
        fields.update(particulars)
        case = operations.spot_candidate(actor_for(world, "sec", branch), branch, date(2021, 6, 1), fields)
        db.session.commit()
        for current in MAIN_ROAD[:MAIN_ROAD.index(stage)]:
            trigger, who, day, data = FORWARD_ACTS[current]
            if trigger == "record_decision":
                data = dict(data, issuing_unit_id=world.town.id)
            operations.apply_event(case.id, trigger, actor_for(world, who, branch), day, data)
        return db.session.get(type(case), case.id)

    return make


@pytest.fixture
def login(client):
    def do(username, password=PASSWORD):
        return client.post("/login", data={"username": username, "password": password}, follow_redirects=True)
    return do


class StatementCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


@pytest.fixture
def count_statements(app):
    """with count_statements() as counter: ...; counter.count is the number of SQL statements."""
    import contextlib

    @contextlib.contextmanager
    def counting():
        counter = StatementCounter()
        sa.event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counter)

    return counting


@pytest.fixture
def english(request):
    """Reasons are read in English in tests that use this, whatever the default language."""
    from flask_babel import force_locale
    if "app" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("app")
    with force_locale("en"):
        yield


def count_events(case_id):
    """How many log rows a case has."""
    from pipeline.workflow.log import CaseEvent
    return db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)
                             .where(CaseEvent.candidate_id == case_id))


def fresh(case_id):
    """The case as the database has it now."""
    from pipeline.candidates.models import Candidate
    db.session.expire_all()
    return db.session.get(Candidate, case_id)
