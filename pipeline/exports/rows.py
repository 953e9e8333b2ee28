"""Reading an export's rows from the database a chunk at a time."""
from pipeline.extensions import db

DEFAULT_CHUNK = 1000


def stream_rows(statement, chunk=DEFAULT_CHUNK):
    """The rows of `statement`, fetched `chunk` at a time: yield_per makes the ORM build its
    objects per chunk and, on PostgreSQL (psycopg 3), read through a server-side cursor, so a
    million rows never sit in memory. It runs while the response is sent: iterate it only in
    export_response's rows, whose stream_with_context keeps the request and the session open."""
    result = db.session.execute(statement.execution_options(yield_per=chunk))
    try:
        yield from result
    finally:
        result.close()  # a download cut short must not leave the cursor open


def stream_scalars(statement, chunk=DEFAULT_CHUNK):
    """The first column of each row (the entity of `select(Model)`), as stream_rows reads them."""
    for row in stream_rows(statement, chunk):
        yield row[0]
