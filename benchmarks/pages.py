"""Benchmark: statements and time per page as the data grows.

    .venv/bin/python benchmarks/pages.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/ketnap_bench]
                                         [--factors 1,10,100] [--user btc] [--grow-outside dienhoa]

Loads the Điện Bàn demo into a fresh database, then for each factor copies its cases (with their
log rows, deadlines, dossier items and enrolments) until the database holds factor × the demo's
cases, and requests each page as `btc` (the town's organisation board) with the clock on the
demo's snapshot day. Copies keep their original branch, so every unit grows by the same factor.
Copied log rows are not re-chained: this measures reading, not the audit. Prints one table row per
page and factor: SQL statements, the median of 3 requests in ms, the response size.

`--user dienhoa` requests the pages as that account (e.g. the Điện Hòa commune's committee);
`--grow-outside dienhoa` copies only the cases outside that unit's subtree, so its own cases stay
as in the demo: its pages' times should then not change with the factor."""
import argparse
from datetime import date

import sqlalchemy as sa

from measuring import bench_app, get_page
from pipeline.extensions import db

PAGES = [
    ("home (due soon)", "/"),
    ("candidate list", "/candidates/"),
    ("candidate list, search", "/candidates/?q=nguyen"),
    ("dashboard", "/dashboard/"),
    ("dashboard, stuck cases", "/dashboard/cases?which=stuck"),
    ("quotas 2022", "/quotas/?year=2022"),
    ("year report 2022 to 30/09", "/reports/year?year=2022&until=2022-09-30"),
    ("candidate list CSV", "/candidates/?format=csv"),
    ("candidate list XLSX", "/candidates/?format=xlsx"),
]
# Copy k of case n gets id n + k * offset, the offset just above the demo's largest case id (a
# fixed 10,000,000 overflowed PostgreSQL's 32-bit ids at factor 300).
COPIED = {  # table -> the column holding the case id
    "case_event": "candidate_id",
    "case_deadline": "candidate_id",
    "dossier_item": "candidate_id",
    "enrolment": "candidate_id",
    "case_snapshot": "candidate_id",
}


def fresh_database(url):
    admin_url, name = url.rsplit("/", 1)
    if url.startswith("postgresql"):
        engine = sa.create_engine(admin_url + "/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()


def columns(table, without=("id",)):
    return [c.name for c in db.metadata.tables[table].columns if c.name not in without]


def id_offset():
    """The step between copies: a round number above every case id of the demo."""
    largest = db.session.scalar(sa.text("SELECT COALESCE(MAX(id), 0) FROM candidate"))
    return 10 ** len(str(largest))


def copy_cases(copy_number, offset, outside=None):
    """One more copy of the demo's cases and their rows, in SQL; only of the cases outside the
    subtree of the unit coded `outside` when given."""
    cand = columns("candidate", without=())
    select_cols = [f"id + {copy_number * offset}" if c == "id" else c for c in cand]
    kept = ""
    if outside:
        kept = (" AND branch_id NOT IN (SELECT u.id FROM unit u JOIN unit top ON u.path LIKE top.path || '%'"
                " WHERE top.code = :outside)")
    db.session.execute(sa.text(f"INSERT INTO candidate ({', '.join(cand)}) SELECT {', '.join(select_cols)} "
                               f"FROM candidate WHERE id < {offset}{kept}"), {"outside": outside})
    for table, key in COPIED.items():
        kept_rows = f" AND {key} + {copy_number * offset} IN (SELECT id FROM candidate)" if outside else ""
        cols = columns(table)
        picked = [f"{key} + {copy_number * offset}" if c == key else c for c in cols]
        db.session.execute(sa.text(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(picked)} "
                                   f"FROM {table} WHERE {key} < {offset}{kept_rows}"))
    db.session.commit()


def measure(client, path):
    """(status, statements, median ms of 3 requests, bytes) of a page."""
    status, statements, ms, body, _cpu = get_page(client, path, runs=3, warm_up=False)
    return status, len(statements), ms, len(body.encode())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/ketnap_bench")
    parser.add_argument("--factors", default="1,10,100")
    parser.add_argument("--user", default="btc", help="the account the pages are requested as")
    parser.add_argument("--grow-outside", help="copy only the cases outside this unit's subtree (its code)")
    args = parser.parse_args()
    fresh_database(args.url)
    app = bench_app(args.url, date(2022, 10, 31))
    with app.app_context():
        from pipeline.demo.loader import load_demo
        load_demo()
        copies, offset = 0, id_offset()
        print("| page | cases | statements | ms (median of 3) | bytes | status |")
        print("|---|---|---|---|---|---|")
        for factor in (int(f) for f in args.factors.split(",")):
            while copies < factor - 1:
                copies += 1
                copy_cases(copies, offset, args.grow_outside)
            if args.url.startswith("postgresql"):
                db.session.execute(sa.text("ANALYZE"))
                db.session.commit()
            cases = db.session.scalar(sa.text("SELECT count(*) FROM candidate"))
            # Requests share the app context they find: a fresh one per factor, so the user the
            # last login loaded (kept on `g`) is not read from a session already closed.
            with app.app_context():
                client = app.test_client()
                client.post("/login", data={"username": args.user, "password": "demo"})
                for name, path in PAGES:
                    status, statements, ms, size = measure(client, path)
                    print(f"| {name} | {cases} | {statements} | {ms:.0f} | {size} | {status} |", flush=True)
            db.session.remove()


if __name__ == "__main__":
    main()
