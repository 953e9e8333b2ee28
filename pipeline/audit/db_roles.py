"""On PostgreSQL, the application runs as a role of its own that cannot UPDATE or DELETE the rows
of the logs: an owner role holds the tables and runs the migrations (`init-db`), the
application's role gets what it needs and no more. The append-only triggers stop a careless
statement; this stops the application itself, or whoever takes it over, from even asking.

`grant_app_role(name)`, run as the owner (by `init-db --app-role NAME`, after the migrations):
creates the login role when it is missing, and grants it SELECT and INSERT on every table,
UPDATE and DELETE on every table but the append-only ones, the sequences, and the same for the
tables future migrations create (SELECT and INSERT only: a new table gets UPDATE and DELETE when
`init-db --app-role` runs again after the migration that made it)."""
import re

from sqlalchemy import text

from pipeline.extensions import db
from pipeline.transaction import one_transaction

# Rows only ever added: the logs, and what only migrations write.
APPEND_ONLY = ("case_event", "account_change", "unit_change", "quota_change", "read_log", "case_note", "log_key",
               "alembic_version")
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleRefused(Exception):
    """The role cannot be set up here (another database, a bad name, not the owner)."""


def _quoted(name):
    return '"' + name + '"'


def grant_app_role(name, password=None):
    """Set up the application's role `name` (see the module); returns the lines to show."""
    with one_transaction():
        return _grant(name, password)


def _grant(name, password):
    if db.engine.dialect.name != "postgresql":
        raise RoleRefused("An application role is a PostgreSQL setting: SQLite has no roles.")
    if not ROLE_NAME.match(name or ""):
        raise RoleRefused(f"{name!r} is not a plain role name (lower-case letters, digits and _).")
    session = db.session
    me = session.execute(text("SELECT current_user")).scalar()
    if name == me:
        raise RoleRefused("The application's role must not be the owner that runs this command.")
    owner = session.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' "
                                 "AND tablename = 'case_event'")).scalar()
    superuser = session.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
    if owner is None:
        raise RoleRefused("The schema is not there: run the migrations first.")
    if owner != me and not superuser:
        raise RoleRefused(f"Connected as {me}, but the tables belong to {owner}: run this as their owner.")
    lines = []
    exists = session.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}).scalar()
    role = _quoted(name)
    if not exists:
        session.execute(text(f"CREATE ROLE {role} LOGIN"))
        lines.append(f"Role {name} created.")
    if password:
        # A password cannot be a bound parameter in ALTER ROLE: quoted as a literal instead.
        literal = "'" + password.replace("'", "''") + "'"
        session.execute(text(f"ALTER ROLE {role} PASSWORD {literal}"))
        lines.append(f"Password of {name} set.")
    database = session.execute(text("SELECT current_database()")).scalar()
    session.execute(text(f"GRANT CONNECT ON DATABASE {_quoted(database)} TO {role}"))
    session.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
    tables = session.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                  "ORDER BY tablename")).scalars().all()
    for table in tables:
        session.execute(text(f"GRANT SELECT, INSERT ON {_quoted(table)} TO {role}"))
        if table in APPEND_ONLY:
            session.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {_quoted(table)} FROM {role}"))
        else:
            session.execute(text(f"GRANT UPDATE, DELETE ON {_quoted(table)} TO {role}"))
    session.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    session.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO {role}"))
    session.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}"))
    lines.append(f"Role {name}: SELECT and INSERT on {len(tables)} tables; UPDATE and DELETE on all but "
                 f"{', '.join(t for t in APPEND_ONLY if t in tables)}; the sequences; and SELECT, INSERT on "
                 f"future tables.")
    return lines
