"""Flask extensions, created once and bound in `init_app`."""
import os

from flask_babel import Babel, refresh as flask_babel_refresh
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")


TRANSLATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "translations")


def init_app(app, locale_selector):
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "warning"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=locale_selector, default_translation_directories=TRANSLATIONS_DIR)
    # Babel caches the locale on the application context, which a request may share with code
    # that ran before it (tests, the CLI): choose the language afresh for every request.
    app.before_request(flask_babel_refresh)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Foreign keys on, WAL so readers never wait for the writer, and a busy timeout so a
    second writer waits instead of failing at once."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


# --- statements prepared on the server (psycopg 3) -----------------------------------------------
# psycopg prepares nothing by its own count (pipeline/config.py says why). A statement marked
# `.execution_options(prepared=True)` is prepared at its first run on a connection, so PostgreSQL
# parses it once and, after five runs, plans it once: only the few that every request or act runs,
# each finding rows by their key, whose plan cannot depend on the values (half of an act's time in
# PostgreSQL was planning them, BENCHMARKS.md).
PREPARED = "prepared"


def is_psycopg(dbapi_object):
    return type(dbapi_object).__module__.startswith("psycopg")


@event.listens_for(Engine, "do_execute")
def _prepared_when_marked(cursor, statement, parameters, context):
    if context.execution_options.get(PREPARED) and is_psycopg(cursor):
        cursor.execute(statement, parameters, prepare=True)
        return True
    return None
