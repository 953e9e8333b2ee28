"""The tests' databases: one application per database kind for the whole session, and worlds
built once per kind through the real operations (an empty schema, the small test world with a
case at every stage, the Điện Bàn demo), which every test gets a fresh copy of.

- SQLite: each world is a file; a test works on a copy of it (a file copy takes milliseconds).
- PostgreSQL: each world is a database; a test works inside a transaction on it that is rolled
  back at its end (the application's commits become savepoints). A test marked `real_database`
  (threads, migrations, a second application, backups) gets a database of its own instead,
  copied from the world's (`CREATE DATABASE … TEMPLATE`), where commits are commits.

PostgreSQL is at 127.0.0.1:5432 (user postgres, trust auth) unless TEST_PG_ADMIN_URL says
otherwise; the databases are named after TEST_PG_DB_NAME. When it cannot be reached the
PostgreSQL half is skipped with a notice, except under CI=true, where that is a failure."""
import contextlib
import os
import shutil

import pytest
import sqlalchemy as sa

from pipeline.app import create_app
from pipeline.extensions import db

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# pytest-xdist's workers (manage.py test runs one per core) each build their own databases.
PG_DB_NAME = os.environ.get("TEST_PG_DB_NAME", "ketnap_test") + (
    f"_{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else "")
# Passwords are hashed with one round in tests (the logins of a thousand tests would otherwise
# spend minutes in scrypt); the application's own default is werkzeug's.
CHEAP_HASH = "pbkdf2:sha256:1"
TEST_CONFIG = {"SECRET_KEY": "test", "LOG_KEY": "test log key", "TESTING": True, "WTF_CSRF_ENABLED": False,
               "PASSWORD_HASH_METHOD": CHEAP_HASH,
               # The tests' accounts sign in with a password only; tests/test_two_factor.py turns it on.
               "TWO_FACTOR_REQUIRED_ROLES": []}


def pg_url(name):
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _admin(statement):
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(statement))
    finally:
        admin.dispose()


def fresh_pg_database(name, template=None):
    """Drop and create the PostgreSQL database `name` (a copy of `template` when given) and return
    its URL. When PostgreSQL cannot be reached the test is skipped with a notice, except under
    CI=true, where it fails."""
    try:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    except sa.exc.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and cannot be reached: {error}")
        pytest.skip(f"NOTICE: PostgreSQL not reachable, its half of the suite is skipped ({error.orig})")
    return pg_url(name)


def drop_pg_database(name):
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def swap_engine(app, bind):
    """Make `bind` (an Engine, or a Connection holding the test's transaction) what the
    application's `db.engine` and sessions use."""
    previous = db._app_engines[app][None]
    db._app_engines[app][None] = bind
    return previous


def migrate_to_newest():
    from flask_migrate import upgrade
    upgrade()


class Backend:
    """One database kind: its application and its worlds. `test(world, real)` is the context
    of one test."""
    kind = None

    def __init__(self):
        self.built = {}  # world name -> what its builder returned (the demo's summary…)
        self.app = None

    def world(self, name, builders):
        """Build the world `name` (and those it starts from) once."""
        if name not in self.built:
            base, build = builders[name]
            if base is not None:
                self.world(base, builders)
            self.built[name] = self._build(name, base, build)
        return self.built[name]


class SqliteBackend(Backend):
    kind = "sqlite"

    def __init__(self, folder):
        super().__init__()
        self.folder = folder
        self.work = folder / "test.sqlite"
        self.url = f"sqlite:///{self.work}"
        self.app = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=self.url))

    def _file(self, name):
        return self.folder / f"world-{name}.sqlite"

    def _release(self):
        with self.app.app_context():
            db.engine.dispose()
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(f"{self.work}{suffix}")

    def _build(self, name, base, build):
        self._release()
        if base is None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.work)
        else:
            shutil.copyfile(self._file(base), self.work)
        with self.app.app_context():
            result = build()
            db.session.remove()
            with db.engine.connect() as conn:  # everything in the main file, nothing in the WAL
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        self._release()
        shutil.copyfile(self.work, self._file(name))
        return result

    @contextlib.contextmanager
    def test(self, name, real):
        self._release()
        shutil.copyfile(self._file(name), self.work)
        yield self.url

    def copy_of(self, name, copy):
        """A database of its own, a copy of the world `name` (the browser tests' server)."""
        target = self.folder / f"{copy}.sqlite"
        shutil.copyfile(self._file(name), target)
        return f"sqlite:///{target}"

    def drop_copy(self, copy):
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.folder / f"{copy}.sqlite")

    def close(self):
        self._release()


class PostgresBackend(Backend):
    kind = "postgresql"

    def __init__(self):
        super().__init__()
        self.engines = {}
        self.url = fresh_pg_database(PG_DB_NAME)
        self.app = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=self.url))
        # Inside a test's transaction, the application's own transactions are savepoints (bound to
        # an engine, as everywhere else, sessions are not affected).
        db.session.session_factory.configure(join_transaction_mode="create_savepoint")

    def _name(self, world):
        return f"{PG_DB_NAME}_{world}"

    def _engine(self, world):
        if world not in self.engines:
            # The application's options (no server-side prepared statements…), as in production.
            self.engines[world] = sa.create_engine(pg_url(self._name(world)),
                                                   **self.app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        return self.engines[world]

    def _build(self, name, base, build):
        if base is not None:
            self._engine(base).dispose()  # a template may have no other connection
        fresh_pg_database(self._name(name), self._name(base) if base else None)
        engine = self._engine(name)
        with self.app.app_context():
            previous = swap_engine(self.app, engine)
            try:
                result = build()
                db.session.remove()
            finally:
                swap_engine(self.app, previous)
        engine.dispose()
        return result

    @contextlib.contextmanager
    def test(self, name, real):
        if real:
            work = f"{PG_DB_NAME}_work"
            self._engine(name).dispose()
            url = fresh_pg_database(work, self._name(name))
            engine = sa.create_engine(url, **self.app.config["SQLALCHEMY_ENGINE_OPTIONS"])
            previous = swap_engine(self.app, engine)
            uri = self.app.config["SQLALCHEMY_DATABASE_URI"]
            self.app.config["SQLALCHEMY_DATABASE_URI"] = url
            try:
                yield url
            finally:
                self.app.config["SQLALCHEMY_DATABASE_URI"] = uri
                swap_engine(self.app, previous)
                engine.dispose()
                drop_pg_database(work)
            return
        connection = self._engine(name).connect()
        transaction = connection.begin()
        previous = swap_engine(self.app, connection)
        try:
            yield pg_url(self._name(name))
        finally:
            swap_engine(self.app, previous)
            if transaction.is_active:
                transaction.rollback()
            connection.close()

    def copy_of(self, name, copy):
        """A database of its own, a copy of the world `name` (the browser tests' server)."""
        self._engine(name).dispose()
        return fresh_pg_database(f"{PG_DB_NAME}_{copy}", self._name(name))

    def drop_copy(self, copy):
        drop_pg_database(f"{PG_DB_NAME}_{copy}")

    def close(self):
        for engine in self.engines.values():
            engine.dispose()
        with self.app.app_context():
            db.engine.dispose()
        for name in self.built:
            drop_pg_database(self._name(name))
        drop_pg_database(PG_DB_NAME)
