"""A job's page, its progress (polled by htmx) and its file. Only the user who asked sees them:
anyone else, an administrator too, gets 404, as for a job that never was or has expired."""
import os
from datetime import datetime

from flask import Blueprint, abort, render_template, send_file
from flask_login import login_required
from sqlalchemy import select

from pipeline.exports.response import MIMETYPES
from pipeline.extensions import db
from pipeline.jobs.files import file_path
from pipeline.jobs.models import DONE, ExportJob
from pipeline.readlog.reads import recorded
from pipeline.units.models import Unit
from pipeline.web.scope import current_actor

bp = Blueprint("jobs", __name__, url_prefix="/exports")
FILE_TYPES = {**MIMETYPES, "pdf": "application/pdf"}


def job_or_404(job_id):
    job = db.session.execute(select(ExportJob).where(
        ExportJob.id == job_id, ExportJob.user_id == current_actor().id,
        ExportJob.expires_at > datetime.utcnow())).scalar_one_or_none()
    if job is None:
        abort(404)
    return job


@bp.get("/<int:job_id>")
@login_required
def show_job(job_id):
    return render_template("jobs/job.html", job=job_or_404(job_id))


@bp.get("/<int:job_id>/progress")
@login_required
def progress(job_id):
    """The part of the page that changes, for htmx to swap in while the job runs."""
    return render_template("jobs/_progress.html", job=job_or_404(job_id))


@bp.get("/<int:job_id>/file")
@login_required
def download(job_id):
    """The file; each download is recorded in the read log as the direct export or PDF would be."""
    job = job_or_404(job_id)
    path = file_path(job.file_key) if job.status == DONE and job.file_key else None
    if path is None or not os.path.isfile(path):
        abort(404)
    response = send_file(path, mimetype=FILE_TYPES[job.fmt], as_attachment=True, download_name=job.file_name,
                         max_age=0, conditional=False, etag=False)
    # Personal data: not kept by browsers or proxies, not sniffed into another type.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if job.read_kind is None:  # a file of figures (a report), no one's particulars
        return response
    unit = db.session.get(Unit, job.unit_id) if job.unit_id is not None else None
    return recorded(response, job.read_kind, unit=unit, detail=job.detail, rows=job.rows_done)
