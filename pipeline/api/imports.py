"""Importing cases in flight through the API, as the import page does (pipeline.imports.views):
the file uploaded, kept for its user as the page keeps it (pipeline.bulk.uploads), and replayed
through the workflow without writing (the preview); then, with the preview's token, replayed
again and written, all rows or none. Committees and administrators only (history.may_import)."""
from flask import abort, request
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from pipeline.api.blueprint import ApiBlueprint
from pipeline.api.errors import error_response, message_of
from pipeline.api.schemas import ErrorOut, Out, Strict, WholeMatch
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.bulk import uploads
from pipeline.imports import history
from pipeline.imports.cli import _line
from pipeline.imports.views import confirm_upload, preview_upload, stage_counts
from pipeline.web.scope import current_actor
from pipeline.workflow.stages import stage_label

bp = ApiBlueprint("api_imports", __name__, url_prefix="/api/v1",
                  description="Importing cases in flight from an XLSX or CSV file, as the import page.")
FILE_REFUSED = _l("The file cannot be imported: see why beside the field “file”.")
NOT_WRITTEN = _l("Nothing was written: the reasons say why.")
UNKNOWN = "Unknown field."  # as marshmallow refuses an unknown field of every other body


@bp.before_request
def committees_and_administrators():
    """As the page: before the body is read."""
    if not history.may_import(current_actor()):
        abort(403)


class UploadBody(Strict):
    file = Upload(required=True, metadata={"description": (
        f"The file: .xlsx or .csv (UTF-8), at most {uploads.MAX_BYTES // 2**20} MB, one row per case in the "
        "columns of the candidate list's full export (the import page's template).")})


class CommitBody(Strict):
    token = fields.String(required=True, validate=[validate.Length(max=80), WholeMatch(uploads.TOKEN.pattern)],
                          metadata={"description": "The preview's token."})


class ProblemOut(Out):
    row = fields.Integer(allow_none=True, metadata={"description": "The sheet's row; none for the whole file."})
    column = fields.String(allow_none=True)
    message = fields.String(metadata={"description": "Why; with its row and column, as the page says it."})


class ImportStageOut(Out):
    stage = fields.String()
    label = fields.String()
    count = fields.Integer()


class PreviewOut(Out):
    filename = fields.String()
    rows = fields.Integer(metadata={"description": "Rows replayed."})
    stages = fields.List(fields.Nested(ImportStageOut), metadata={"description": "The stages the rows reach."})
    problems = fields.List(fields.Nested(ProblemOut), metadata={"description": "Empty, or nothing can be imported."})
    notices = fields.List(fields.String())
    token = fields.String(allow_none=True, metadata={
        "description": "To import the file (POST /imports/cases/commit, by you, within the hour); none when a "
                       "problem was found."})


class WrittenOut(Out):
    written = fields.Integer()
    case_ids = fields.List(fields.Integer())


def problem_out(problem):
    return {"row": problem.row, "column": problem.column, "message": _line(problem)}


@bp.route("/imports/cases", methods=["POST"])
@bp.arguments(UploadBody, location="files")
@bp.response(200, PreviewOut)
@bp.alt_response(403, schema=ErrorOut, description="Only a committee or an administrator imports cases.")
@bp.alt_response(422, schema=ErrorOut, description="The file is refused (its kind, its size, empty).")
def preview_cases(files):
    """Upload a file of cases in flight and see what importing it would do: every row replayed
    through the workflow's acts and guards, each judged by the rules in force on its date, and
    nothing written. Without problems, the answer's token imports it."""
    if request.form:  # parts that are not files: not seen by the schema above
        return error_response(422, message_of(422), errors={"files": {
            name: [UNKNOWN] for name in request.form}})
    upload = files["file"]
    try:
        token, replayed = preview_upload(current_actor(), upload)
    except uploads.UploadRefused as refused:
        return error_response(422, FILE_REFUSED, errors={"files": {"file": [str(refused.args[0])]}})
    outcome = replayed.outcome
    return {"filename": upload.filename, "rows": len(outcome.rows) if outcome else 0,
            "stages": [{"stage": name, "label": stage_label(name), "count": count}
                       for name, count in stage_counts(outcome)],
            "problems": [problem_out(problem) for problem in replayed.problems],
            "notices": [str(notice) for notice in replayed.notices], "token": token}


@bp.route("/imports/cases/commit", methods=["POST"])
@bp.arguments(CommitBody)
@bp.response(201, WrittenOut)
@bp.alt_response(403, schema=ErrorOut, description="Only a committee or an administrator imports cases.")
@bp.alt_response(422, schema=ErrorOut, description=(
    "Nothing written: the token is unknown, another user's, used already or older than an hour (upload the "
    "file again), or a row is refused now (the reasons)."))
@bp.alt_response(503, schema=ErrorOut, description=(
    "Nothing written: the log's key is missing or is not the one this database's log was written with."))
def commit_cases(body):
    """Import the previewed file: replayed again (the database may have changed since) and
    written, all rows or none."""
    status, replayed = confirm_upload(current_actor(), body["token"])
    if status != 201:
        reasons = [_line(problem) for problem in replayed.problems]
        whole_file = len(reasons) == 1 and replayed.problems[0].row is None  # gone, or the key
        return error_response(status, reasons[0] if whole_file else NOT_WRITTEN, reasons=reasons)
    rows = replayed.outcome.rows
    return {"written": len(rows), "case_ids": [row.case_id for row in rows]}
