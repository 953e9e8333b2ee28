"""The page importing cases in flight, for committees and administrators: /candidates/import (upload,
then a preview that replays every row through the workflow and names, per row, the first act that
cannot be recorded and why, or the stage the case reaches), a confirmation that replays the very
file again and writes all rows or none, and the template (the full export's columns, no rows).
The file between the preview and the confirmation is kept as the unit import keeps its own
(pipeline.bulk.uploads)."""
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import login_required

from pipeline.bulk import uploads
from pipeline.bulk.views import ConfirmForm, UploadForm
from pipeline.cases.export import CASE_COLUMNS
from pipeline.exports import export_response
from pipeline.imports import history
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.imports.cli import _line
from pipeline.imports.rows import Problem
from pipeline.imports.sheet import SheetError
from pipeline.web.scope import current_actor
from pipeline.workflow.log import KEY_MISSING, KEY_WRONG, key_state
from pipeline.workflow.stages import STAGE_NAMES, stage_label

bp = Blueprint("case_import", __name__, url_prefix="/candidates/import")
KEY_REFUSED = _l("The log key is missing or is not the one this database's log was written with. Nothing was "
                 "written.")


@bp.before_request
@login_required
def committees_and_administrators():
    if not history.may_import(current_actor()):
        abort(403)


@dataclass
class Replayed:
    """A kept file replayed: the outcome (None when the file stopped before any act), the problems
    (pipeline.imports.rows.Problem: the row, the column, why) and the notices."""
    outcome: object
    problems: list
    notices: list = field(default_factory=list)


def stage_counts(outcome):
    """(stage, number of rows reaching it), in the road's order."""
    if outcome is None:
        return []
    return sorted(outcome.stages.items(), key=lambda item: STAGE_NAMES.index(item[0]))


def replay_upload(actor, path, write):
    """The kept file at `path` judged, then replayed for `actor` (written when `write` and every
    row goes through): what the page and the API show."""
    try:
        rows, problems, ignored = history.judge(actor, path)
    except SheetError as refusal:
        return Replayed(None, [Problem(None, None, str(refusal.args[0]))])
    notices = [_("Column “%(column)s” is not read by the import.", column=h) for h in ignored]
    if problems or not rows:
        return Replayed(None, problems, notices)
    outcome = history.replay_rows(actor, rows, history.file_sha256(path), write)
    return Replayed(outcome, outcome.problems, notices)


def preview_upload(actor, upload):
    """The upload kept for `actor` and replayed without writing: (token to confirm with,
    Replayed); the token is None, and the copy removed, when a problem was found. Raises
    uploads.UploadRefused."""
    token, path = uploads.keep_upload(actor.id, history.KIND, upload)
    if path is None:
        return None, Replayed(None, [Problem(None, None, uploads.GONE)])
    replayed = replay_upload(actor, path, write=False)
    if replayed.problems:
        uploads.discard(actor.id, history.KIND, token)
        return None, replayed
    return token, replayed


def confirm_upload(actor, token):
    """The kept file of `actor` replayed again and written, all rows or none: (status, Replayed).
    422 when the file is not here (unknown, another user's, confirmed already, older than an
    hour) or a row is refused now; 503 without the log's key (rows sealed without it could never
    be verified); 201 when written."""
    path = uploads.kept_path(actor.id, history.KIND, token)
    if path is None:
        return 422, Replayed(None, [Problem(None, None, uploads.GONE)])
    if key_state() in (KEY_MISSING, KEY_WRONG):
        return 503, Replayed(None, [Problem(None, None, KEY_REFUSED)])
    replayed = replay_upload(actor, path, write=True)
    uploads.discard(actor.id, history.KIND, token)
    if replayed.problems or replayed.outcome is None or not replayed.outcome.written:
        return 422, replayed
    return 201, replayed


def _page(code=200, replayed=None, **context):
    context.setdefault("form", UploadForm(formdata=None))
    if replayed is not None:
        context |= {"outcome": replayed.outcome, "problems": [_line(p) for p in replayed.problems],
                    "notices": replayed.notices}
    stages = [(stage_label(name), count) for name, count in stage_counts(context.get("outcome"))]
    return render_template("imports/cases.html", max_mb=uploads.MAX_BYTES // 2**20, stages=stages,
                           **context), code


@bp.route("", methods=["GET", "POST"])
def import_cases():
    if request.method == "GET":
        return _page()
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(422, form=form)
    upload = form.file.data
    try:
        token, replayed = preview_upload(current_actor(), upload)
    except uploads.UploadRefused as refused:
        form.file.errors.append(refused.args[0])
        return _page(422, form=form)
    if token is None:
        return _page(422, replayed, form=form, filename=upload.filename)
    return _page(replayed=replayed, filename=upload.filename, confirm=ConfirmForm(formdata=None, data={"token": token}))


@bp.post("/confirm")
def confirm_cases():
    form = ConfirmForm()
    status, replayed = confirm_upload(current_actor(), form.token.data if form.validate_on_submit() else None)
    if status != 201:
        return _page(status, replayed)
    flash(ngettext("Imported %(num)d case.", "Imported %(num)d cases.", len(replayed.outcome.rows)), "success")
    return redirect(url_for("cases.list_cases"))


@bp.get("/template")
def template():
    """The columns of the full export, without rows: the file to fill in."""
    return export_response(request.args.get("format", "xlsx"), _("Cases to import"), tuple(CASE_COLUMNS), iter(()))
