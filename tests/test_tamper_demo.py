"""scripts/tamper_demo.py on a copy of the demo, on both databases: a middle log row edited with
every later hash recomputed without the key (plain SHA-256, a guessed key), the candidate's name,
date of birth, education, stage and branch, a dossier item's `received`, an enrolment and an
account's role edited in their tables: `audit verify` names every one, and the source database
is left as it was."""
import os
import sys

import pytest
import sqlalchemy as sa

from databases import PG_ADMIN_URL
from pipeline.extensions import db

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
from tamper_demo import copy_database, run_verify, tamper, unnamed  # noqa: E402  (scripts/ is put on the path first)

pytestmark = pytest.mark.real_database

KINDS = ("plain SHA-256", "a guessed key", "full_name", "date_of_birth", "education", "stage", "branch_id",
         "dossier_item", "enrolment", "role")


def test_every_tampering_of_the_demo_is_named(app, demo, database_url, tmp_path, runner):
    db.session.remove()
    db.engine.dispose()  # a PostgreSQL template may have no other connection
    postgres = database_url.startswith("postgresql")
    source = database_url if postgres else sa.engine.make_url(database_url).database
    copy = copy_database(source, None if postgres else str(tmp_path / "tampered.sqlite"))
    try:
        engine = sa.create_engine(copy)
        try:
            done = tamper(engine)
        finally:
            engine.dispose()
        code, output = run_verify(copy, app.config["LOG_KEY"])
        assert len(done) == len(KINDS)
        assert all(kind in tampering.what for kind, tampering in zip(KINDS, done)), [t.what for t in done]
        assert unnamed(done, output) == [], output
        assert code == 1 and "Broken: 3" in output  # two rewritten chains, and the stage the log does not reach
        assert "Differences between the accounts and their histories: 1" in output
    finally:
        if postgres:
            admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(copy).database}" WITH (FORCE)'))
            admin.dispose()
    clean = runner.invoke(args=["audit", "verify"])  # the demo itself was not touched
    assert clean.exit_code == 0, clean.output
