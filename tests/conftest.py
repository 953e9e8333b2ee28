"""Fixtures. Every test that uses `app` runs twice: on SQLite and on PostgreSQL, with one
application per database kind for the whole session, on a fresh copy of a world built once per
kind (tests/databases.py): an empty schema; the small test `world`; the Điện Bàn `demo`.

Tests that need a database of their own (threads, migrations, a second application, backups)
are marked `real_database`; `postgres_only` tests need PostgreSQL's row locks."""
import contextlib
import os
import threading
from datetime import date

from pipeline.base import clock
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from databases import (CHEAP_HASH, PG_ADMIN_URL, PG_DB_NAME, PostgresBackend, SqliteBackend, drop_pg_database,  # noqa: F401
                       fresh_pg_database, migrate_to_newest, pg_url)
from pipeline.accounts.limits import limiter_of
from pipeline.extensions import db

PASSWORD = "demo-pass"
_PASSWORD_HASH = []


def password_hash():
    """The shared test password, hashed once per session (cheaply, see databases.CHEAP_HASH)."""
    if not _PASSWORD_HASH:
        from werkzeug.security import generate_password_hash
        _PASSWORD_HASH.append(generate_password_hash(PASSWORD, method=CHEAP_HASH))
    return _PASSWORD_HASH[0]


class World:
    """A small organisation tree with one user per role, for tests.

    town (decides admissions) ─┬─ commune_a ─┬─ branch_a1 (village)
                               │             └─ branch_a2 (school)
                               ├─ commune_b ─── branch_b1 (quarter)
                               └─ branch_direct (police, directly under the town)

    Built once per database kind (`build`); each test reads it back from its copy (`World()`)."""
    UNITS = ("town", "commune_a", "commune_b", "branch_a1", "branch_a2", "branch_b1", "branch_direct")
    USERS = (("sec_a1", "secretary", "branch_a1"), ("sec_a2", "secretary", "branch_a2"),
             ("sec_b1", "secretary", "branch_b1"), ("com_a", "committee", "commune_a"),
             ("com_b", "committee", "commune_b"), ("board", "board", "town"), ("admin", "admin", "town"))
    CLASS_NAME = "Lớp bồi dưỡng 1/2021"

    def __init__(self):
        from pipeline.accounts.models import User
        from pipeline.training.models import TrainingClass
        from pipeline.units.models import Unit
        units = {u.code: u for u in db.session.execute(sa.select(Unit).where(Unit.code.in_(self.UNITS))).scalars()}
        for code in self.UNITS:
            setattr(self, code, units[code])
        names = [username for username, _role, _unit in self.USERS]
        found = {u.username: u for u in db.session.execute(sa.select(User).where(User.username.in_(names))).scalars()}
        self.users = {username: found[username] for username in names}
        # The town's class that make_case sends every case to (FORWARD_ACTS["spotted"]).
        self.training_class = db.session.execute(
            sa.select(TrainingClass).where(TrainingClass.name == self.CLASS_NAME)).scalar_one()

    @classmethod
    def build(cls):
        from pipeline.accounts.chain import record_created
        from pipeline.accounts.models import User
        from pipeline.training.models import TrainingClass
        from pipeline.transaction import one_transaction
        from pipeline.units.chain import record_created_rows as record_unit_created_rows
        from pipeline.units.models import add_unit
        with one_transaction():
            town = add_unit("town", "Đảng bộ thị xã Thử", "town", decides_admissions=True)
            commune_a = add_unit("commune_a", "Đảng bộ xã A", "commune", parent=town)
            commune_b = add_unit("commune_b", "Đảng bộ phường B", "ward", parent=town)
            units = {"town": town, "commune_a": commune_a, "commune_b": commune_b,
                     "branch_a1": add_unit("branch_a1", "Chi bộ thôn A1", "village", parent=commune_a),
                     "branch_a2": add_unit("branch_a2", "Chi bộ trường A2", "school", parent=commune_a),
                     "branch_b1": add_unit("branch_b1", "Chi bộ khối phố B1", "quarter", parent=commune_b),
                     "branch_direct": add_unit("branch_direct", "Chi bộ Công an thị xã", "police", parent=town)}
            record_unit_created_rows(units.values())  # each unit's chain starts with its state
            accounts = [User(username=username, display_name=username.upper(), role=role, unit=units[unit],
                             password_hash=password_hash()) for username, role, unit in cls.USERS]
            db.session.add_all(accounts)
            db.session.flush()
            for account in accounts:  # each account's chain of changes starts with its state
                record_created(None, account)
            db.session.add(TrainingClass(
                name=cls.CLASS_NAME, organiser_unit=town, organiser_name="Trung tâm Chính trị thị xã",
                place="Hội trường Trung tâm", starts_on=date(2021, 9, 1), ends_on=date(2021, 9, 10)))

    def __getitem__(self, username):
        return self.users[username]


def build_demo():
    from pipeline.demo.loader import load_demo
    return load_demo(progress=lambda _message: None)


# name -> (the world it starts from, what builds it on that)
WORLDS = {
    "empty": (None, migrate_to_newest),
    "world": ("empty", World.build),
    "demo": ("empty", build_demo),
}


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request, tmp_path_factory):
    found = SqliteBackend(tmp_path_factory.mktemp("sqlite")) if request.param == "sqlite" else PostgresBackend()
    yield found
    found.close()


def world_of(request):
    """The world a test starts from: the demo, the test world, or an empty schema."""
    names = request.fixturenames
    if "demo" in names:
        return "demo"
    return "world" if "world" in names or "make_case" in names else "empty"


@pytest.fixture
def database_url(request, backend):
    """The test's database, a fresh copy of its world (the URL a second application would use)."""
    postgres_only = request.node.get_closest_marker("postgres_only")
    if backend.kind == "sqlite" and postgres_only:
        pytest.skip("needs PostgreSQL row locks")
    name = world_of(request)
    backend.world(name, WORLDS)
    real = bool(postgres_only or request.node.get_closest_marker("real_database"))
    with backend.test(name, real) as url:
        yield url


@pytest.fixture
def app(backend, database_url, tmp_path):
    """The session's application for this database kind, with this test's settings: whatever a
    test changes in `app.config` is put back, the login limits start afresh, and uploads go to
    the test's own instance folder."""
    app = backend.app
    saved, instance = dict(app.config), app.instance_path
    app.instance_path = str(tmp_path / "instance")
    limiter_of(app).reset()
    with app.app_context():
        yield app
        db.session.remove()
    app.config.clear()
    app.config.update(saved)
    app.instance_path = instance


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app):
    return World()


@pytest.fixture
def demo(app, backend):
    """The Điện Bàn 2022 demo (loaded once per database kind); the loader's summary."""
    return backend.built["demo"]


# The act data that moves a case one step forward, with the date it takes effect.
# Dates are chosen to pass every guard for a candidate born in 1995.
FORWARD_ACTS = {
    "spotted": ("enrol_training", "sec", date(2021, 9, 1), {}),  # class_id: with_ids()
    "training": ("complete_training", "sec", date(2021, 9, 15), {"certificate_number": "CN-001"}),
    "dossier": ("complete_dossier", "sec", date(2021, 11, 1), {}),  # the documents: DOSSIER_DOCUMENTS
    "branch_vote": ("record_branch_vote", "sec", date(2021, 12, 1), {
        "members_total": 30, "members_present": 27, "votes_for": 25, "votes_against": 2}),
    "committee_review": ("record_committee_review", "com", date(2021, 12, 20), {
        "committee_size": 15, "votes_for": 13, "votes_against": 0}),
    "decision": ("record_decision", "board", date(2022, 1, 20), {
        "decision_number": "123-QĐ/TU", "received_on": "2022-01-25"}),
    "ceremony": ("hold_ceremony", "sec", date(2022, 2, 10), {"place": "Hội trường thôn"}),
    "probation": ("recognise_official", "board", date(2023, 2, 25), {"decision_number": "456-QĐ/TU"}),
}
# Acts that happen within a stage before the act that leaves it.
ACTS_WITHIN = {
    "probation": [
        ("record_recognition_vote", "sec", date(2023, 2, 12), {
            "members_total": 30, "members_present": 28, "votes_for": 26, "votes_against": 0}),
        ("record_recognition_review", "com", date(2023, 2, 20), {
            "committee_size": 15, "votes_for": 13, "votes_against": 0}),
    ],
}
MAIN_ROAD = ["spotted", "training", "dossier", "branch_vote", "committee_review", "decision",
             "ceremony", "probation", "official"]
# The dossier's documents (pipeline.dossier), recorded on the dossier page before the act that
# needs them: key -> (date of the document, details). make_case records those the case's
# checklist requires (its path, its levels) before each act it applies.
DOSSIER_DOCUMENTS = {
    "1-KNĐ": (date(2021, 9, 20), {}),
    "2-KNĐ": (date(2021, 9, 25), {}),
    "3-KNĐ:1": (date(2021, 10, 1), {"introducer_name": "Nguyễn Văn Một", "official": True,
                                    "known_since": "2019-01-01"}),
    "3-KNĐ:2": (date(2021, 10, 2), {"introducer_name": "Trần Thị Hai", "official": True,
                                    "known_since": "2019-06-01"}),
    "4-KNĐ": (date(2021, 10, 5), {"number": "05-NQ/ĐTN"}),
    "5-KNĐ": (date(2021, 10, 20), {}),
    "TTLL": (date(2021, 10, 25), {"verification_result": "clear"}),
    "7-KNĐ": (date(2021, 12, 10), {"number": "03-BC/ĐUBP"}),
    "CN-ĐVM": (date(2022, 6, 15), {"number": "112/CN-ĐVM"}),
    "10-KNĐ": (date(2023, 2, 1), {}),
    "11-KNĐ": (date(2023, 2, 3), {}),
    "12-KNĐ": (date(2023, 2, 5), {}),
}


def record_documents(world, case_id, act_name, skip=(), overrides=None):
    """Record, as the branch does on the dossier page, each document the case's checklist requires
    for the act `act_name` and does not have yet, but those in `skip`. `overrides`: key -> (date,
    details) to record instead of DOSSIER_DOCUMENTS'. Returns the keys recorded."""
    from pipeline.cases.models import Case
    from pipeline.workflow.checklist import checklist_for
    from pipeline.dossier.operations import record_document
    from pipeline.workflow.log import load_log
    from pipeline.workflow.replay import replay
    case = db.session.get(Case, case_id)
    recorded = []
    for entry in missing_documents(checklist_for(case, replay(load_log(case_id)), clock.today()), act_name,
                                   skip, overrides):
        record_document(case_id, actor_for(world, "sec", case.branch), entry)
        recorded.append(entry.key)
    return recorded


def missing_documents(lines, act_name, skip=(), overrides=None):
    """The DocumentEntry of each document the checklist `lines` require for `act_name` and lack
    (but those in `skip`), dated and detailed as DOSSIER_DOCUMENTS (or `overrides`) say."""
    from pipeline.dossier.operations import DocumentEntry
    for line in lines:
        if line.due_by != act_name or not line.required or line.from_log or line.received or line.key in skip:
            continue
        day, details = (overrides or {}).get(line.key) or DOSSIER_DOCUMENTS[line.key]
        yield DocumentEntry(line.key, received=True, received_on=day, details=dict(details))


def with_ids(world, act_name, data):
    """FORWARD_ACTS data with the ids of the world's rows: the class to enrol in, the issuing unit."""
    if act_name == "enrol_training":
        return dict(data, class_id=world.training_class.id)
    if act_name == "record_decision":
        return dict(data, issuing_unit_id=world.town.id)
    return data


TRAINING_RESULT_DAY = date(2021, 9, 10)  # the last day of the world's class


def record_training_result(world, case_id, result="passed", day=TRAINING_RESULT_DAY, certificate=None):
    """The class's organiser (the board) records the case's result in its current class; with
    `certificate` (number, date) and a pass, the certificate is issued and the case moves on."""
    from pipeline.training.operations import ResultEntry, latest_enrolment, record_results
    enrolment = latest_enrolment(case_id)
    number, issued = certificate or (None, None)
    return record_results(world["board"], enrolment.training_class,
                          [ResultEntry(enrolment.id, result, number, issued)], day)


def certificate_number(world):
    """The next certificate number of the world's class: CN-001 first."""
    from pipeline.training.models import Enrolment
    issued = db.session.execute(sa.select(sa.func.count()).select_from(Enrolment).where(
        Enrolment.class_id == world.training_class.id, Enrolment.certificate_number.is_not(None))).scalar_one()
    return f"CN-{issued + 1:03d}"


def actor_for(world, who, branch):
    """The secretary of the case's branch, its commune committee, or the board."""
    if who == "board":
        return world["board"]
    if who == "com":  # the commune above the branch, sub-committees in between or not
        return world["com_a"] if branch.path.startswith(world.commune_a.path) else world["com_b"]
    secretaries = {world.branch_a1.id: "sec_a1", world.branch_a2.id: "sec_a2", world.branch_b1.id: "sec_b1"}
    return world[secretaries[branch.id]] if branch.id in secretaries else world["com_a"]


@pytest.fixture
def make_case(world):
    """make_case(stage="decision", branch=world.branch_a1, **particulars) walks a new case
    through the real workflow up to `stage` on the main road: each act judged by its guards and
    logged by `perform`, each document recorded as the dossier page records it, all in one
    transaction, projected once at the end. A case in "training" is enrolled in
    world.training_class with no result yet (record_training_result gives it one)."""
    from pipeline.dossier.operations import record_document_on
    from pipeline.training.operations import passed_in_class
    from pipeline.transaction import one_transaction
    from pipeline.workdays.calendar import WorkingCalendar
    from pipeline.workflow import operations
    from pipeline.workflow.checklist import checklist_for
    from pipeline.workflow.definition import ACT_BY_NAME

    def documents(held, act_name, actor):
        """What record_documents records, on the case in hand."""
        for entry in missing_documents(checklist_for(held.case, held.state, clock.today()), act_name):
            record_document_on(held, actor, entry, clock.today())

    def act(held, act_name, who, day, data):
        actor = actor_for(world, who, held.case.branch)
        documents(held, act_name, actor_for(world, "sec", held.case.branch))
        if act_name == "complete_training":
            # The class's organiser records the pass and issues the certificate in one act (as
            # its results page does); numbers are unique in a class: CN-001 (FORWARD_ACTS), CN-002...
            operations.perform(held, ACT_BY_NAME[act_name], world["board"], day,
                               {"certificate_number": certificate_number(world)}, assume=passed_in_class)
        else:
            operations.perform(held, ACT_BY_NAME[act_name], actor, day, with_ids(world, act_name, data))

    def make(stage="spotted", branch=None, **particulars):
        branch = branch or world.branch_a1
        fields = dict(full_name="Phùng Tấn Thắng", date_of_birth=date(1995, 3, 15), sex="male",
                      ethnicity="Kinh", education="upper_secondary", occupation="Nông dân",
                      residence="Thôn 1", youth_union_member=False, source_organisation="youth_union",
                      helper_member="Lê Văn Giúp")
        fields.update(particulars)
        with one_transaction():
            calendar = WorkingCalendar.load()
            held = operations.open_case(actor_for(world, "sec", branch), branch, date(2021, 6, 1), fields,
                                        calendar=calendar)
            for current in MAIN_ROAD[:MAIN_ROAD.index(stage)]:
                for act_name, who, day, data in ACTS_WITHIN.get(current, []):
                    act(held, act_name, who, day, data)
                act_name, who, day, data = FORWARD_ACTS[current]
                act(held, act_name, who, day, data)
            operations.project(held.case, held.state, calendar)
        return db.session.get(type(held.case), held.case.id)

    return make


@pytest.fixture
def server(app):
    """The test's application served over HTTP by a threaded server: its address."""
    served = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{served.server_port}"
    served.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def login(client):
    def do(username, password=PASSWORD):
        return client.post("/login", data={"username": username, "password": password}, follow_redirects=True)
    return do


class StatementCounter:
    """Counts the statements the application sends; the savepoints that stand for its
    transactions inside a PostgreSQL test's own transaction (tests/databases.py) are not its."""
    SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")

    def __init__(self):
        self.count = 0
        self.statements = []

    def __call__(self, conn, cursor, statement, *args, **kwargs):
        if not statement.lstrip().upper().startswith(self.SAVEPOINTS):
            self.count += 1
            self.statements.append(statement)


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
    from pipeline.workflow.models import LogEntry
    return db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)
                             .where(LogEntry.case_id == case_id))


@contextlib.contextmanager
def own_transaction():
    """A connection in a transaction of the test's own, beside the application's session: on a
    PostgreSQL test's single connection a savepoint, rolled back if the block fails."""
    bind = db.engine
    if isinstance(bind, sa.engine.Connection):
        with bind.begin_nested():
            yield bind
    else:
        with bind.begin() as connection:
            yield connection


def append_entry(case_id, act, actor, effective_date, data, reason="", to_stage=None):
    """A log entry appended as it stands, chained like any other but judged by no guard: what a
    log written before a rule existed (or imported, or tampered with) may hold."""
    from datetime import datetime
    from pipeline.transaction import one_transaction
    from pipeline.workflow.log import load_log
    from pipeline.workflow.models import LogEntry
    with one_transaction():
        previous = load_log(case_id)[-1]
        entry = LogEntry(case_id=case_id, seq=previous.seq + 1, act=act, from_stage=previous.to_stage,
                         to_stage=to_stage or previous.to_stage, actor_id=actor.id, recorded_at=datetime.utcnow(),
                         effective_date=effective_date, reason=reason, data=data, prev_hash=previous.hash)
        entry.hash = entry.compute_hash()
        db.session.add(entry)
    return entry


def fresh(case_id):
    """The case as the database has it now."""
    from pipeline.cases.models import Case
    db.session.expire_all()
    return db.session.get(Case, case_id)


@pytest.fixture
def needs_pdf():
    """PDF tests run only where WeasyPrint can render; under CI its absence is a failure."""
    from pipeline.printing import pdf
    if not pdf.available():
        message = f"PDF rendering unavailable (install libpango-1.0-0 libpangoft2-1.0-0): {pdf.unavailable_reason()}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
