"""The facts a person records on one case besides its moving acts (pipeline.api.acts) and its
dossier (pipeline.api.dossier): opening it, a note, a transfer to another branch, voiding an act
entered by mistake, a correction. Each is its page's form read as a body (pipeline.api.form_schemas)
and its page's operation, checked in the page's order: the role (403), the case in scope (404),
the case's stage (409), the form (422 naming the fields), then the operation (409 on a stale
version, 422 with the rules' reasons). Nothing is written when any of them refuses."""
from flask import abort
from marshmallow import fields

from pipeline.api.acts import RecordedOut, recorded, refused_fields
from pipeline.api.blueprint import ApiBlueprint
from pipeline.api.errors import error_response
from pipeline.api.form_schemas import body_schema, page_form
from pipeline.api.reads import API_DETAIL, case_out
from pipeline.api.schemas import CaseOut, ErrorOut, Out, UtcDateTime
from pipeline.audit.corrections import correctable, may_correct, record_correction
from pipeline.audit.forms import CorrectionForm
from pipeline.base import clock
from pipeline.base.errors import ActBlocked, CaseNotFound, NotPermitted
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.cases.forms import NewCaseForm
from pipeline.cases.transfer import transfer_case, transfer_destination
from pipeline.cases.views import TRANSFER, branches_for_new_case, open_from_form
from pipeline.cases.voiding_views import MAX_SEQ, VoidForm
from pipeline.notes.forms import NoteForm
from pipeline.notes.operations import add_note, notes_of
from pipeline.readlog.models import CASE_PAGE
from pipeline.readlog.reads import record_read
from pipeline.units.reorganise_forms import TransferForm
from pipeline.web.scope import case_or_404, current_actor
from pipeline.workflow import operations
from pipeline.workflow.definition import VOID
from pipeline.workflow.log import load_log
from pipeline.workflow.voiding import plan_void, void_act

bp = ApiBlueprint("api_case_facts", __name__, url_prefix="/api/v1",
               description="Opening a case, its notes, a transfer, voiding and correcting its acts.")

# A secretary opens cases in their own branch and need not name it; a committee chooses one.
NewCaseBody = body_schema(NewCaseForm, "NewCaseBody", versioned=False, optional=("branch_id",))
NoteBody = body_schema(NoteForm, "NoteBody", versioned=False)
TransferBody = body_schema(TransferForm, "TransferBody", required=("to_branch_id",))
VoidBody = body_schema(VoidForm, "VoidBody")
CorrectionBody = body_schema(CorrectionForm, "CorrectionBody")

CASE_REFUSED = _l("The case was not opened: correct the fields named.")
NOTE_REFUSED = _l("The note was not added: correct the fields named.")
NOT_OPEN = _l("Only an open case can be transferred to another branch.")
NOT_VOIDABLE = _l("This act cannot be voided:")
RULES_REFUSE = _l("The rules refuse this act as sent.")


class NoteOut(Out):
    seq = fields.Integer(metadata={"description": "The note's place in the case's chain of notes."})
    written_on = fields.Date()
    recorded_at = UtcDateTime()
    author_id = fields.Integer()
    author_name = fields.String(attribute="author.display_name")
    text = fields.String()
    prev_hash = fields.String()
    hash = fields.String()


class NoteAddedOut(Out):
    case_id = fields.Integer()
    version = fields.Integer(metadata={"description": "The case's version, unchanged: a note is no act."})
    note = fields.Nested(NoteOut)


def recorded_in_scope(case, record, not_permitted=403):
    """acts.recorded, with the page's answers to a case that left the scope meanwhile (404) and to
    a role the operation itself refuses (`not_permitted`)."""
    def guarded():
        try:
            return record()
        except CaseNotFound:
            abort(404)
        except NotPermitted:
            abort(not_permitted)
    return recorded(case, guarded)


@bp.route("/cases", methods=["POST"])
@bp.arguments(NewCaseBody)
@bp.response(201, CaseOut)
@bp.alt_response(422, schema=ErrorOut, description="Refused: the fields (a branch not of your subtree among them).")
def open_case(body):
    """Open a case.

    As the new candidate page does: the candidate's particulars and the day they were spotted
    (answered as GET /cases/{id} shows the case). A secretary opens it in their own branch
    (`branch_id` left out, or theirs); a committee names one of the open branches of its subtree.
    Boards and administrators open no case (403). A branch outside your subtree is refused as the
    page's choice refuses it: 422 naming `branch_id`, which says no more of it than of a unit that
    is no branch."""
    user = current_actor()
    branches = branches_for_new_case(user)
    if branches is None and body.get("branch_id") is not None:
        branches = [user.unit]  # the secretary's only choice: another branch is refused, not ignored
    form = page_form(NewCaseForm, body, branches=branches)
    if not form.validate():
        return refused_fields(form.errors, message=CASE_REFUSED)
    try:
        case = open_from_form(user, form)
    except ActBlocked as blocked:
        return error_response(422, RULES_REFUSE, reasons=blocked.reasons)
    return case_out(case_or_404(case.id, with_state=True)), 201


@bp.route("/cases/<int:case_id>/notes", methods=["GET"])
@bp.response(200, NoteOut(many=True))
def case_notes(case_id):
    """The case's notes.

    Oldest first, as the case page lists them under its history: anyone whose scope holds the case."""
    case = case_or_404(case_id)
    # Recorded first: its commit would expire the notes read before it, one statement each to read again.
    record_read(CASE_PAGE, case=case, detail=API_DETAIL)
    return notes_of(case.id)


@bp.route("/cases/<int:case_id>/notes", methods=["POST"])
@bp.arguments(NoteBody)
@bp.response(201, NoteAddedOut)
@bp.alt_response(422, schema=ErrorOut, description="Refused: the note is empty, too long or not plain text.")
def add_case_note(body, case_id):
    """Add a note to the case's history.

    As the case page does: anyone whose scope holds the case. A note is no act: the case's stage and
    version stay, and it is chained to the case's notes, not to its log. It takes no version, as the
    page's form takes none."""
    case = case_or_404(case_id)
    form = page_form(NoteForm, body)
    if not form.validate():
        return refused_fields(form.errors, message=NOTE_REFUSED)
    try:
        note = add_note(case.id, current_actor(), form.note.data)
    except CaseNotFound:
        abort(404)
    except ActBlocked as blocked:
        return refused_fields({"note": blocked.reasons}, message=NOTE_REFUSED)
    return {"case_id": case.id, "version": case.version, "note": note}, 201


@bp.route("/cases/<int:case_id>/transfer", methods=["POST"])
@bp.arguments(TransferBody)
@bp.response(201, RecordedOut)
@bp.alt_response(409, schema=ErrorOut, description="The case changed meanwhile, or is no longer open.")
@bp.alt_response(422, schema=ErrorOut, description="Refused: the fields (a branch not offered), or the rules.")
def transfer(body, case_id):
    """Transfer the candidate to another branch.

    They moved house or job; as the transfer page does: a committee above both branches, or the
    board. The branch must be one the page offers, an open branch of your subtree other than the
    case's: another is refused naming `to_branch_id`."""
    user = current_actor()
    case = case_or_404(case_id, for_update=True)
    if not operations.role_may(user, TRANSFER, case):
        abort(403)
    if case.stage not in TRANSFER.sources:
        return error_response(409, NOT_OPEN)
    destination = transfer_destination(user, case, body["to_branch_id"])
    form = page_form(TransferForm, body, destinations=[destination] if destination else [], root_depth=user.unit.depth)
    if not form.validate():
        return refused_fields(form.errors)
    return recorded_in_scope(case, lambda: transfer_case(
        case.id, user, form.to_branch_id.data, form.effective_date.data, form.reason.data, form.expected_version()))


@bp.route("/cases/<int:case_id>/log/<int:seq>/void", methods=["POST"])
@bp.arguments(VoidBody)
@bp.response(201, RecordedOut)
@bp.alt_response(409, schema=ErrorOut, description="The case changed meanwhile.")
@bp.alt_response(422, schema=ErrorOut, description="Refused: why the act cannot be voided, or the fields.")
def void(body, case_id, seq):
    """Void act no. `seq` of the case's log, entered by mistake.

    As the void page does: its author, or a committee or the board above the branch, within the
    rulebook's days. The act stays in the log; a void entry names it and the case goes back where it
    would be without it. Why it cannot be voided (a later act built on it, the period passed...) is
    a 422 with the reasons; a seq not in the log is a 404."""
    user = current_actor()
    if user.role not in VOID.roles:
        abort(403)
    case = case_or_404(case_id, for_update=True)
    if seq > MAX_SEQ:
        abort(404)
    plan = plan_void(case, load_log(case.id), seq, user, clock.today())
    if plan.target is None:
        abort(404)
    if plan.reasons:
        return error_response(422, NOT_VOIDABLE, reasons=plan.reasons)
    form = page_form(VoidForm, body)
    if not form.validate():
        return refused_fields(form.errors)
    # The page answers a role the operation refuses with a 404 too (voiding_views).
    return recorded_in_scope(case, lambda: void_act(case.id, user, seq, form.reason.data, form.expected_version()),
                             not_permitted=404)


@bp.route("/cases/<int:case_id>/corrections", methods=["POST"])
@bp.arguments(CorrectionBody)
@bp.response(201, RecordedOut)
@bp.alt_response(409, schema=ErrorOut, description="The case changed meanwhile.")
@bp.alt_response(422, schema=ErrorOut, description="Refused: the fields (an act that cannot be corrected), "
                                                   "or the rules.")
def correct(body, case_id):
    """Correct an earlier act.

    `corrects_seq`: any act of the log but a correction; as the correction page does: what is wrong,
    what it should read, and why. The act itself is kept as written; the correction is an entry of
    its own, in any stage."""
    user = current_actor()
    if not may_correct(user):
        abort(403)
    case = case_or_404(case_id, for_update=True)
    form = page_form(CorrectionForm, body, acts=correctable(load_log(case.id)))
    if not form.validate():
        return refused_fields(form.errors)
    return recorded_in_scope(case, lambda: record_correction(
        case.id, user, form.corrects_seq.data, form.what.data, form.corrected_value.data, form.reason.data,
        form.effective_date.data, expected_version=form.expected_version()))
