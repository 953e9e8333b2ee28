"""What the page benchmarks share: an application for a benchmark database, a statement counter,
and a page's time as the median of several requests (benchmarks/pages.py, benchmarks/national.py)."""
import contextlib
import statistics
import time

from sqlalchemy import event

from pipeline.app import create_app
from pipeline.extensions import db


def bench_app(url, today, **extra):
    """The application on `url` with the clock on `today`; accounts sign in with a password only
    (the pages, not the second factor, are measured) and exports answer at once (no job)."""
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                       "EXPORT_JOB_ROWS": None, "LOG_KEY": "bench log key", "WTF_CSRF_ENABLED": False,
                       "TODAY": today, "TWO_FACTOR_REQUIRED_ROLES": [], **extra})


@contextlib.contextmanager
def counting_statements():
    """with counting_statements() as statements: ...; len(statements) is how many were sent, each
    a [statement, parameters, ms] (the time from sending it to the cursor's answer)."""
    statements = []

    def before(conn, cursor, statement, parameters, *args):
        statements.append([statement, parameters, time.perf_counter()])

    def after(conn, cursor, statement, *args):
        if statements and statements[-1][0] is statement:
            statements[-1][2] = (time.perf_counter() - statements[-1][2]) * 1000

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)


def median_ms(work, runs, warm_up=True):
    """(the median time of `runs` calls of work() in ms, the last call's result), after one call
    not timed when `warm_up` (caches, the connection pool)."""
    if warm_up:
        work()
    timings, result = [], None
    for _ in range(max(1, runs)):
        started = time.perf_counter()
        result = work()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), result


def get_page(client, path, runs, warm_up=True):
    """(status, the statements of the last request as counting_statements gives them, median ms,
    body text, median CPU ms of this process) of GET `path`. The CPU time is the application's own
    work (Python, templates, the driver), whatever else the machine runs; the SQL's is the server's."""
    cpu = []

    def request():
        started = time.process_time()
        with counting_statements() as statements:
            response = client.get(path)
            body = response.get_data(as_text=response.mimetype.startswith("text/"))  # an XLSX is bytes
        cpu.append((time.process_time() - started) * 1000)
        return response.status_code, statements, body
    ms, (status, statements, body) = median_ms(request, runs, warm_up)
    return status, statements, ms, body, statistics.median(cpu[1:] if warm_up else cpu)
