"""Reading an export's rows from the database a chunk at a time."""
from sqlalchemy import func, select

from pipeline.extensions import db
from pipeline.jobs.run import current_run

DEFAULT_CHUNK = 1000


def stream_rows(statement, chunk=DEFAULT_CHUNK):
    """The rows of `statement`, fetched `chunk` at a time: yield_per makes the ORM build its
    objects per chunk and, on PostgreSQL (psycopg 3), read through a server-side cursor, so a
    million rows never sit in memory. It runs while the response is sent: iterate it only in
    export_response's rows, whose stream_with_context keeps the request and the session open."""
    run = current_run()
    if run is not None:  # a job's page shows how far it is: count the rows first (one statement)
        run.expect(db.session.execute(select(func.count()).select_from(statement.order_by(None).subquery()))
                   .scalar_one())
    result = db.session.execute(statement.execution_options(yield_per=chunk))
    try:
        yield from result
    finally:
        result.close()  # a download cut short must not leave the cursor open


def stream_scalars(statement, chunk=DEFAULT_CHUNK):
    """The first column of each row (the entity of `select(Model)`), as stream_rows reads them."""
    for row in stream_rows(statement, chunk):
        yield row[0]
