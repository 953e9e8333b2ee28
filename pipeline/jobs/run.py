"""The worker's side: make a job's file by replaying the export's own view, as the user who asked.

The view runs in a request context with the job's address and the user logged in, in the language
the job was asked in. Its export (pipeline.exports.export_tables) sees the job (`current_run`),
writes the file here with its progress, and raises `ExportWritten`, which unwinds the view before
it records a read: generating the file is not a read; each download is (pipeline.jobs.views)."""
import logging
import time
from datetime import datetime

from flask import has_request_context, request
from flask_babel import force_locale
from flask_login import login_user
from sqlalchemy import delete, select, update
from werkzeug.exceptions import HTTPException

from pipeline.accounts.models import User
from pipeline.extensions import db
from pipeline.jobs.files import new_file_key, remove_file, write_file
from pipeline.jobs.models import DONE, ERROR_LENGTH, FAILED, RUNNING, WAITING, ExportJob
from pipeline.transaction import one_transaction

log = logging.getLogger(__name__)
RUN_KEY = "ketnap.export_job"
REPORT_EVERY_ROWS = 500  # how often the row count is looked at…
REPORT_EVERY_SECONDS = 1.0  # …and written at most this often (the page looks every second or two)


class ExportWritten(Exception):
    """The job's file is written: raised through the view so that nothing after it runs."""

    def __init__(self, file_name, size):
        super().__init__(file_name)
        self.file_name, self.size = file_name, size


class JobRun:
    """One job being made: counts its rows and writes them to the job's row on a connection of
    its own (the export reads through the session's cursor, which a commit would close)."""

    def __init__(self, job):
        self.job_id, self.fmt = job.id, job.fmt
        self.rows_done, self.rows_total = 0, job.rows_total  # a PDF's sheets are known when it is asked
        self.file_key = None  # the file, once written
        self.reported_at = time.monotonic()

    def expect(self, count):
        """`count` more rows to come (pipeline.exports.rows counts each statement it streams)."""
        self.rows_total = (self.rows_total or 0) + count
        self._report()

    def counted(self, rows):
        for row in rows:
            yield row
            self.rows_done += 1
            if self.rows_done % REPORT_EVERY_ROWS == 0 and time.monotonic() - self.reported_at >= REPORT_EVERY_SECONDS:
                self._report()

    def _report(self):
        self.reported_at = time.monotonic()
        with db.engine.begin() as connection:  # not the session's transaction: see the class
            connection.execute(update(ExportJob).where(ExportJob.id == self.job_id)
                               .values(rows_done=self.rows_done, rows_total=self.rows_total))

    def write_response(self, response, file_name):
        """A view's whole answer (a PDF) as the file; an answer that is not one fails the job."""
        status = response[1] if isinstance(response, tuple) else response.status_code
        if status != 200:
            raise RuntimeError(f"the page answered {status}")
        response.direct_passthrough = False  # send_file's body, read as chunks here
        self.rows_done = self.rows_total or 0
        self.write(response.iter_encoded(), file_name)

    def write(self, chunks, file_name):
        key = new_file_key(self.job_id, self.fmt)
        size = write_file(key, chunks)
        self.file_key = key
        raise ExportWritten(file_name, size)


def current_run():
    """The job whose file this request is making, or None in a user's own request."""
    return request.environ.get(RUN_KEY) if has_request_context() else None


def _claim(job_id):
    """Waiting → running, by one worker only (a job given twice to the queue is made once)."""
    with one_transaction() as session:
        return session.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == WAITING)
                               .values(status=RUNNING)).rowcount == 1


def run_job(app, job_id):
    with app.app_context():
        try:
            if not _claim(job_id):
                return
            job = db.session.get(ExportJob, job_id)
            run = JobRun(job)
            try:
                _replay(app, job, run)
            except ExportWritten as written:
                _finish(run, job, DONE, file_name=written.file_name, size=written.size, file_key=run.file_key,
                        rows_total=run.rows_done)
            except HTTPException as refused:  # the list is no longer there for this user (404, 403)
                _finish(run, job, FAILED, error=f"the export's page answered {refused.code}")
            except Exception as error:
                log.exception("export job %s failed", job_id)
                _finish(run, job, FAILED, error=f"{type(error).__name__}: {error}"[:ERROR_LENGTH])
            else:
                _finish(run, job, FAILED, error="the export's page answered without a file")
        finally:
            db.session.remove()


def _replay(app, job, run):
    user = db.session.get(User, job.user_id)
    with app.test_request_context(job.path, query_string=[tuple(pair) for pair in job.args]), force_locale(job.lang):
        request.environ[RUN_KEY] = run
        if request.routing_exception is not None:
            raise request.routing_exception
        if user is None or not login_user(user):  # an account closed since it asked
            raise PermissionError("the account is no longer active")
        app.view_functions[request.url_rule.endpoint](**request.view_args)


def _finish(run, job, status, **values):
    db.session.rollback()  # the view's own reads, and its cursor
    now = datetime.utcnow()
    if status == DONE:  # kept for its hours from when it is ready, not from when it was asked
        values["expires_at"] = now + (job.expires_at - job.created_at)
    values = {"rows_done": run.rows_done, "rows_total": run.rows_total, **values}
    with one_transaction() as session:
        session.execute(update(ExportJob).where(ExportJob.id == job.id)
                        .values(status=status, finished_at=now, **values))


def remove_expired(now=None):
    """Remove the jobs past their time and their files. Returns how many."""
    now = now or datetime.utcnow()
    expired = db.session.execute(select(ExportJob.id, ExportJob.file_key).where(ExportJob.expires_at <= now)).all()
    for job_id, key in expired:
        remove_file(key)
        with one_transaction() as session:
            session.execute(delete(ExportJob).where(ExportJob.id == job_id))
    return len(expired)
