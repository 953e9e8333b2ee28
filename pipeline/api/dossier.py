"""A case's dossier through the API, as the dossier page records it: an item's document (its form
for the item's kind, pipeline.dossier.operations.record_document: the case locked at the version
sent, one chained log entry), its scan attached (multipart: the item as it stands, with the
file, checked by the same form), and the scan read back as the page's download gives it."""
from flask_smorest.fields import Upload
from marshmallow import fields, validate
from werkzeug.datastructures import MultiDict

from pipeline.api.acts import RecordedOut, recorded, refused_fields
from pipeline.api.blueprint import ApiBlueprint
from pipeline.api.errors import error_response
from pipeline.api.form_schemas import body_schema, form_data, page_form
from pipeline.api.reads import API_DETAIL
from pipeline.api.schemas import ID_MAX, ErrorOut, Strict
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.dossier import operations as dossier_ops
from pipeline.dossier.forms import DocumentForm, IntroducerForm, VerificationForm, form_class_for
from pipeline.dossier.views import initial_values, item_for, scan_response
from pipeline.readlog.models import SCAN_FILE
from pipeline.readlog.reads import record_read
from pipeline.web.scope import case_or_404, current_actor


bp = ApiBlueprint("api_dossier", __name__, url_prefix="/api/v1",
                  description="A case's dossier documents.")
ACT = dossier_ops.ACT
# Every field a document's kind may have: a body names those of its item's kind only.
DocumentBody = body_schema(type("AnyDocumentForm", (IntroducerForm, VerificationForm, DocumentForm), {}),
                           "DocumentBody")
CLOSED = _l("The dossier of a case in this stage can no longer be changed.")
NOT_A_FIELD = _l("Not a field of this item.")

# An item's key as the checklist names it ("1-KNĐ", "3-KNĐ:2", "TTLL"): printable, bounded.
KEY_PARAMETER = {"in": "path", "name": "key", "required": True,
                 "description": "The item's key (GET /cases/{id}/dossier).",
                 "schema": {"type": "string", "maxLength": 40, "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f/]+$"}}
SCAN_CONTENT = {mime_type: {"schema": {"type": "string", "format": "binary"}}
                for mime_type in dossier_ops.EXTENSION_OF}


class ScanBody(Strict):
    version = fields.Integer(required=True, validate=validate.Range(1, ID_MAX), metadata={
        "description": "The case's version as you read it (GET /cases/{id})."})
    scan = Upload(required=True, metadata={"description": "The scan: a PDF, JPEG or PNG file, within the "
                                                          "instance's size limit."})


def item_to_record(case_id, key):
    """(case locked, the item's checklist line), or the refusal to answer: the item not in the
    case's dossier (404), a role that records no document (403), a closed dossier (409)."""
    case, line = item_for(case_id, key, for_update=True)
    if case.stage not in ACT.sources:
        return case, line, error_response(409, CLOSED)
    return case, line, None


def record_with(case, key, line, form, location="json"):
    if not form.validate():
        return refused_fields(form.errors, location)
    return recorded(case, lambda: dossier_ops.record_document(
        case.id, current_actor(), form.entry(key, line.kind), upload=form.upload,
        expected_version=form.expected_version())[0])


@bp.route("/cases/<int:case_id>/dossier/<key>", methods=["POST"], parameters=[KEY_PARAMETER])
@bp.arguments(DocumentBody)
@bp.response(201, RecordedOut)
@bp.alt_response(409, schema=ErrorOut, description="The case changed meanwhile, or its dossier is closed.")
@bp.alt_response(422, schema=ErrorOut, description="Refused: the fields of the item's kind, or the rules.")
def record_document(body, case_id, key):
    """Record what the office holds of one item of the checklist (its key, as GET
    /cases/{id}/dossier lists them): received or not, its date, number and note, and the details
    of its kind (an introducer's name, a verification's result). A scan it had is kept."""
    case, line, refusal = item_to_record(case_id, key)
    if refusal is not None:
        return refusal
    form = page_form(form_class_for(line), body)
    foreign = sorted(name for name, value in body.items() if name != "version" and name not in form
                     and value not in (None, False))
    if foreign:
        return refused_fields({name: [NOT_A_FIELD] for name in foreign})
    return record_with(case, key, line, form)


@bp.route("/cases/<int:case_id>/dossier/<key>/scan", methods=["POST"], parameters=[KEY_PARAMETER])
@bp.arguments(ScanBody, location="multipart")
@bp.response(201, RecordedOut)
@bp.alt_response(409, schema=ErrorOut, description="The case changed meanwhile, or its dossier is closed.")
@bp.alt_response(413, schema=ErrorOut, description="The body is far larger than a scan may be.")
@bp.alt_response(422, schema=ErrorOut, description="Refused: the file's size or type, or the rules.")
def attach_scan(body, case_id, key):
    """Attach a scan to one item, as the item's page does: what was recorded of the item stays as
    it is, the scan replaces the one it had. A multipart body: `version` and the file `scan`."""
    case, line, refusal = item_to_record(case_id, key)
    if refusal is not None:
        return refusal
    data = MultiDict(form_data(initial_values(line)))
    data.update({"version": str(body["version"]), "scan": body["scan"]})
    return record_with(case, key, line, page_form(form_class_for(line), data), "multipart")


@bp.route("/cases/<int:case_id>/dossier/<key>/scan", methods=["GET"], parameters=[KEY_PARAMETER])
@bp.doc(responses={"200": {"description": "The scan, as it was attached.", "content": SCAN_CONTENT}})
@bp.alt_response(404, schema=ErrorOut, description="No such case in your scope, or the item has no scan.")
def download_scan(case_id, key):
    """The scan attached to one item (GET /cases/{id}/dossier says which have one)."""
    case = case_or_404(case_id)
    response = scan_response(case, key)
    record_read(SCAN_FILE, case=case, detail=f"{API_DETAIL} {key}")
    return response
