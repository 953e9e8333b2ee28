"""Training classes through the API, as their pages (pipeline.training.views): the classes the
token's user sees, a class with its attendees from the user's units, a new class, enrolling a
selection of candidates, and a class's results and certificates. The pages' forms validate the
bodies and the pages' operations record them: a selection or a set of results is all or
nothing, and a refused one answers 422 with the refused rows and why (a case outside the user's
units is named by its id only, as sent). A class the user does not see is a 404."""
from flask import abort
from marshmallow import fields, validate
from werkzeug.datastructures import MultiDict

from pipeline.api.acts import nothing_recorded
from pipeline.api.blueprint import ApiBlueprint
from pipeline.api.errors import error_response
from pipeline.api.form_schemas import page_form
from pipeline.api.reads import page_of
from pipeline.api.schemas import ID_MAX, PRINTABLE, ErrorOut, Out, PageQuery, Strict
from pipeline.base import clock
from pipeline.base.errors import ActBlocked, CaseChanged
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.extensions import db
from pipeline.training import operations
from pipeline.training.access import may_enrol, may_manage_class, organiser_units_for
from pipeline.training.classes import (POOL_LIMIT, after_class, attendee_total, classes_with_counts, result_rows,
                                       valid_until, validity_months, visible_class)
from pipeline.training.forms import EnrolForm, ResultsForm, TrainingClassForm, row_refusals
from pipeline.training.models import RESULTS
from pipeline.web.scope import current_actor, unit_or_404

bp = ApiBlueprint("api_training", __name__, url_prefix="/api/v1",
                  description="Training classes and their attendees.")

# The bounds of the pages' forms (pipeline.training.forms, models).
NAME_MAX, ORGANISER_MAX, PLACE_MAX, CERTIFICATE_NUMBER_MAX = 200, 200, 300, 60
# The results page shows a class's open rows at once; through the API a larger class is sent in parts.
RESULT_ROWS_MAX = POOL_LIMIT
ROWS_REFUSED = _l("Nothing was recorded: every row must be accepted for the submission to be recorded.")
CLASS_REFUSED = _l("The class was not created:")  # the reasons follow


def _text(length, **options):
    return fields.String(validate=[validate.Length(max=length), PRINTABLE], **options)


def _id(**options):
    return fields.Integer(strict=True, validate=validate.Range(1, ID_MAX), **options)


# --- what comes in ----------------------------------------------------------------------------

class NewClassBody(Strict):
    name = _text(NAME_MAX, required=True)
    organiser_unit_id = _id(required=True, metadata={
        "description": "A unit of your subtree that decides admissions: its political centre runs the class."})
    organiser_name = _text(ORGANISER_MAX, load_default=None, allow_none=True,
                           metadata={"description": "Organised by (the political centre)."})
    place = _text(PLACE_MAX, load_default=None, allow_none=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)


class ClassEnrolBody(Strict):
    case_ids = fields.List(_id(), required=True, validate=validate.Length(max=POOL_LIMIT), metadata={
        "description": "The candidates to enrol: cases of your units in the stage “spotted”."})
    enrolled_on = fields.Date(required=True)


class ClassResultRowBody(Strict):
    enrolment_id = _id(required=True, metadata={"description": "An attendee's `enrolment_id` (GET /classes/{id})."})
    result = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(RESULTS), metadata={
        "description": "None: the row is left as it is."})
    certificate_number = _text(CERTIFICATE_NUMBER_MAX, load_default=None, allow_none=True, metadata={
        "description": "With its date and a pass, issues the certificate: the case moves on to its dossier."})
    certificate_date = fields.Date(load_default=None, allow_none=True)


class ClassResultsBody(Strict):
    results_on = fields.Date(required=True, metadata={"description": "The date of the results that keep the "
                                                                     "case in training."})
    rows = fields.List(fields.Nested(ClassResultRowBody), required=True, validate=validate.Length(max=RESULT_ROWS_MAX))


# --- what goes out ----------------------------------------------------------------------------

class TrainingClassOut(Out):
    id = fields.Integer()
    name = fields.String()
    organiser_unit_id = fields.Integer()
    organiser_unit_name = fields.String()
    organiser_name = fields.String()
    place = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    open_for_enrolment = fields.Boolean(metadata={"description": "Takes new attendees today (until its last day)."})
    attendees = fields.Integer(metadata={"description": "Everyone enrolled, from every unit."})


class TrainingClassPage(Out):
    items = fields.List(fields.Nested(TrainingClassOut))
    next_after = fields.Integer(allow_none=True)


class AttendeeOut(Out):
    enrolment_id = fields.Integer()
    case_id = fields.Integer()
    full_name = fields.String()
    branch_id = fields.Integer()
    branch_name = fields.String()
    stage = fields.String()
    enrolled_on = fields.Date()
    result = fields.String(allow_none=True)
    certificate_number = fields.String(allow_none=True)
    certificate_date = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True, metadata={"description": "The certificate's last valid day."})
    result_open = fields.Boolean(metadata={"description": "The class may still record its result."})


class TrainingClassDetailOut(TrainingClassOut):
    enrolments = fields.List(fields.Nested(AttendeeOut), metadata={
        "description": "The attendees from your units, by name."})
    validity_months = fields.Integer(allow_none=True)
    may_enrol = fields.Boolean()
    may_record_results = fields.Boolean()


class TrainingWrittenOut(Out):
    recorded = fields.Integer(metadata={"description": "The acts recorded on the cases."})
    certificates = fields.Integer()
    training_class = fields.Nested(TrainingClassDetailOut, data_key="class")


class ClassRowRefusalOut(Out):
    case_id = fields.Integer(allow_none=True)
    name = fields.String()
    branch = fields.String()
    reasons = fields.List(fields.String())


class ClassRowsRefusedOut(ErrorOut):
    refusals = fields.List(fields.Nested(ClassRowRefusalOut))
    accepted = fields.Integer(metadata={"description": "The rows that were fine, not recorded either."})


def class_out(training_class, attendees):
    return {"id": training_class.id, "name": training_class.name,
            "organiser_unit_id": training_class.organiser_unit_id,
            "organiser_unit_name": training_class.organiser_unit.name,
            "organiser_name": training_class.organiser_name, "place": training_class.place,
            "starts_on": training_class.starts_on, "ends_on": training_class.ends_on,
            "open_for_enrolment": training_class.open_for_enrolment(clock.today()), "attendees": attendees}


def class_detail(user, training_class):
    """The class as its page shows it to `user`."""
    open_rows, attendees = result_rows(user, training_class)
    months = validity_months()
    until = valid_until(attendees, months)
    enrolments = [{"enrolment_id": e.id, "case_id": e.case_id, "full_name": e.case.full_name,
                   "branch_id": e.case.branch_id, "branch_name": e.case.branch.name, "stage": e.case.stage,
                   "enrolled_on": e.enrolled_on, "result": e.result, "certificate_number": e.certificate_number,
                   "certificate_date": e.certificate_date, "valid_until": until.get(e.id),
                   "result_open": e.id in open_rows} for e in attendees]
    return class_out(training_class, attendee_total(training_class)) | {
        "enrolments": enrolments, "validity_months": months, "may_enrol": may_enrol(user),
        "may_record_results": may_manage_class(user, training_class)}


def class_or_404(class_id):
    training_class = visible_class(current_actor(), class_id)
    if training_class is None:
        abort(404)  # not there and not yours look the same
    return training_class


def rows_refused(refusals, accepted, errors=None):
    """The 422 of a selection refused row by row: nothing was written."""
    return error_response(422, ROWS_REFUSED, errors=errors, accepted=accepted, refusals=[
        {"case_id": r.case_id, "name": r.name, "branch": r.branch, "reasons": [str(reason) for reason in r.reasons]}
        for r in refusals])


REFUSALS = {"description": "Refused: the fields named, or the rows with their reasons (nothing recorded)."}


# --- reads ------------------------------------------------------------------------------------

@bp.route("/classes", methods=["GET"])
@bp.arguments(PageQuery, location="query", as_kwargs=True)
@bp.response(200, TrainingClassPage)
@bp.alt_response(404, schema=ErrorOut, description="`after` is no class you see.")
def list_classes(after, limit):
    """The training classes you see (those organised above your unit or by it, and those
    organised inside your subtree), the newest first, with their number of attendees."""
    statement = classes_with_counts(current_actor())
    if after is not None:
        statement = statement.where(after_class(class_or_404(after)))
    rows = [class_out(training_class, attendees)
            for training_class, attendees in db.session.execute(statement.limit(limit + 1))]
    return page_of(rows, limit, lambda row: row["id"])


@bp.route("/classes/<int:class_id>", methods=["GET"])
@bp.response(200, TrainingClassDetailOut)
@bp.alt_response(404, schema=ErrorOut, description="No class you see.")
def one_class(class_id):
    """A class with its attendees from your units: their result and certificate, and whether the
    class may still record their result (`result_open`)."""
    return class_detail(current_actor(), class_or_404(class_id))


# --- writes -----------------------------------------------------------------------------------

@bp.route("/classes", methods=["POST"])
@bp.arguments(NewClassBody)
@bp.response(201, TrainingClassDetailOut)
@bp.alt_response(403, schema=ErrorOut, description="Your role organises no class.")
@bp.alt_response(404, schema=ErrorOut, description="The organising unit is not in your subtree.")
@bp.alt_response(422, schema=ErrorOut, description="Refused: the fields named.")
def create_class(body):
    """Open a class, organised by a unit of your subtree that decides admissions (a board, or the
    committee of a unit that decides them)."""
    user = current_actor()
    units = organiser_units_for(user)  # none for a role that organises no class
    if not units:
        abort(403)
    unit_or_404(body["organiser_unit_id"])
    form = page_form(TrainingClassForm, body, units=units)
    if not form.validate():
        return nothing_recorded(form.errors)
    unit = next(u for u in units if u.id == form.organiser_unit_id.data)
    try:
        training_class = operations.create_class(user, unit, form.name.data, form.starts_on.data, form.ends_on.data,
                                                 organiser_name=form.organiser_name.data or "",
                                                 place=form.place.data or "")
    except ActBlocked as blocked:
        return error_response(422, CLASS_REFUSED, reasons=blocked.reasons)
    return class_detail(user, training_class), 201


@bp.route("/classes/<int:class_id>/enrolments", methods=["POST"])
@bp.arguments(ClassEnrolBody)
@bp.response(201, TrainingWrittenOut)
@bp.alt_response(403, schema=ErrorOut, description="Your role enrols no candidate.")
@bp.alt_response(404, schema=ErrorOut, description="No class you see.")
@bp.alt_response(409, schema=ErrorOut, description="A case changed meanwhile: nothing recorded.")
@bp.alt_response(422, schema=ClassRowsRefusedOut, **REFUSALS)
def enrol(body, class_id):
    """Enrol a selection of candidates (cases of your units in the stage “spotted”), all on one
    date: all or nothing, each row judged by the rules of the act “Send to the training class”."""
    user = current_actor()
    training_class = class_or_404(class_id)
    if not may_enrol(user):
        abort(403)
    data = MultiDict([("enrolled_on", body["enrolled_on"].isoformat())]
                     + [("case_ids", str(case_id)) for case_id in body["case_ids"]])
    form = page_form(EnrolForm, data)
    if not form.validate():
        return nothing_recorded(form.errors)
    try:
        rows = operations.enrol_cases(user, training_class, form.case_ids.data, form.enrolled_on.data)
    except operations.BulkRefused as refused:
        return rows_refused(refused.refusals, refused.accepted)
    except CaseChanged as changed:
        return error_response(409, changed.reasons[0])
    return {"recorded": len(rows), "certificates": 0, "training_class": class_detail(user, training_class)}, 201


def _results_form(body):
    """The results page's form, filled in with the body's rows in their order."""
    data = [("results_on", body["results_on"].isoformat())]
    for index, row in enumerate(body["rows"]):
        day = row["certificate_date"]
        data += [(f"rows-{index}-enrolment_id", str(row["enrolment_id"])),
                 (f"rows-{index}-result", row["result"] or ""),
                 (f"rows-{index}-certificate_number", row["certificate_number"] or ""),
                 (f"rows-{index}-certificate_date", day.isoformat() if day else "")]
    return page_form(ResultsForm, MultiDict(data))


@bp.route("/classes/<int:class_id>/results", methods=["POST"])
@bp.arguments(ClassResultsBody)
@bp.response(201, TrainingWrittenOut)
@bp.alt_response(403, schema=ErrorOut, description="Only the class's organiser records its results.")
@bp.alt_response(404, schema=ErrorOut, description="No class you see.")
@bp.alt_response(409, schema=ErrorOut, description="A case changed meanwhile: nothing recorded.")
@bp.alt_response(422, schema=ClassRowsRefusedOut, **REFUSALS)
def record_results(body, class_id):
    """Record attendees' results: a pass with a certificate number and date issues the
    certificate (the case moves on to its dossier); another result keeps the case in training.
    All or nothing; a row whose result did not change is skipped."""
    user = current_actor()
    training_class = class_or_404(class_id)
    if not may_manage_class(user, training_class):
        abort(403)
    form = _results_form(body)
    if not form.validate():
        _open_rows, attendees = result_rows(user, training_class)
        refusals, accepted = row_refusals(form, {e.id: e for e in attendees})
        others = {name: [str(message) for message in messages]
                  for name, messages in form.errors.items() if name != "rows"}
        if not refusals:
            return nothing_recorded(others)
        return rows_refused(refusals, accepted, errors={"json": others} if others else None)
    entries = [operations.ResultEntry(row.enrolment_id.data, row.result.data or None,
                                      row.certificate_number.data or None, row.certificate_date.data)
               for row in form.rows]
    try:
        rows = operations.record_results(user, training_class, entries, form.results_on.data)
    except operations.BulkRefused as refused:
        return rows_refused(refused.refusals, refused.accepted)
    except CaseChanged as changed:
        return error_response(409, changed.reasons[0])
    return {"recorded": len(rows), "certificates": sum(1 for entry in entries if entry.issues_certificate),
            "training_class": class_detail(user, training_class)}, 201
