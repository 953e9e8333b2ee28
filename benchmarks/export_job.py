"""A large export as a background job, end to end, on a generated database.

    .venv/bin/python benchmarks/export_job.py --url postgresql+psycopg://postgres@127.0.0.1:5432/ketnap_national100k
        [--user tw] [--format csv|xlsx] [--queue redis://127.0.0.1:6379/0]

The top account asks for the whole candidate list as CSV (or XLSX): above EXPORT_JOB_ROWS the
request only queues a job and answers at once. A real worker (`flask --app wsgi worker`, on the
embedded SQLite queue unless `--queue`) makes the file; meanwhile the candidate list is requested
every second to show the site stays responsive. Prints the request's time, the job's time, the
file's size and rows, and the list page's median and slowest time while the job ran."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--user", default="tw")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--queue", default=None, help="the job queue's URL (default: the embedded SQLite queue)")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    instance = tempfile.mkdtemp(prefix="ketnap-export-job-")
    settings = {"KETNAP_SQLALCHEMY_DATABASE_URI": args.url, "KETNAP_INSTANCE_PATH": instance,
                "KETNAP_LOG_KEY": os.environ.get("KETNAP_LOG_KEY", "gen test key"), "KETNAP_SECRET_KEY": "benchmark",
                "KETNAP_TWO_FACTOR_REQUIRED_ROLES": "[]", "KETNAP_WTF_CSRF_ENABLED": "false"}
    if args.queue:
        settings["KETNAP_JOBS_QUEUE_URL"] = args.queue
    os.environ.update(settings)
    sys.path.insert(0, ROOT)
    from pipeline.app import create_app
    from pipeline.extensions import db
    from pipeline.jobs.models import ExportJob

    app = create_app()
    client = app.test_client()
    assert client.post("/login", data={"username": args.user, "password": "demo"}).status_code == 302
    started = time.perf_counter()
    response = client.get(f"/candidates/?format={args.format}")
    asked = time.perf_counter() - started
    if response.status_code != 303:
        raise SystemExit(f"The export was not queued ({response.status_code}): fewer rows than EXPORT_JOB_ROWS?")
    job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    log = open(os.path.join(instance, "worker.log"), "w")
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--threads", "1"], cwd=ROOT,
                              env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    page_times = []
    try:
        job_started = time.perf_counter()
        while True:
            with app.app_context():
                job = db.session.get(ExportJob, job_id)
                status, done, total = job.status, job.rows_done, job.rows_total
                db.session.remove()
            if status in ("done", "failed"):
                break
            if worker.poll() is not None or time.perf_counter() - job_started > args.timeout:
                raise SystemExit(open(os.path.join(instance, "worker.log")).read()[-3000:])
            page_started = time.perf_counter()
            assert client.get("/candidates/").status_code == 200
            page_times.append((time.perf_counter() - page_started) * 1000)
            time.sleep(1)
        took = time.perf_counter() - job_started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
    download = client.get(f"/exports/{job_id}/file")
    print(f"{args.format.upper()} of {total:,} cases as `{args.user}`: the request queued it in {asked * 1000:.0f} ms; "
          f"the worker made it in {took:.1f} s ({status}, {done:,} rows); the file {len(download.data) / 1e6:.1f} MB")
    if page_times:
        print(f"the candidate list meanwhile ({len(page_times)} requests): median {statistics.median(page_times):.0f} ms, "
              f"slowest {max(page_times):.0f} ms")


if __name__ == "__main__":
    main()
