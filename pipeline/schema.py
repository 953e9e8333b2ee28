"""The schema as a whole: emptying a database for the demo and the generator."""
from flask_migrate import upgrade
from sqlalchemy import MetaData

from pipeline.extensions import db


def empty_database():
    """Drop every table (the logs refuse DELETE) and the logs' trigger functions, then build the
    schema again. Not the migrations down to base: the downgrade of the 2025 unit kinds refuses a
    tree of provinces."""
    db.session.close()
    with db.engine.begin() as connection:
        tables = MetaData()
        tables.reflect(connection)
        tables.drop_all(connection)
        if connection.dialect.name == "postgresql":
            functions = connection.exec_driver_sql(
                "SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = current_schema() AND proname LIKE '%%append_only'").scalars().all()
            for name in functions:
                connection.exec_driver_sql(f'DROP FUNCTION "{name}"() CASCADE')
    upgrade()
