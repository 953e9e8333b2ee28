"""`flask --app wsgi backup` and `restore`: a database with real acts (cases at several stages, a
scan, a quota, a calendar entry) is backed up, restored into a second, fresh database, and found
there whole: every table's rows, every case's chain, the scans, and sequences that let the next
act be recorded. On both databases (SQLite's backup API; pg_dump and pg_restore)."""
import hashlib
import os
import shutil
import tarfile
from datetime import date

import pytest
import sqlalchemy as sa

from conftest import PG_ADMIN_URL, PG_DB_NAME
from pipeline.app import create_app
from pipeline.base.signing import create_key_file
from pipeline.cases.models import Case
from pipeline.dossier.models import DossierItem
from pipeline.dossier.operations import DocumentEntry, Upload, record_document, stored_path
from pipeline.extensions import db
from pipeline.quotas.operations import set_quota
from pipeline.workdays.operations import add_calendar_override
from pipeline.workflow.models import LogEntry
from pipeline.workflow.log import verify_chain
from pipeline.workflow.log import load_log
from pipeline.workflow.operations import record_act

pytestmark = pytest.mark.real_database

SCAN = b"%PDF-1.4\n% a scanned application form\n%%EOF\n"
STAGES = ("spotted", "dossier", "ceremony", "official")


@pytest.fixture(autouse=True)
def postgresql_tools(database_url):
    """pg_dump and pg_restore come with the postgresql-client package (.ci/run installs it)."""
    if database_url.startswith("postgresql") and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        if os.environ.get("CI") == "true":
            pytest.fail("pg_dump and pg_restore are required in CI (apt-get install postgresql-client)")
        pytest.skip("NOTICE: pg_dump/pg_restore not installed (postgresql-client): PostgreSQL backups untested")


@pytest.fixture
def loaded(app, world, make_case):
    """Cases at several stages, one with a scanned document, a quota and a calendar entry."""
    cases = [make_case(stage, full_name=f"Nguyễn Văn {chr(ord('A') + i)}") for i, stage in enumerate(STAGES)]
    record_document(cases[1].id, world["sec_a1"],
                    DocumentEntry("1-KNĐ", received=True, received_on=date(2021, 9, 20), note="Bản quét"),
                    upload=Upload(SCAN, "don-xin-vao-dang.pdf", "application/pdf"))
    set_quota(world["board"], world.commune_a, 2022, 6, 8)
    add_calendar_override(world["admin"], date(2022, 1, 8), True, "Làm bù")
    db.session.commit()
    return [case.id for case in cases]


def contents():
    """Every row of every table of the current app's database, in primary-key order."""
    found = {}
    for table in db.metadata.sorted_tables:
        found[table.name] = db.session.execute(
            sa.select(table).order_by(*table.primary_key.columns)).all()
    found["alembic_version"] = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    db.session.rollback()
    return found


@pytest.fixture
def second_url(database_url, tmp_path):
    """A second database to restore into: a new SQLite file, or a new, empty PostgreSQL database."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'restored.sqlite'}"
        return
    name = f"{PG_DB_NAME}_restored"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield database_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def restored_app(second_url, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": second_url, "SECRET_KEY": "test", "LOG_KEY": "test log key",
                      "TESTING": True})
    app.instance_path = str(tmp_path / "restored-instance")
    yield app
    with app.app_context():
        db.engine.dispose()


def invoke(app, *args):
    """Run a command of `app` as the command line does (with `app` as the current application, in
    a context of its own). The test's session ends its transaction first, as a separate process
    would hold none: its locks would make pg_restore wait."""
    db.session.rollback()
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def test_a_backup_restored_elsewhere_has_every_row_every_chain_and_the_scans(
        app, loaded, restored_app, tmp_path):
    before = contents()
    assert all(before[name] for name in ("candidate", "case_event", "dossier_item", "enrolment", "quota",
                                         "quota_change", "calendar_override", "case_deadline", "user_account"))
    path = str(tmp_path / "backups" / "copy.bin")

    made = invoke(app, "backup", path)
    assert made.exit_code == 0, made.output
    assert "1 file(s)" in made.output and os.path.exists(tmp_path / "backups" / "copy.uploads.tar")

    restored = invoke(restored_app, "restore", path)
    assert restored.exit_code == 0, restored.output
    assert "every chain intact" in restored.output

    with restored_app.app_context():
        assert contents() == before
        for case_id in db.session.scalars(sa.select(Case.id)):
            assert verify_chain(load_log(case_id)) is None, case_id
        item = db.session.execute(sa.select(DossierItem).where(DossierItem.file_path.is_not(None))).scalar_one()
        with open(stored_path(item), "rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == hashlib.sha256(SCAN).hexdigest()
        assert stored_path(item).startswith(restored_app.instance_path)
        # The sequences came back too: the next act gets a new id and extends the chain.
        from pipeline.accounts.models import User
        secretary = db.session.execute(sa.select(User).where(User.username == "sec_a1")).scalar_one()
        record_act(loaded[0], "withdraw", secretary, date(2021, 9, 1), {}, reason="Quần chúng xin rút")
        events = load_log(loaded[0])
        assert [e.act for e in events][-1] == "withdraw" and verify_chain(events) is None
        db.session.remove()


def test_restore_refuses_a_database_with_data_without_yes(app, loaded, tmp_path):
    path = str(tmp_path / "copy.bak")
    assert invoke(app, "backup", path).exit_code == 0
    before = contents()

    refused = invoke(app, "restore", path)  # no terminal: no question, a refusal

    assert refused.exit_code != 0
    assert "has data" in refused.output and "--yes" in refused.output
    assert contents() == before


def test_restore_with_yes_replaces_the_data(app, world, loaded, make_case, tmp_path):
    path = str(tmp_path / "copy.bak")
    assert invoke(app, "backup", path).exit_code == 0
    before = contents()
    make_case("decision", full_name="Trần Thị Sau")  # written after the backup: gone once restored

    restored = invoke(app, "restore", path, "--yes")

    assert restored.exit_code == 0, restored.output
    assert contents() == before


def test_restore_refuses_while_another_client_is_connected(app, loaded, database_url, tmp_path):
    """Its locks would make pg_restore wait for as long as it holds them."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's restore copies pages under its own lock: other clients do not block it")
    path = str(tmp_path / "copy.bak")
    assert invoke(app, "backup", path).exit_code == 0
    other = sa.create_engine(database_url)
    try:
        with other.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            refused = invoke(app, "restore", path, "--yes")
    finally:
        other.dispose()

    assert refused.exit_code != 0 and "other connection" in refused.output and "nothing was changed" in refused.output


def test_backup_never_overwrites_and_restore_refuses_a_file_of_the_other_kind(app, loaded, tmp_path):
    path = tmp_path / "copy.bak"
    path.write_bytes(b"not a backup")

    assert "exists already" in invoke(app, "backup", str(path)).output
    refused = invoke(app, "restore", str(path), "--yes")

    assert refused.exit_code != 0 and "not a" in refused.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)) > 0


def test_the_log_key_is_not_in_the_backup_and_a_restore_without_it_says_so(app, loaded, restored_app, tmp_path):
    """The key that seals the logs stays outside the database: a backup of the database (and of
    the scans) does not carry it, so a restore elsewhere cannot verify the chains until the key
    is brought separately."""
    key = create_key_file(app.instance_path)  # as init-db makes it, next to the scans
    path = str(tmp_path / "backups" / "copy.bin")
    assert invoke(app, "backup", path).exit_code == 0
    scans = path.rsplit(".", 1)[0] + ".uploads.tar"
    for made in (path, scans):
        with open(made, "rb") as fh:
            body = fh.read()
        assert key.encode() not in body and b"test log key" not in body
    with tarfile.open(scans) as archive:
        assert all(name.startswith("uploads/") for name in archive.getnames())

    restored_app.config["LOG_KEY"] = None
    restored = invoke(restored_app, "restore", path)
    assert restored.exit_code != 0
    assert "the log key is missing (restore instance/log_key or set KETNAP_LOG_KEY)" in restored.output
    restored_app.config["LOG_KEY"] = "test log key"
    with restored_app.app_context():
        assert restored_app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
        db.session.remove()
