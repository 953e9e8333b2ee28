"""The page importing cases in flight, for committees and administrators: /candidates/import (upload,
then a preview that replays every row through the workflow and names, per row, the first act that
cannot be recorded and why, or the stage the case reaches), a confirmation that replays the very
file again and writes all rows or none, and the template (the full export's columns, no rows).
The file between the preview and the confirmation is kept as the unit import keeps its own
(pipeline.bulk.uploads)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import login_required

from pipeline.bulk import uploads
from pipeline.bulk.views import ConfirmForm, UploadForm
from pipeline.cases.export import CASE_COLUMNS
from pipeline.exports import export_response
from pipeline.imports import history
from pipeline.imports.cli import _line
from pipeline.imports.sheet import SheetError
from pipeline.web.scope import current_actor
from pipeline.workflow.log import KEY_MISSING, KEY_WRONG, key_state
from pipeline.workflow.stages import STAGE_NAMES, stage_label

bp = Blueprint("case_import", __name__, url_prefix="/candidates/import")


@bp.before_request
@login_required
def committees_and_administrators():
    if not history.may_import(current_actor()):
        abort(403)


def _page(code=200, **context):
    context.setdefault("form", UploadForm(formdata=None))
    outcome = context.get("outcome")
    stages = []
    if outcome is not None:
        stages = [(stage_label(name), count) for name, count in
                  sorted(outcome.stages.items(), key=lambda item: STAGE_NAMES.index(item[0]))]
    return render_template("imports/cases.html", max_mb=uploads.MAX_BYTES // 2**20, stages=stages,
                           **context), code


def _replay(path, write):
    """(outcome or None, problems as lines, notices)."""
    actor = current_actor()
    try:
        rows, problems, ignored = history.judge(actor, path)
    except SheetError as refusal:
        return None, [str(refusal.args[0])], []
    notices = [_("Column “%(column)s” is not read by the import.", column=h) for h in ignored]
    if problems or not rows:
        return None, [_line(p) for p in problems], notices
    outcome = history.replay_rows(actor, rows, history.file_sha256(path), write)
    return outcome, [_line(p) for p in outcome.problems], notices


@bp.route("", methods=["GET", "POST"])
def import_cases():
    if request.method == "GET":
        return _page()
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(422, form=form)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors.append(_("Choose the file to import."))
        return _page(422, form=form)
    actor = current_actor()
    try:
        token = uploads.keep(actor.id, history.KIND, upload.filename, upload.read(uploads.MAX_BYTES + 1))
    except uploads.UploadRefused as refused:
        form.file.errors.append(refused.args[0])
        return _page(422, form=form)
    path = uploads.kept_path(actor.id, history.KIND, token)
    if path is None:
        return _page(422, form=form, problems=[_("The uploaded file is no longer here: upload it again.")])
    outcome, problems, notices = _replay(path, write=False)
    if problems:
        uploads.discard(actor.id, history.KIND, token)
        return _page(422, form=form, outcome=outcome, problems=problems, notices=notices, filename=upload.filename)
    return _page(outcome=outcome, notices=notices, filename=upload.filename,
                 confirm=ConfirmForm(formdata=None, data={"token": token}))


@bp.post("/confirm")
def confirm_cases():
    form, actor = ConfirmForm(), current_actor()
    path = uploads.kept_path(actor.id, history.KIND, form.token.data) if form.validate_on_submit() else None
    if path is None:
        return _page(422, problems=[_("The uploaded file is no longer here: upload it again.")])
    if key_state() in (KEY_MISSING, KEY_WRONG):
        return _page(503, problems=[_("The log key is missing or is not the one this database's log was "
                                      "written with. Nothing was written.")])
    outcome, problems, notices = _replay(path, write=True)
    uploads.discard(actor.id, history.KIND, form.token.data)
    if problems or outcome is None or not outcome.written:
        return _page(422, outcome=outcome, problems=problems, notices=notices)
    flash(ngettext("Imported %(num)d case.", "Imported %(num)d cases.", len(outcome.rows)), "success")
    return redirect(url_for("cases.list_cases"))


@bp.get("/template")
def template():
    """The columns of the full export, without rows: the file to fill in."""
    return export_response(request.args.get("format", "xlsx"), _("Cases to import"), tuple(CASE_COLUMNS), iter(()))
