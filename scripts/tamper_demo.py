"""Tamper with a COPY of the demo database in each way of issue 12, point 6, as someone holding
the database (but not the log key) could, then run `audit verify` and show that every change is
named.

    .venv/bin/python scripts/tamper_demo.py instance/ketnap.sqlite
    .venv/bin/python scripts/tamper_demo.py postgresql://postgres@127.0.0.1:5432/ketnap

The source is never written: a SQLite file is copied next to it (`<name>-tampered.sqlite`), a
PostgreSQL database is copied as `<name>_tampered` (CREATE DATABASE ... TEMPLATE: nothing else
may be connected to the source meanwhile). The check runs with the log key the application
uses (KETNAP_LOG_KEY, else instance/log_key). Exits 0 when every tampering was named, 1 if not.

The tamperings, each on a case of its own:
- a middle log row edited and every later hash of the case recomputed with the project's own
  payload and plain SHA-256, as the hash was computed before it had a key;
- the same with an HMAC under a guessed key;
- the candidate's name, date of birth, education, stage and branch edited in `candidate`;
- a dossier item's `received` flipped; an enrolment's certificate number changed;
- a secretary's account made an administrator in `user_account`."""
import argparse
import hashlib
import os
import shutil
import sys
from dataclasses import dataclass
from types import SimpleNamespace

import sqlalchemy as sa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from pipeline.app import create_app  # noqa: E402  (the project's root is put on the path first)
from pipeline.base.signing import seal  # noqa: E402
from pipeline.config import database_url_from_env  # noqa: E402
from pipeline.extensions import db  # noqa: E402
from pipeline.workflow.models import HASHED, LogEntry, entry_payload  # noqa: E402

GUESSED_KEY = "ket-nap"  # what a forger without the key might try


@dataclass(frozen=True)
class Tampering:
    what: str  # for the reader
    expected: tuple  # pieces of one line that `audit verify` prints for it


# --- copying ---------------------------------------------------------------------------------

def is_postgres(source):
    return source.startswith(("postgres://", "postgresql://", "postgresql+"))


def copy_database(source, target=None):
    """Copy the demo database; returns the copy's SQLAlchemy URL."""
    if not is_postgres(source):
        target = target or os.path.splitext(source)[0] + "-tampered.sqlite"
        shutil.copyfile(source, target)
        return f"sqlite:///{os.path.abspath(target)}"
    url = sa.engine.make_url(database_url_from_env(source))
    target = target or f"{url.database}_tampered"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{target}" TEMPLATE "{url.database}"'))
    finally:
        admin.dispose()
    return url.set(database=target).render_as_string(hide_password=False)


# --- tampering, with plain SQL as the database's owner ------------------------------------------

@dataclass
class Guards:
    """The append-only triggers of case_event, out of the way while the log is rewritten."""
    conn: object

    def __enter__(self):
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(sa.text("ALTER TABLE case_event DISABLE TRIGGER USER"))
        else:
            for action in ("update", "delete"):
                self.conn.execute(sa.text(f"DROP TRIGGER IF EXISTS case_event_no_{action}"))

    def __exit__(self, *exc):
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(sa.text("ALTER TABLE case_event ENABLE TRIGGER USER"))
        else:
            for action in ("UPDATE", "DELETE"):
                self.conn.execute(sa.text(
                    f"CREATE TRIGGER case_event_no_{action.lower()} BEFORE {action} ON case_event "
                    f"BEGIN SELECT RAISE(ABORT, 'case_event is append-only: {action} refused'); END"))


def _cases(conn, where="1 = 1", limit=1, taken=()):
    """Ids of cases matching `where` that no earlier tampering used."""
    rows = conn.execute(sa.text(f"SELECT id FROM candidate WHERE {where} ORDER BY id")).scalars().all()
    found = [case_id for case_id in rows if case_id not in taken][:limit]
    if len(found) < limit:
        raise SystemExit(f"the database has no case left for: {where}")
    return found


def rewrite_chain(conn, case_id, seq, new_reason, hash_of):
    """Edit the reason of the case's row `seq` and recompute its hash and every later one with
    `hash_of(payload)`, as a forger rewriting the chain would."""
    table = LogEntry.__table__  # its column types: the payload is the one the project computes
    rows = conn.execute(sa.select(table).where(table.c.candidate_id == case_id).order_by(table.c.seq)).mappings().all()
    prev = rows[seq - 2]["hash"]
    for row in rows[seq - 1:]:
        entry = SimpleNamespace(**{name: row[column] for name, column in HASHED.items()}, prev_hash=prev)
        if row["seq"] == seq:
            entry.reason = new_reason
        new_hash = hash_of(entry_payload(entry))
        conn.execute(table.update().where(table.c.id == row["id"])
                     .values(reason=entry.reason, prev_hash=prev, hash=new_hash))
        prev = new_hash


def plain_sha256(payload):
    """The project's hash before it had a key."""
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def tamper(engine):
    """Every tampering of point 6 on the database behind `engine`; returns what was done and
    what `audit verify` should print for each ("case N (name, branch): field: stored …")."""
    done, taken = [], set()

    def case(where="1 = 1"):
        case_id = _cases(conn, where, taken=taken)[0]
        taken.add(case_id)
        return case_id

    def edit(statement, **params):
        return conn.execute(sa.text(statement), params)

    def named(what, *pieces):
        done.append(Tampering(what, pieces))

    with engine.begin() as conn:
        long_logs = "(SELECT count(*) FROM case_event e WHERE e.candidate_id = candidate.id) >= 6"
        with Guards(conn):
            for label, hash_of in (("plain SHA-256", plain_sha256),
                                   ("a guessed key", lambda payload: seal(payload, GUESSED_KEY))):
                forged = case(long_logs)
                rewrite_chain(conn, forged, 3, "sửa lén", hash_of)
                named(f"case {forged}: act no. 3 edited, every later hash recomputed with {label}",
                      f"case {forged} (", "act no. 3", "edited")
        name = case()
        edit("UPDATE candidate SET full_name = 'Nguyễn Văn Giả' WHERE id = :id", id=name)
        named(f"case {name}: candidate.full_name edited",
              f"case {name} (Nguyễn Văn Giả, ", "full_name: stored 'Nguyễn Văn Giả'")
        birth = case()
        edit("UPDATE candidate SET date_of_birth = '1960-01-01' WHERE id = :id", id=birth)
        named(f"case {birth}: candidate.date_of_birth edited", f"case {birth} (", "date_of_birth: stored '1960-01-01'")
        education = case("education <> 'postgraduate'")
        edit("UPDATE candidate SET education = 'postgraduate' WHERE id = :id", id=education)
        named(f"case {education}: candidate.education edited",
              f"case {education} (", "education: stored 'postgraduate'")
        stage = case("stage = 'dossier'")
        edit("UPDATE candidate SET stage = 'branch_vote' WHERE id = :id", id=stage)
        named(f"case {stage}: candidate.stage edited (dossier to branch vote)",
              f"case {stage} (", "stage: stored 'branch_vote', the log says 'dossier'")
        branch = case()
        other = edit("SELECT u.id FROM unit u WHERE u.id <> (SELECT branch_id FROM candidate WHERE id = :id) "
                     "AND u.id IN (SELECT branch_id FROM candidate) ORDER BY u.id LIMIT 1", id=branch).scalar()
        edit("UPDATE candidate SET branch_id = :unit WHERE id = :id", unit=other, id=branch)
        named(f"case {branch}: candidate.branch_id edited", f"case {branch} (", f"branch_id: stored {other}, ")
        item_case = case("id IN (SELECT candidate_id FROM dossier_item WHERE received)")
        item = edit("SELECT id, item_key FROM dossier_item WHERE candidate_id = :id AND received ORDER BY id LIMIT 1",
                    id=item_case).one()
        edit("UPDATE dossier_item SET received = :no WHERE id = :id", no=False, id=item.id)
        named(f"case {item_case}: dossier_item {item.item_key} received set to false",
              f"case {item_case} (", f"dossier_item {item.item_key}: received: stored False")
        enrolled = case("id IN (SELECT candidate_id FROM enrolment WHERE certificate_number IS NOT NULL)")
        enrolment = edit("SELECT id, class_id FROM enrolment WHERE candidate_id = :id "
                         "AND certificate_number IS NOT NULL LIMIT 1", id=enrolled).one()
        edit("UPDATE enrolment SET certificate_number = 'GIẢ-001' WHERE id = :id", id=enrolment.id)
        named(f"case {enrolled}: enrolment certificate_number edited", f"case {enrolled} (",
              f"enrolment in class {enrolment.class_id}: certificate_number: stored 'GIẢ-001'")
        account = edit("SELECT id, username FROM user_account WHERE role = 'secretary' ORDER BY id LIMIT 1").one()
        edit("UPDATE user_account SET role = 'admin' WHERE id = :id", id=account.id)
        named(f"account {account.username}: role made admin", f"account {account.id} ({account.username}): ",
              "role: stored 'admin', its history says 'secretary'")
    return done


# --- checking --------------------------------------------------------------------------------

def run_verify(url, log_key=None):
    """`audit verify` on the database at `url`; returns (exit code, output)."""
    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "tamper-demo", "TESTING": True}
    if log_key or os.environ.get("KETNAP_LOG_KEY"):
        config["LOG_KEY"] = log_key or os.environ["KETNAP_LOG_KEY"]
    app = create_app(config)
    with app.app_context():  # this application's, whatever application is current (a test's)
        result = app.test_cli_runner().invoke(args=["audit", "verify"])
        db.session.remove()
        db.engine.dispose()
    return result.exit_code, result.output


def unnamed(tamperings, output):
    """The tamperings that no line of `output` names."""
    lines = output.splitlines()
    return [t for t in tamperings if not any(all(piece in line for piece in t.expected) for line in lines)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="the demo database: a SQLite file or a PostgreSQL URL (never written)")
    parser.add_argument("--copy", default=None, help="the copy's file or database name")
    args = parser.parse_args()
    url = copy_database(args.source, args.copy)
    print(f"Copy: {sa.engine.make_url(url).render_as_string(hide_password=True)}")
    engine = sa.create_engine(url)
    try:
        done = tamper(engine)
    finally:
        engine.dispose()
    print("\nTampered:")
    for tampering in done:
        print(f"  - {tampering.what}")
    code, output = run_verify(url)
    print(f"\n$ flask --app wsgi audit verify   (exit status {code})\n{output}")
    missed = unnamed(done, output)
    for tampering in done:
        print(f"{'NAMED ' if tampering not in missed else 'MISSED'}  {tampering.what}")
    return 1 if missed or code == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
