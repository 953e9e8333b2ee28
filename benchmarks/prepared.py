"""Benchmark: pages on ONE reused PostgreSQL connection, with and without psycopg's server-side
prepared statements.

    .venv/bin/python benchmarks/prepared.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/ketnap_bench]
                                            [--factor 100] [--runs 20]

psycopg 3 prepares a statement on the server after its fifth run on a connection
(prepare_threshold=5); PostgreSQL may then switch the prepared statement to a generic plan, which
ignores the parameters' values. A pooled connection lives for hours, so a page can turn slow for
good after its fifth request. The application turns this off (pipeline/config.py engine_options: a
prepare_threshold never reached; only the few statements marked for it, each a row by its key, are
prepared); this shows what it prevents.

Loads the Điện Bàn demo into a fresh database, copies its cases until it holds factor × the demo's
cases (as benchmarks/pages.py does), then, as `btc` on the demo's day, requests each page `runs`
times on an engine with a single connection (pool_size=1, no overflow): first with the
application's own options, then with psycopg's default (5). Prints one row
per page and setting: the first run, the median of runs 2–5 and of runs 6 onwards, the slowest, and
how many server sessions served them (1: the same connection throughout)."""
import argparse
import statistics
import time
from datetime import date

import sqlalchemy as sa
from sqlalchemy import event

from pages import copy_cases, fresh_database
from pipeline.app import create_app
from pipeline.config import engine_options
from pipeline.extensions import db

PAGES = [
    ("quotas 2022", "/quotas/?year=2022"),
    ("year report 2022", "/reports/year?year=2022"),
    ("home (due soon)", "/"),
]
SINGLE_CONNECTION = {"pool_size": 1, "max_overflow": 0, "pool_pre_ping": True}


def measure(app, engine, runs):
    """Each page `runs` times, in turn, on `engine`; its timings (ms) per page and the server
    sessions (backend pids) that served them."""
    pids = set()

    def checkout(dbapi_connection, connection_record, connection_proxy):
        pids.add(dbapi_connection.info.backend_pid)

    event.listen(engine, "checkout", checkout)
    previous = db._app_engines[app][None]
    db._app_engines[app][None] = engine
    try:
        client = app.test_client()
        response = client.post("/login", data={"username": "btc", "password": "demo"})
        assert response.status_code == 302, response.status_code
        timings = {name: [] for name, _ in PAGES}
        for _ in range(runs):
            for name, path in PAGES:
                started = time.perf_counter()
                response = client.get(path)
                timings[name].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (path, response.status_code)
        return timings, pids
    finally:
        db._app_engines[app][None] = previous
        event.remove(engine, "checkout", checkout)
        engine.dispose()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/ketnap_bench")
    parser.add_argument("--factor", type=int, default=100)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    fresh_database(args.url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "SECRET_KEY": "bench", "TESTING": True, "EXPORT_JOB_ROWS": None,
                      "LOG_KEY": "bench log key", "WTF_CSRF_ENABLED": False, "TODAY": date(2022, 10, 31),
                      "TWO_FACTOR_REQUIRED_ROLES": []})
    with app.app_context():
        from pipeline.demo.loader import load_demo
        started = time.perf_counter()
        load_demo()
        for copy_number in range(1, args.factor):
            copy_cases(copy_number)
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        cases = db.session.scalar(sa.text("SELECT count(*) FROM candidate"))
        db.session.remove()
        db.engine.dispose()
        print(f"{cases} cases, loaded in {time.perf_counter() - started:.0f} s; {args.runs} runs of each page "
              "on one connection\n", flush=True)
        print("| page | prepare_threshold | run 1 (ms) | runs 2–5, median | runs 6–, median | slowest | sessions |")
        print("|---|---|---|---|---|---|---|")
        settings = [
            ("never by count, the marked statements only (the application's)",
             engine_options(args.url, SINGLE_CONNECTION)),
            ("5 (psycopg's default)", dict(SINGLE_CONNECTION, connect_args={"prepare_threshold": 5})),
        ]
        for label, options in settings:
            timings, pids = measure(app, sa.create_engine(args.url, **options), args.runs)
            for name, ms in timings.items():
                print(f"| {name} | {label} | {ms[0]:.0f} | {statistics.median(ms[1:5]):.0f} | "
                      f"{statistics.median(ms[5:]):.0f} | {max(ms):.0f} | {len(pids)} |", flush=True)


if __name__ == "__main__":
    main()
