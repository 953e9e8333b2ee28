"""The request's side: an export or a PDF above its threshold becomes a job, and its page answers instead."""
from datetime import datetime, timedelta
from itertools import chain, islice

from flask import current_app, redirect, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from pipeline.base.ids import storable
from pipeline.extensions import db
from pipeline.jobs.models import DETAIL_LENGTH, PATH_LENGTH, TITLE_LENGTH, ExportJob
from pipeline.jobs.queue import enqueue
from pipeline.jobs.run import current_run
from pipeline.readlog.reads import EXPORT_KINDS, NOT_FILTERS, export_filters
from pipeline.transaction import one_transaction
from pipeline.units.models import Unit, subtree_filter

ARGS_MAX = 50  # an export's address carries a few filters; the request's own bounds apply too


def large_export_as_job(fmt, title, tables):
    """None when the tables hold at most EXPORT_JOB_ROWS rows together: their rows are put back
    as they were (the first ones already read; none when the rows can count themselves, `row_count`)
    and the export goes on in the request. Otherwise
    the rows read are dropped, the job is recorded and queued, and its page is the answer."""
    limit = current_app.config.get("EXPORT_JOB_ROWS")
    if limit is None or not current_user.is_authenticated:
        return None
    seen, rests = 0, []
    for table in tables:
        row_count = getattr(table.rows, "row_count", None)
        if row_count is not None:  # rows that say how many they are (the candidate list's): none read
            seen += row_count()
            if seen > limit:
                break
            continue
        rest = iter(table.rows)
        head = list(islice(rest, limit + 1 - seen))
        seen += len(head)
        table.rows = chain(head, rest)
        rests.append(rest)
        if seen > limit:
            break
    if seen <= limit:
        return None
    for rest in rests:  # a streamed statement's cursor is closed now, not when collected
        getattr(rest, "close", lambda: None)()
    user = current_user._get_current_object()
    return _queued(create_export_job(user, fmt, title, EXPORT_KINDS[fmt], _read_unit(user)))


def large_pdf_as_job(size, limit_setting, title, read_kind=None, unit=None, sheets=None):
    """None when a PDF of `size` (cases, units: what makes it long) is at most the setting
    `limit_setting`, or in the worker making it: it is made in its request. Otherwise it is
    recorded and queued, and its page is the answer; `sheets`, when known, is shown while it is made."""
    limit = current_app.config.get(limit_setting)
    if limit is None or size <= limit or current_run() is not None or not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    return _queued(create_export_job(user, "pdf", title, read_kind, unit or user.unit, rows_total=sheets))


def _queued(job):
    enqueue(job.id)
    return redirect(url_for("jobs.show_job", job_id=job.id), code=303)


def create_export_job(user, fmt, title, read_kind, unit, rows_total=None):
    now = datetime.utcnow()
    args = [[name, value] for name, value in request.args.items(multi=True) if name not in NOT_FILTERS or
            name == "format"][:ARGS_MAX]
    with one_transaction():
        job = ExportJob(user_id=user.id, path=request.path[:PATH_LENGTH], args=args, fmt=fmt,
                        lang=str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]),
                        title=str(title)[:TITLE_LENGTH], unit_id=unit.id, read_kind=read_kind,
                        rows_total=rows_total, detail=export_filters()[:DETAIL_LENGTH], created_at=now,
                        expires_at=now + timedelta(hours=current_app.config["EXPORT_JOB_HOURS"]))
        db.session.add(job)
    return job


def _read_unit(user):
    """The unit the read log names for this export, as pipeline.readlog.reads.record_export
    chooses it: the list's `unit` filter when it is in the user's subtree, else the user's unit."""
    unit_id = request.args.get("unit", type=int)
    if unit_id is not None and unit_id != user.unit_id and storable(unit_id):
        found = db.session.execute(select(Unit).where(Unit.id == unit_id, subtree_filter(user.unit))).scalar_one_or_none()
        if found is not None:
            return found
    return user.unit
