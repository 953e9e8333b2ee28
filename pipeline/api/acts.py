"""Recording an act through the API: one endpoint per act that moves a case, its body the act's
page form read as a schema (pipeline.api.form_schemas), recorded by the same operation as the
act page (pipeline.workflow.operations.record_act: the case locked, the guards, the chained log).

A body that JSON gets wrong is a 422 naming the fields; one the form or the guards refuse is a
422 with their reasons, in the language of Accept-Language; a case changed since the version
sent, or no longer in a stage the act is recorded from, is a 409. Nothing is written then."""
from flask import abort
from marshmallow import fields
from werkzeug.datastructures import MultiDict

from pipeline.api.blueprint import ApiBlueprint
from pipeline.api.errors import error_response
from pipeline.api.form_schemas import body_schema, form_data
from pipeline.api.schemas import ErrorOut, LogEntryOut, Out, entry_out
from pipeline.base.errors import ActBlocked, CaseChanged
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.cases.forms import act_form_class
from pipeline.cases.views import make_act_form
from pipeline.web.scope import case_or_404, current_actor
from pipeline.workflow import definition, operations
from pipeline.workflow.guards import vote_shortfall

bp = ApiBlueprint("api_acts", __name__, url_prefix="/api/v1", description="Recording acts on a case.")
MOVING_ACTS = tuple(act for act in definition.ACTS if act.moves and act.sources)
FAILED_VOTE = _l("The vote does not pass (%(reason)s): send \"failure_confirmed\": true to record it, "
                 "which moves the case back.")
NOT_RECORDED = _l("The act was not recorded: correct the fields named.")
# What a form of several rows, a class or a unit answers when its fields are refused.
NOTHING_RECORDED = _l("Nothing was recorded: correct the fields named.")
NOT_FROM_STAGE = _l("The case is no longer in a stage this act is recorded from: read it again.")


class RecordedOut(Out):
    case_id = fields.Integer()
    version = fields.Integer(metadata={"description": "The case's version now: send it with the next act."})
    stage = fields.String()
    entry = fields.Nested(LogEntryOut)


def refused_fields(errors, location="json", message=NOT_RECORDED):
    """The 422 of a body the page's form refuses: each field with its messages, under the body's
    location as a refusal by its schema names it."""
    return error_response(422, message, errors={location: {
        name: [str(text) for text in texts] for name, texts in errors.items()}})


def nothing_recorded(errors):
    """refused_fields for a form of several rows, a class or a unit: nothing at all was written."""
    return refused_fields(errors, message=NOTHING_RECORDED)


def recorded(case, record):
    """The answer to an act: `record()` returns its log entry (201), or raises what refused it."""
    try:
        entry = record()
    except CaseChanged as changed:
        return error_response(409, changed.reasons[0])
    except ActBlocked as blocked:
        return error_response(422, _l("The rules refuse this act as sent."), reasons=blocked.reasons)
    return {"case_id": case.id, "version": case.version, "stage": entry.to_stage, "entry": entry_out(entry)}


def record(act, case_id, body):
    case = case_or_404(case_id, for_update=True)
    if not operations.role_may(current_actor(), act, case):
        abort(403)
    if case.stage not in act.sources:
        return error_response(409, NOT_FROM_STAGE)
    form = make_act_form(act, case, MultiDict(form_data(body)))
    if not form.validate():
        return refused_fields(form.errors)
    data = form.act_data()
    vote = operations.vote_result(case, act, form.effective_date.data, data)
    if vote is not None and not vote.passed and not body.get("failure_confirmed"):
        shortfall = vote_shortfall(act.outcome.total_key, vote.votes_for, vote.total, vote.needed)
        return error_response(422, FAILED_VOTE % {"reason": shortfall})
    return recorded(case, lambda: operations.record_act(
        case.id, act.name, current_actor(), form.effective_date.data, data,
        reason=form.reason.data if "reason" in form else "", expected_version=form.expected_version()))


def _endpoint(act):
    schema = body_schema(act_form_class(act), "".join(part.title() for part in act.name.split("_")) + "Body")

    @bp.arguments(schema)
    @bp.response(201, RecordedOut)
    @bp.alt_response(409, schema=ErrorOut, description="The case changed meanwhile, or left the act's stages.")
    @bp.alt_response(422, schema=ErrorOut, description="Refused: the fields, the vote, or the rules' reasons.")
    def view(body, case_id):
        return record(act, case_id, body)
    view.__name__ = f"act_{act.name}"
    view.__doc__ = f"{act.label}: from {', '.join(act.sources)}."
    bp.route(f"/cases/<int:case_id>/acts/{act.name}", methods=["POST"], endpoint=view.__name__)(view)


for _act in MOVING_ACTS:
    _endpoint(_act)
