"""Recording a dossier document through the API, as the dossier page does (its form for the
item's kind, pipeline.dossier.operations.record_document: the case locked at the version sent,
one chained log entry). Scans are attached on the page."""
from flask import abort
from flask_smorest import Blueprint
from werkzeug.datastructures import MultiDict

from pipeline.api.acts import RecordedOut, recorded, refused_fields
from pipeline.api.errors import error_response
from pipeline.api.form_schemas import body_schema, form_data
from pipeline.api.schemas import ErrorOut
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.dossier import operations as dossier_ops
from pipeline.dossier.views import lines_today
from pipeline.dossier.forms import DocumentForm, IntroducerForm, VerificationForm, form_class_for
from pipeline.web.scope import case_or_404, current_actor
from pipeline.workflow.checklist import line_for

bp = Blueprint("api_dossier", __name__, url_prefix="/api/v1", description="Recording dossier documents.")
ACT = dossier_ops.ACT
# Every field a document's kind may have: a body names those of its item's kind only.
DocumentBody = body_schema(type("AnyDocumentForm", (IntroducerForm, VerificationForm, DocumentForm), {}),
                           "DocumentBody")
CLOSED = _l("The dossier of a case in this stage can no longer be changed.")


# An item's key as the checklist names it ("1-KNĐ", "3-KNĐ:2", "TTLL"): printable, bounded.
KEY_PARAMETER = {"in": "path", "name": "key", "required": True,
                 "description": "The item's key (GET /cases/{id}/dossier).",
                 "schema": {"type": "string", "maxLength": 40, "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f/]+$"}}


@bp.route("/cases/<int:case_id>/dossier/<key>", methods=["POST"], parameters=[KEY_PARAMETER])
@bp.arguments(DocumentBody)
@bp.response(201, RecordedOut)
@bp.alt_response(409, schema=ErrorOut, description="The case changed meanwhile, or its dossier is closed.")
@bp.alt_response(422, schema=ErrorOut, description="Refused: the fields of the item's kind, or the rules.")
def record_document(body, case_id, key):
    """Record what the office holds of one item of the checklist (its key, as GET
    /cases/{id}/dossier lists them): received or not, its date, number and note, and the details
    of its kind (an introducer's name, a verification's result)."""
    case = case_or_404(case_id, with_state=True, for_update=True)
    line = line_for(lines_today(case), key)
    if line is None:
        abort(404)
    if current_actor().role not in ACT.roles:
        abort(403)
    if case.stage not in ACT.sources:
        return error_response(409, CLOSED)
    form_class = form_class_for(line)
    form = form_class(formdata=MultiDict(form_data(body)), meta={"csrf": False})
    foreign = sorted(name for name, value in body.items() if name != "version" and name not in form
                     and value not in (None, False))
    if foreign:
        return refused_fields({name: [_l("Not a field of this item.")] for name in foreign})
    if not form.validate():
        return refused_fields(form.errors)
    return recorded(case, lambda: dossier_ops.record_document(
        case.id, current_actor(), form.entry(key, line.kind), expected_version=form.expected_version())[0])
