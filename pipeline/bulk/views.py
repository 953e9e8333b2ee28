"""The import pages, for administrators: /admin/units/import and /admin/users/import (upload, a
preview naming every problem with its row and column, then a confirmation that writes all rows
or none), the templates to fill in and the exports in the import's own format. Other roles are
refused as by the pages beside them (403 under /admin/units, 404 under /admin/users). The
one-time passwords of imported accounts are shown once, on the confirmation's own answer: never
flashed (the session cookie is readable), never stored in clear, never logged."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import login_required
from flask_wtf.file import FileField
from wtforms import HiddenField

from pipeline.base.errors import NotPermitted
from pipeline.base.forms import BaseForm
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.bulk import accounts, units, uploads
from pipeline.exports import export_response
from pipeline.imports.cli import _line
from pipeline.imports.sheet import SheetError
from pipeline.web.scope import current_actor
from pipeline.workflow.log import KEY_MISSING, KEY_WRONG, key_state

unit_bp = Blueprint("unit_import", __name__, url_prefix="/admin/units")
account_bp = Blueprint("account_import", __name__, url_prefix="/admin/users")


class UploadForm(BaseForm):
    file = FileField(_l("File (XLSX or CSV)"))


class ConfirmForm(BaseForm):
    token = HiddenField()


def _refusal(status):
    """Other roles get what the pages beside these answer them: /admin/units/ 403, /admin/users/ 404."""
    def admin_only():
        if not units.may_import_units(current_actor()):
            abort(status)
    return login_required(admin_only)


unit_bp.before_request(_refusal(403))
account_bp.before_request(_refusal(404))


# What differs between the two imports; the pages and their steps are the same.
KINDS = {
    "units": dict(table=units.UNIT_TABLE, judge=units.judge_units, title=_l("Import units"),
                  endpoint="unit_import", basename=_l("units"), export_rows=units.exported_units,
                  template_rows=units.template_rows),
    "accounts": dict(table=accounts.ACCOUNT_TABLE, judge=accounts.judge_accounts, title=_l("Import accounts"),
                     endpoint="account_import", basename=_l("accounts"), export_rows=accounts.exported_accounts,
                     template_rows=accounts.template_rows),
}


def _judge(kind, path):
    """(rows, problems as lines, notices) of the file at `path`."""
    spec, actor = KINDS[kind], current_actor()
    try:
        sheet, layout, problems = spec["table"].read(path)
    except SheetError as refusal:
        return [], [str(refusal.args[0])], []
    notices = [_("Column “%(column)s” is not read by the import.", column=h) for h in layout.ignored]
    rows = []
    if not problems:
        rows, problems = spec["judge"](actor, sheet, layout)
    return rows, [_line(p) for p in problems], notices


def _page(kind, code=200, **context):
    spec = KINDS[kind]
    context.setdefault("form", UploadForm(formdata=None))
    return render_template("bulk/import.html", kind=kind, title=spec["title"], endpoint=spec["endpoint"],
                           columns=[str(f.label) for f in spec["table"].fields], max_mb=uploads.MAX_BYTES // 2**20,
                           **context), code


def _upload(kind):
    """The upload's preview: every problem, or the rows that a confirmation will create."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(kind, 422 if request.method == "POST" else 200, form=form)
    upload = form.file.data
    try:
        token, path = uploads.keep_upload(current_actor().id, kind, upload)
    except uploads.UploadRefused as refused:
        form.file.errors.append(refused.args[0])
        return _page(kind, 422, form=form)
    if path is None:
        return _page(kind, 422, form=form, problems=[str(uploads.GONE)])
    rows, problems, notices = _judge(kind, path)
    if problems:
        uploads.discard(current_actor().id, kind, token)
        return _page(kind, 422, form=form, problems=problems, notices=notices, filename=upload.filename)
    return _page(kind, form=UploadForm(formdata=None), rows=rows, notices=notices, filename=upload.filename,
                 confirm=ConfirmForm(formdata=None, data={"token": token}))


def _confirm(kind, write):
    """Judge the kept file again and write all of it, or show what is wrong now."""
    form = ConfirmForm()
    actor = current_actor()
    path = uploads.kept_path(actor.id, kind, form.token.data) if form.validate_on_submit() else None
    if path is None:
        return _page(kind, 422, problems=[_("The uploaded file is no longer here: upload it again.")])
    if key_state() in (KEY_MISSING, KEY_WRONG):
        return _page(kind, 503, problems=[_("The log key is missing or is not the one this database's log was "
                                            "written with. Nothing was written.")])
    rows, problems, notices = _judge(kind, path)
    if not problems:
        try:
            result = write(actor, rows)
        except units.ImportFailed as failed:
            problems = [_line(p) for p in failed.problems]
        except NotPermitted as refused:
            problems = [str(refused)]
    uploads.discard(actor.id, kind, form.token.data)
    if problems:
        return _page(kind, 422, problems=problems, notices=notices)
    return result


def _download(kind, rows_of):
    spec = KINDS[kind]
    columns = spec["table"].export_columns()
    # Title rows above the header, as every export: the import finds the header under them.
    return export_response(request.args.get("format", "xlsx"), spec["basename"], columns, rows_of(current_actor()),
                           unit=current_actor().unit)


# --- units --------------------------------------------------------------------------------------

@unit_bp.route("/import", methods=["GET", "POST"])
def import_units():
    return _upload("units") if request.method == "POST" else _page("units")


@unit_bp.post("/import/confirm")
def confirm_units():
    def write(actor, rows):
        created = units.create_units(actor, rows)
        flash(ngettext("Created %(num)d unit.", "Created %(num)d units.", created), "success")
        return redirect(url_for("units.list_units"))
    return _confirm("units", write)


@unit_bp.get("/import/template")
def unit_template():
    return _download("units", units.template_rows)


@unit_bp.get("/export")
def export_units():
    return _download("units", units.exported_units)


# --- accounts -----------------------------------------------------------------------------------

@account_bp.route("/import", methods=["GET", "POST"])
def import_accounts():
    return _upload("accounts") if request.method == "POST" else _page("accounts")


@account_bp.post("/import/confirm")
def confirm_accounts():
    def write(actor, rows):
        created = accounts.create_accounts(actor, rows)
        # Shown in this answer only: not flashed, not stored, not cached.
        response = render_template("bulk/passwords.html", created=created)
        return response, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"}
    return _confirm("accounts", write)


@account_bp.get("/import/template")
def account_template():
    return _download("accounts", accounts.template_rows)


@account_bp.get("/export")
def export_accounts():
    return _download("accounts", accounts.exported_accounts)
