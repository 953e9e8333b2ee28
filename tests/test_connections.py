"""Long-lived connections on PostgreSQL: psycopg 3 prepares a statement on the server after its
fifth run on a connection, and PostgreSQL may then plan it generically, turning a page that took
0.8 s into one that takes 21 s for as long as the pooled connection lives (benchmarks/prepared.py).
The application's engine never prepares; SQLite's gets none of psycopg's options."""
import pytest
import sqlalchemy as sa

from pipeline.app import create_app
from pipeline.config import DEFAULTS, engine_options
from pipeline.extensions import db
from databases import TEST_CONFIG

PREPARED = sa.text("SELECT count(*) FROM pg_prepared_statements")
# Runs of one statement: past psycopg's threshold (5), after which it would be prepared.
RUNS = 8


def test_psycopg_urls_never_prepare_and_others_are_left_alone():
    pg = engine_options("postgresql+psycopg://u@h/ketnap", DEFAULTS["SQLALCHEMY_ENGINE_OPTIONS"])
    assert pg["connect_args"] == {"prepare_threshold": None, "options": "-c jit=off"}
    assert pg["pool_pre_ping"] is True
    kept = engine_options("postgresql+psycopg://u@h/k", {"connect_args": {"connect_timeout": 5}})
    assert kept["connect_args"] == {"connect_timeout": 5, "prepare_threshold": None, "options": "-c jit=off"}
    for url in ("sqlite:///x.sqlite", "sqlite://", "postgresql+psycopg2://u@h/k"):
        assert "connect_args" not in engine_options(url, DEFAULTS["SQLALCHEMY_ENGINE_OPTIONS"]), url
        assert engine_options(url, DEFAULTS["SQLALCHEMY_ENGINE_OPTIONS"])["pool_pre_ping"] is True
    assert "connect_args" not in DEFAULTS["SQLALCHEMY_ENGINE_OPTIONS"]  # the defaults are not changed


def test_the_applications_engine_options_fit_its_database(app, backend):
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True
    if backend.kind == "postgresql":
        assert options["connect_args"]["prepare_threshold"] is None
    else:
        assert "prepare_threshold" not in options.get("connect_args", {})


def test_pages_requested_again_and_again_prepare_nothing_on_the_server(client, demo, backend, login):
    """The quotas page, ten times on the same connection (the test's): nothing prepared, the
    page the same every time."""
    assert login("btc", "demo").status_code == 200
    responses = [client.get("/quotas/?year=2022") for _ in range(10)]
    assert {response.status_code for response in responses} == {200}
    assert len({response.get_data() for response in responses}) == 1
    if backend.kind == "postgresql":
        assert db.session.scalar(PREPARED) == 0


@pytest.mark.postgres_only
def test_the_applications_own_engine_prepares_nothing(database_url):
    """A second application on the database, with its own engine and pool as in production: the
    same statement run past the threshold on one connection leaves no prepared statement; with
    psycopg's default it would (the check can see one)."""
    other = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=database_url))
    statement = sa.text("SELECT count(*) FROM unit WHERE id > :least")
    with other.app_context():
        try:
            with db.engine.connect() as conn:
                assert conn.connection.dbapi_connection.prepare_threshold is None
                # Nor compiles: JIT took 0.7 s of the queue's 1 s statement at 34,500 cases.
                assert conn.execute(sa.text("SHOW jit")).scalar() == "off"
                for least in range(RUNS):
                    conn.execute(statement, {"least": least})
                assert conn.scalar(PREPARED) == 0
        finally:
            db.engine.dispose()
    default = sa.create_engine(database_url, connect_args={"prepare_threshold": 5})
    try:
        with default.connect() as conn:
            for least in range(RUNS):
                conn.execute(statement, {"least": least})
            assert conn.scalar(PREPARED) >= 1
    finally:
        default.dispose()
