"""Long-lived connections on PostgreSQL: psycopg 3 prepares a statement on the server after its
fifth run on a connection, and PostgreSQL may then plan it generically, turning a page that took
0.8 s into one that takes 21 s for as long as the pooled connection lives (benchmarks/prepared.py).
The application's engine prepares only the few statements marked for it (a row by its key, run on
every request or act), and keeps them across requests; SQLite's gets none of psycopg's options."""
import pytest
import sqlalchemy as sa

from pipeline.app import create_app
from pipeline.config import DEFAULTS, NEVER_BY_COUNT, engine_options
from pipeline.extensions import db
from databases import TEST_CONFIG, swap_engine

PREPARED = sa.text("SELECT count(*) FROM pg_prepared_statements")
PREPARED_TEXTS = sa.text("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
# A statement marked to be prepared, as the application marks the few it runs by a row's key.
MARKED = sa.text("SELECT CAST(:least AS integer) + 1").execution_options(prepared=True)
# Runs of one statement: past psycopg's threshold (5), after which it would be prepared.
RUNS = 8


def test_psycopg_urls_never_prepare_and_others_are_left_alone():
    pg = engine_options("postgresql+psycopg://u@h/ketnap", DEFAULTS["SQLALCHEMY_ENGINE_OPTIONS"])
    assert pg["connect_args"] == {"prepare_threshold": NEVER_BY_COUNT, "options": "-c jit=off"}
    assert pg["pool_pre_ping"] is True
    kept = engine_options("postgresql+psycopg://u@h/k", {"connect_args": {"connect_timeout": 5}})
    assert kept["connect_args"] == {"connect_timeout": 5, "prepare_threshold": NEVER_BY_COUNT, "options": "-c jit=off"}
    # Behind a pooler that changes server connections: nothing prepared at all.
    assert engine_options("postgresql+psycopg://u@h/k", {}, prepared=False)["connect_args"]["prepare_threshold"] is None
    for url in ("sqlite:///x.sqlite", "sqlite://", "postgresql+psycopg2://u@h/k"):
        assert "connect_args" not in engine_options(url, DEFAULTS["SQLALCHEMY_ENGINE_OPTIONS"]), url
        assert engine_options(url, DEFAULTS["SQLALCHEMY_ENGINE_OPTIONS"])["pool_pre_ping"] is True
    assert "connect_args" not in DEFAULTS["SQLALCHEMY_ENGINE_OPTIONS"]  # the defaults are not changed


def test_the_applications_engine_options_fit_its_database(app, backend):
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True
    if backend.kind == "postgresql":
        assert options["connect_args"]["prepare_threshold"] == NEVER_BY_COUNT
    else:
        assert "prepare_threshold" not in options.get("connect_args", {})


def test_pages_requested_again_and_again_prepare_none_of_their_figures(client, demo, backend, login):
    """The quotas page, ten times on the same connection (the test's): none of its figures'
    statements prepared, the page the same every time."""
    assert login("btc", "demo").status_code == 200
    responses = [client.get("/quotas/?year=2022") for _ in range(10)]
    assert {response.status_code for response in responses} == {200}
    assert len({response.get_data() for response in responses}) == 1
    if backend.kind == "postgresql":
        prepared = [text for text, _runs in db.session.execute(PREPARED_TEXTS).all()]
        assert not [text for text in prepared if "quota" in text or "case_event" in text]


@pytest.mark.postgres_only
def test_a_marked_statement_is_prepared_once_for_request_after_request(app, database_url):
    """The signed-in user's account, read by every request by its key, on one pooled
    connection as in production: prepared once, and still prepared after each request's
    transaction ends (psycopg would deallocate it at a rollback)."""
    from pipeline.accounts.views import _user_statement
    one_connection = sa.create_engine(database_url, pool_size=1, max_overflow=0,
                                      **app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    previous = swap_engine(app, one_connection)
    try:
        for _ in range(RUNS):
            db.session.execute(_user_statement(), {"user_id": 1}).all()
            db.session.remove()  # a request's end: its transaction rolled back
        with one_connection.connect() as conn:
            prepared = conn.execute(PREPARED_TEXTS).all()
        assert [(("FROM user_account" in text), runs) for text, runs in prepared] == [(True, RUNS)]
    finally:
        swap_engine(app, previous)
        one_connection.dispose()


@pytest.mark.postgres_only
def test_the_applications_own_engine_prepares_nothing_by_count(database_url):
    """A second application on the database, with its own engine and pool as in production: the
    same statement run past the threshold on one connection leaves no prepared statement; with
    psycopg's default it would (the check can see one)."""
    other = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=database_url))
    statement = sa.text("SELECT count(*) FROM unit WHERE id > :least")
    with other.app_context():
        try:
            with db.engine.connect() as conn:
                assert conn.connection.dbapi_connection.prepare_threshold == NEVER_BY_COUNT
                # Nor compiles: JIT took 0.7 s of the queue's 1 s statement at 34,500 cases.
                assert conn.execute(sa.text("SHOW jit")).scalar() == "off"
                for least in range(RUNS):
                    conn.execute(statement, {"least": least})
                assert conn.scalar(PREPARED) == 0
        finally:
            db.engine.dispose()
    switched_off = sa.create_engine(database_url, **engine_options(database_url, {}, prepared=False))
    try:
        with switched_off.connect() as conn:  # KETNAP_PREPARED_STATEMENTS=false: not even the marked ones
            conn.execute(MARKED, {"least": 1})
            assert conn.scalar(PREPARED) == 0
    finally:
        switched_off.dispose()
    default = sa.create_engine(database_url, connect_args={"prepare_threshold": 5})
    try:
        with default.connect() as conn:
            for least in range(RUNS):
                conn.execute(statement, {"least": least})
            assert conn.scalar(PREPARED) >= 1
    finally:
        default.dispose()


@pytest.mark.postgres_only
def test_a_transaction_that_wrote_is_still_rolled_back(app):
    """Reads end by a commit (it keeps the prepared statements); a transaction that wrote, or
    failed, is rolled back as before: nothing it wrote stays."""
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                conn.execute(MARKED, {"least": 0})
                conn.execute(sa.text("CREATE TEMPORARY TABLE kept (n integer) ON COMMIT PRESERVE ROWS"))
                conn.commit()
                conn.execute(MARKED, {"least": 0})
                conn.execute(sa.text("INSERT INTO kept VALUES (1)"))
                conn.rollback()
                assert conn.scalar(sa.text("SELECT count(*) FROM kept")) == 0
                conn.execute(sa.text("WITH w AS (INSERT INTO kept VALUES (2) RETURNING n) SELECT count(*) FROM w"))
                conn.rollback()  # a write inside a SELECT's CTE (an act's rows are written so)
                assert conn.scalar(sa.text("SELECT count(*) FROM kept")) == 0
                conn.execute(MARKED, {"least": 0})
                conn.rollback()  # a transaction that only read: ended by a commit
                assert conn.scalar(PREPARED) == 1
                with pytest.raises(sa.exc.DataError):
                    conn.execute(sa.text("SELECT 1 / (n - 1) FROM (VALUES (1)) AS v(n)"))
                conn.rollback()  # a failed one: rolled back, and the connection usable
                assert conn.execute(MARKED, {"least": 0}).scalar() >= 1
        finally:
            db.engine.dispose()
