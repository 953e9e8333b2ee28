"""Writing many rows fast: PostgreSQL's COPY (psycopg's `cursor.copy`, rows as Python values, JSON
as text), elsewhere an executemany of one INSERT. Inside the caller's transaction."""
import json

from pipeline.cases.models import Case
from pipeline.dossier.models import DossierItem
from pipeline.extensions import db
from pipeline.training.models import Enrolment
from pipeline.workflow.models import CaseDeadline, CaseSnapshot, LogEntry

TABLES = {"case": Case.__table__, "log": LogEntry.__table__, "documents": DossierItem.__table__,
          "enrolments": Enrolment.__table__, "deadlines": CaseDeadline.__table__,
          "snapshots": CaseSnapshot.__table__}
JSON_COLUMNS = {"data", "details", "state"}


def write(kind, rows):
    if not rows:
        return
    table = TABLES[kind]
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    quoted = ", ".join(f'"{name}"' for name in columns)
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c in JSON_COLUMNS and row[c] is not None else row[c]
                                for c in columns])


def reset_sequences(tables):
    """After rows written with their ids, PostgreSQL's sequences continue after the largest."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")
