"""Benchmark: peak Python memory of the candidate-list exports (they must stream).

    .venv/bin/python benchmarks/export_memory.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/ketnap_bench]

Run after benchmarks/pages.py, which leaves the grown demo in that database. Compares a small
export (a name search) with the whole list: with streaming the peak barely moves."""
import argparse
import time
import tracemalloc
from datetime import date

from pipeline.app import create_app

PATHS = ["/candidates/?format=csv&q=nguyen%20van", "/candidates/?format=csv",
         "/candidates/?format=xlsx&q=nguyen%20van", "/candidates/?format=xlsx"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/ketnap_bench")
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "SECRET_KEY": "bench", "TESTING": True, "EXPORT_JOB_ROWS": None,
                      "LOG_KEY": "bench log key", "WTF_CSRF_ENABLED": False, "TODAY": date(2022, 10, 31),
                      # The board signs in with a password here, as in benchmarks/pages.py.
                      "TWO_FACTOR_REQUIRED_ROLES": []})
    client = app.test_client()
    client.post("/login", data={"username": "btc", "password": "demo"})
    for path in PATHS:
        tracemalloc.start()
        started = time.perf_counter()
        response = client.get(path, buffered=False)
        size = sum(len(chunk) for chunk in response.response)
        response.close()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{path}: {response.status_code}, {size} bytes, peak Python memory {peak / 1e6:.1f} MB, "
              f"{time.perf_counter() - started:.1f} s (slowed by tracemalloc)")


if __name__ == "__main__":
    main()
