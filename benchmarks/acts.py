"""What one act and one case page cost, through HTTP as a user's browser asks for them, on the
Điện Bàn demo: the secretary of Hà Tây 2 records a dossier document (one act: lock, replay, guards,
log entry, projection, commit) and opens the case page (the log replayed, the checklist, the
stored deadlines).

    .venv/bin/python benchmarks/acts.py --url sqlite:////tmp/bench-acts.sqlite --n 200
    .venv/bin/python benchmarks/acts.py --url postgresql://postgres@127.0.0.1:5432/ketnap_bench --n 200

The database is emptied and the demo loaded first."""
import argparse
import statistics
import time
from datetime import date

import sqlalchemy as sa

try:
    from pipeline.app import create_app
except ImportError:  # a tree from before pipeline/app.py, to compare with
    from pipeline import create_app
from pipeline.config import database_url_from_env
from pipeline.extensions import db


def timed(calls):
    seconds = []
    for call in calls:
        started = time.perf_counter()
        response = call()
        seconds.append(time.perf_counter() - started)
        assert response.status_code in (200, 302), response.status_code
    return statistics.median(seconds) * 1000, sum(seconds)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=100)
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url_from_env(args.url), "SECRET_KEY": "bench",
                      "LOG_KEY": "bench log key", "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "TODAY": date(2022, 10, 31)})
    with app.app_context():
        from pipeline.demo.loader import load_demo
        started = time.perf_counter()
        load_demo(reset=True)
        print(f"demo loaded in {time.perf_counter() - started:.1f} s")
        case_id = db.session.execute(sa.text(
            "SELECT c.id FROM candidate c JOIN unit u ON u.id = c.branch_id "
            "WHERE u.code = 'hatay2' AND c.stage = 'dossier' ORDER BY c.id LIMIT 1")).scalar_one()
        db.session.remove()
    client = app.test_client()
    client.post("/login", data={"username": "hatay2", "password": "demo"})

    def version():
        with app.app_context():
            return db.session.execute(sa.text("SELECT version FROM candidate WHERE id = :id"),
                                      {"id": case_id}).scalar_one()

    def record(n):
        def post():
            return client.post(f"/candidates/{case_id}/dossier/5-KNĐ", data={
                "received": "y" if n % 2 == 0 else "", "received_on": "2022-10-20", "note": f"lần {n}",
                "version": str(version())})
        return post

    page_ms, _ = timed([lambda: client.get(f"/candidates/{case_id}")] * args.n)
    act_ms, total = timed([record(n) for n in range(args.n)])
    page_after_ms, _ = timed([lambda: client.get(f"/candidates/{case_id}")] * args.n)
    print(f"case page: {page_ms:.1f} ms (median of {args.n}); after {args.n} more acts on the case: "
          f"{page_after_ms:.1f} ms")
    print(f"one act (a dossier document, on the dossier page): {act_ms:.1f} ms (median of {args.n}, "
          f"the version read included), {args.n} in {total:.1f} s")


if __name__ == "__main__":
    main()
