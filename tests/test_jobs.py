"""Large exports as jobs (pipeline.jobs): above EXPORT_JOB_ROWS rows the export's address answers
with the job's page, a worker makes the file, the page shows its progress and then a link.

Through the real queue, no mocks: the worker is `flask --app wsgi worker`, started as a process of
its own on the test's database and instance folder, on the embedded backend (huey's SQLite file)
and on a Redis server started here on a free port (as tests/test_production.py starts its own).
Without redis-server the Redis half is skipped with a notice, except under CI=true, where it fails
(.ci/run installs redis-server)."""
import contextlib
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from pages_support import pages, text  # noqa: F401  (a fixture)
from pipeline.extensions import db
from pipeline.jobs import run as run_module
from pipeline.jobs.files import file_path
from pipeline.jobs.models import ExportJob
from pipeline.readlog.models import BRANCH_PDF, EXPORT_CSV, ReadLog
from test_production import ROOT, redis_server, require, stop

pytestmark = pytest.mark.real_database
TIMEOUT = 60  # seconds for the worker to make a three-row file, start included


@pytest.fixture(params=["embedded", "redis"])
def queue_url(request):
    """JOBS_QUEUE_URL: None for the embedded SQLite queue, or a Redis server of the test's own."""
    if request.param == "embedded":
        yield None
        return
    import shutil
    require(shutil.which("redis-server"), "redis-server (apt-get install redis-server)")
    with redis_server() as url:
        yield url


@contextlib.contextmanager
def worker(app, database_url, queue_url):
    """`flask --app wsgi worker` on the test's database, instance folder and queue."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("KETNAP_") and key not in ("SECRET_KEY", "DATABASE_URL")}
    env.update(KETNAP_SQLALCHEMY_DATABASE_URI=database_url, KETNAP_INSTANCE_PATH=app.instance_path,
               KETNAP_SECRET_KEY="test", KETNAP_LOG_KEY=app.config["LOG_KEY"], PYTHONUNBUFFERED="1")
    if queue_url:
        env["KETNAP_JOBS_QUEUE_URL"] = queue_url
    os.makedirs(app.instance_path, exist_ok=True)
    log = open(os.path.join(app.instance_path, "worker.log"), "w")
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--threads", "1"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        stop(process)
        log.close()


def export_reads(user):
    return db.session.execute(select(func.count()).select_from(ReadLog).where(
        ReadLog.user_id == user.id, ReadLog.kind == EXPORT_CSV)).scalar_one()


def job_id_of(response):
    assert response.status_code == 303, response.status_code
    match = re.fullmatch(r"(?:http://localhost)?/exports/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_a_large_export_is_made_by_the_worker_and_downloaded_by_its_owner_only(
        app, pages, world, make_case, database_url, queue_url):
    for name in ("Phùng Tấn Thắng", "Lê Thị Hoa", "Trần Văn Bảo"):
        make_case(full_name=name)
    app.config.update(JOBS_QUEUE_URL=queue_url, EXPORT_JOB_ROWS=None)
    pages.login("sec_a1")
    direct = pages.get("/candidates/?format=csv&q=")
    assert direct.status_code == 200 and direct.data.count(b"\r\n") == 4  # the header and three cases
    reads_before = export_reads(world["sec_a1"])

    app.config["EXPORT_JOB_ROWS"] = 2  # three rows are "large" here
    job_id = job_id_of(pages.get("/candidates/?format=csv&q=&download_token=abc"))
    page = pages.get(f"/exports/{job_id}")
    assert page.status_code == 200
    assert "Your export is being prepared: waiting for its turn." in text(page)
    assert f'hx-get="/exports/{job_id}/progress"' in page.get_data(as_text=True)  # the page keeps looking
    # The request only queued it: the site answers at once while the job waits for the worker.
    assert pages.get("/candidates/").status_code == 200
    assert pages.get(f"/exports/{job_id}/file").status_code == 404  # nothing to download yet

    with worker(app, database_url, queue_url) as process:
        deadline = time.monotonic() + TIMEOUT
        while "Your export is ready" not in text(progress := pages.get(f"/exports/{job_id}/progress")):
            assert process.poll() is None, open(os.path.join(app.instance_path, "worker.log")).read()[-3000:]
            assert time.monotonic() < deadline, open(os.path.join(app.instance_path, "worker.log")).read()[-3000:]
            time.sleep(0.3)
    assert "Your export is ready: 3 rows." in text(progress)
    assert "hx-get" not in progress.get_data(as_text=True)  # finished: the page stops asking
    job = db.session.get(ExportJob, job_id)
    assert (job.status, job.rows_done, job.rows_total) == ("done", 3, 3)
    assert export_reads(world["sec_a1"]) == reads_before  # making the file is not a read

    download = pages.get(f"/exports/{job_id}/file")
    assert download.status_code == 200
    assert download.data == direct.data  # the file the direct export gives
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"
    read = db.session.execute(select(ReadLog).where(ReadLog.user_id == world["sec_a1"].id)
                              .order_by(ReadLog.seq.desc()).limit(1)).scalar_one()
    assert (read.kind, read.row_count, read.unit_id, read.detail) == (EXPORT_CSV, 3, world.branch_a1.id, "q=")
    assert export_reads(world["sec_a1"]) == reads_before + 1

    for other in ("sec_a2", "com_a", "board", "admin"):  # another secretary, the committee above, the board, an administrator
        pages.login(other)
        for address in (f"/exports/{job_id}", f"/exports/{job_id}/progress", f"/exports/{job_id}/file"):
            assert pages.get(address).status_code == 404, (other, address)


def test_an_expired_job_and_its_file_are_removed(app, pages, world, make_case, runner):
    """Immediate mode (development): the request makes the file itself, and the job's page has the link."""
    for name in ("Phùng Tấn Thắng", "Lê Thị Hoa", "Trần Văn Bảo"):
        make_case(full_name=name)
    app.config.update(JOBS_IMMEDIATE=True, EXPORT_JOB_ROWS=2)
    pages.login("sec_a1")
    job_id = job_id_of(pages.get("/candidates/?format=xlsx"))
    assert "Your export is ready: 3 rows." in text(pages.get(f"/exports/{job_id}"))
    path = file_path(db.session.get(ExportJob, job_id).file_key)
    assert os.path.isfile(path)
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert pages.get(f"/exports/{job_id}/file").data[:2] == b"PK"  # an XLSX file

    result = runner.invoke(args=["remove-expired-exports"])
    assert result.exit_code == 0 and "0 expired" in result.output and os.path.isfile(path)
    with db.engine.begin() as connection:
        connection.execute(update(ExportJob).where(ExportJob.id == job_id)
                           .values(expires_at=datetime.utcnow() - timedelta(minutes=1)))
    assert pages.get(f"/exports/{job_id}").status_code == 404  # past its time: gone for the user at once
    result = runner.invoke(args=["remove-expired-exports"])
    assert result.exit_code == 0 and "1 expired" in result.output
    assert not os.path.exists(path)
    assert db.session.get(ExportJob, job_id) is None


def test_a_small_export_stays_in_its_request(app, pages, world, make_case):
    make_case()
    app.config.update(JOBS_IMMEDIATE=True, EXPORT_JOB_ROWS=2)
    pages.login("sec_a1")
    response = pages.get("/candidates/?format=csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert db.session.execute(select(func.count()).select_from(ExportJob)).scalar_one() == 0


def test_a_large_candidate_list_is_queued_without_its_rows_made_in_the_request(app, pages, world, make_case,
                                                                              count_statements):
    """The list counts its cases instead of making its first EXPORT_JOB_ROWS rows to find out:
    at national scale the request would read twenty thousand histories before answering."""
    for name in ("Phùng Tấn Thắng", "Lê Thị Hoa", "Trần Văn Bảo"):
        make_case(full_name=name)
    app.config.update(EXPORT_JOB_ROWS=2)  # the embedded queue, no worker: the job waits
    pages.login("sec_a1")
    with count_statements() as counter:
        job_id_of(pages.get("/candidates/?format=xlsx"))
    assert not [sql for sql in counter.statements if "case_event" in sql]  # no log read, no row made
    app.config.update(EXPORT_JOB_ROWS=3)
    response = pages.get("/candidates/?format=csv")
    assert response.status_code == 200 and response.data.count(b"\r\n") == 4  # the header and three cases


def test_the_page_shows_how_far_a_running_job_is(app, pages, world, make_case):
    for name in ("Phùng Tấn Thắng", "Lê Thị Hoa", "Trần Văn Bảo"):
        make_case(full_name=name)
    app.config.update(EXPORT_JOB_ROWS=2)  # the embedded queue, no worker: the job waits
    pages.login("sec_a1")
    job_id = job_id_of(pages.get("/candidates/?format=csv"))
    with db.engine.begin() as connection:  # where a worker is after its first row
        connection.execute(update(ExportJob).where(ExportJob.id == job_id)
                           .values(status="running", rows_done=1, rows_total=3))
    progress = pages.get(f"/exports/{job_id}/progress")
    assert "Your export is being prepared: 1 of 3 rows written." in text(progress)
    body = progress.get_data(as_text=True)
    assert 'value="33"' in body and f'hx-get="/exports/{job_id}/progress"' in body
    assert pages.get(f"/exports/{job_id}/file").status_code == 404


def test_a_large_branch_pdf_is_a_job_too(app, pages, world, make_case, needs_pdf):
    """Immediate mode (development): the request makes the file itself, and the job's page has the link."""
    make_case(full_name="Phùng Tấn Thắng")
    make_case(full_name="Lê Thị Hoa")
    app.config.update(JOBS_IMMEDIATE=True, EXPORT_JOB_PDF_SHEETS=1)
    pages.login("sec_a1")
    job_id = job_id_of(pages.get(f"/branches/{world.branch_a1.id}/checklists.pdf"))
    page = pages.get(f"/exports/{job_id}")
    assert "Dossier checklists: Chi bộ thôn A1" in text(page)
    assert "Your PDF is ready: 2 sheets." in text(page), db.session.get(ExportJob, job_id).error
    pdf_reads = select(ReadLog).where(ReadLog.user_id == world["sec_a1"].id, ReadLog.kind == BRANCH_PDF)
    assert db.session.execute(pdf_reads).all() == []  # making it is not a read
    download = pages.get(f"/exports/{job_id}/file")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.headers["Content-Type"] == "application/pdf"
    (read,) = db.session.execute(pdf_reads).scalars()
    assert (read.unit_id, read.row_count) == (world.branch_a1.id, 2)
    pages.login("com_a")  # the committee above sees the branch, not the secretary's job
    assert pages.get(f"/exports/{job_id}/file").status_code == 404


def test_a_large_year_report_pdf_is_a_job_and_no_read(app, pages, world, make_case, needs_pdf):
    make_case()
    app.config.update(JOBS_IMMEDIATE=True, EXPORT_JOB_REPORT_UNITS=3)  # the town's tree has seven units
    pages.login("board")
    reads = select(func.count()).select_from(ReadLog).where(ReadLog.user_id == world["board"].id)
    before = db.session.execute(reads).scalar_one()
    job_id = job_id_of(pages.get("/reports/year.pdf?year=2021"))
    page = pages.get(f"/exports/{job_id}")
    assert "Admissions 2021 Đảng bộ thị xã Thử" in text(page)
    assert "Your PDF is ready." in text(page), db.session.get(ExportJob, job_id).error
    download = pages.get(f"/exports/{job_id}/file")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert db.session.execute(reads).scalar_one() == before  # figures, no one's particulars
    pages.login("com_a")  # a smaller subtree: made in the request, as before
    response = pages.get("/reports/year.pdf?year=2021")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_the_worker_writes_its_progress_as_rows_go(app, pages, world, make_case, monkeypatch):
    """What the page polls: the count of rows written, stored while the export runs (here without
    the wait between two reports, so that every 500th row is one)."""
    for name in ("Phùng Tấn Thắng", "Lê Thị Hoa", "Trần Văn Bảo"):
        make_case(full_name=name)
    app.config.update(EXPORT_JOB_ROWS=2)
    pages.login("sec_a1")
    job_id = job_id_of(pages.get("/candidates/?format=csv"))
    monkeypatch.setattr(run_module, "REPORT_EVERY_SECONDS", 0)
    with db.engine.begin() as connection:  # taken by a worker
        connection.execute(update(ExportJob).where(ExportJob.id == job_id).values(status="running"))
    run = run_module.JobRun(db.session.get(ExportJob, job_id))
    run.expect(1200)
    rows = run.counted(iter(range(1200)))
    seen = []
    for row in rows:
        if row in (499, 500, 1000):
            db.session.expire_all()
            seen.append(db.session.get(ExportJob, job_id).rows_done)
    assert seen == [0, 500, 1000]  # what the page shows: 500 of 1,200, then 1,000 of 1,200
    assert "1,000 of 1,200 rows written" in text(pages.get(f"/exports/{job_id}/progress"))
