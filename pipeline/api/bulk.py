"""The bulk acts through the API, as their pages record them: the grassroots committee reviews,
and the deciding unit decides, several cases of a unit at once (pipeline.bulkacts), and a branch
holds one ceremony for several candidates (pipeline.ceremonies). The body is the page's form
read as a schema, one row per case with the version read; the page's form validates it, and
pipeline.workflow.bulk.apply_rows records every row or none.

A unit outside the token user's scope is a 404 whatever the role, then a role that may not: 403.
A row refused (its case outside the unit or the scope, at another stage, refused by the guards,
a failing vote not confirmed) refuses the whole call: a 422 naming each refused row with its
reasons, nothing written. A case changed since the version sent: 409."""
from marshmallow import ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from werkzeug.datastructures import MultiDict

from pipeline.api.acts import nothing_recorded
from pipeline.api.blueprint import ApiBlueprint
from pipeline.api.errors import error_response
from pipeline.api.form_schemas import body_schema, form_data, page_form
from pipeline.api.schemas import ID_MAX, ErrorOut, Id, Out, Strict
from pipeline.base.errors import CaseChanged
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.bulkacts.forms import MAX_ROWS, DecisionRow, ReviewRow
from pipeline.bulkacts.views import DECISION, REVIEW, bulk_unit, deciding_units
from pipeline.cases.models import Case
from pipeline.ceremonies.forms import CeremonyDayForm
from pipeline.ceremonies.views import ceremony_branch, hold_ceremonies
from pipeline.extensions import db
from pipeline.units.models import subtree_filter
from pipeline.web.scope import current_actor
from pipeline.workflow.bulk import BulkRefused, apply_rows

bp = ApiBlueprint("api_bulk", __name__, url_prefix="/api/v1",
                  description="Acts on several cases at once, as the bulk pages and the ceremony day: all or nothing.")
ROWS_FIELD = "rows"
ROWS_REFUSED = _l("Nothing was recorded: each refused row is named with its reasons.")
CONFIRM_FAILING = _l("A row whose vote fails is recorded only with \"failure_confirmed\": true on it.")
TWICE = _l("Each case may be given once.")


# --- what comes in ----------------------------------------------------------------------------

def _distinct_cases(rows):
    if len({row["case_id"] for row in rows}) != len(rows):
        raise ValidationError(str(TWICE))


def _rows_field(row_schema):
    return fields.List(fields.Nested(row_schema), required=True,
                       validate=[validate.Length(min=1, max=MAX_ROWS), _distinct_cases],
                       metadata={"description": f"One row per case (at most {MAX_ROWS}), each with the case's "
                                                "version as you read it (GET /cases/{id})."})


CASE_ID = Id(required=True, metadata={"description": "The case."})


def _schema(name, declared, drop=(), **more):
    attributes = {key: value for key, value in declared.items() if key not in drop} | more
    return type(name, (Strict,), attributes)


def row_schema(row_form, name):
    """A row of a bulk page read as a schema: the case, its version, the row's own fields (a
    row is chosen by being sent)."""
    declared = body_schema(row_form, name + "Fields")._declared_fields
    return _schema(name, {"case_id": CASE_ID} | {key: value for key, value in declared.items()
                                                 if key not in ("case_id", "chosen")})


def bulk_schema(form_class, name, rows, drop=()):
    """A bulk page's form read as a schema: its fields given once, and its rows."""
    declared = body_schema(form_class, name + "Fields")._declared_fields
    return _schema(name, declared, drop=("version", ROWS_FIELD) + tuple(drop), **{ROWS_FIELD: _rows_field(rows)})


ReviewBody = bulk_schema(REVIEW.form, "CommitteeReviewsBody", row_schema(ReviewRow, "CommitteeReviewRow"))
DecisionBody = bulk_schema(DECISION.form, "DecisionsBody", row_schema(DecisionRow, "DecisionRow"))
CeremonyRow = _schema("CeremonyRow", {"case_id": CASE_ID, "version": fields.Integer(
    required=True, strict=True, validate=validate.Range(1, ID_MAX), metadata={"description": "The case's version."})})
CeremonyBody = bulk_schema(CeremonyDayForm, "CeremonyDayBody", CeremonyRow, drop=("case_ids",))


# --- what goes out ----------------------------------------------------------------------------

class BulkRowOut(Out):
    case_id = fields.Integer()
    version = fields.Integer(metadata={"description": "The case's version now: send it with the next act."})
    stage = fields.String()
    seq = fields.Integer(metadata={"description": "The new entry's place in the case's log."})
    hash = fields.String(metadata={"description": "The new entry's hash, chained to the one before."})


class BulkRecordedOut(Out):
    rows = fields.List(fields.Nested(BulkRowOut))


class RefusalOut(Out):
    case_id = fields.Integer(allow_none=True)
    name = fields.String(metadata={"description": "The candidate; empty for a case outside the unit or your scope."})
    branch = fields.String()
    reasons = fields.List(fields.String())
    vote_fails = fields.Boolean(metadata={"description": "Refused only because its vote fails: send "
                                                         "\"failure_confirmed\": true on its row to record it."})


class BulkErrorOut(ErrorOut):
    refusals = fields.List(fields.Nested(RefusalOut))
    accepted = fields.Integer(metadata={"description": "Rows that were fine (not recorded either)."})


# --- recording --------------------------------------------------------------------------------

def form_errors(form):
    """The page form's errors by field, its rows' as "rows.0.votes_for" (read off the fields:
    the rows' own checks add theirs after the form validated)."""
    errors = {"_schema": list(form.form_errors)} if form.form_errors else {}
    for field in form:
        if field.name == ROWS_FIELD:
            for index, entry in enumerate(field.entries):
                errors |= {f"{ROWS_FIELD}.{index}.{sub.short_name}": list(sub.errors)
                           for sub in entry.form if sub.errors}
        elif field.errors:
            errors[field.name] = list(field.errors)
    return {name: [str(message) for message in messages] for name, messages in errors.items()}


def fields_refused(form):
    return nothing_recorded(form_errors(form))


def page_data(body):
    """The body as the page's form would post it: the fields given once, then each row chosen."""
    data = MultiDict(form_data({name: value for name, value in body.items() if name != ROWS_FIELD}))
    for index, row in enumerate(body[ROWS_FIELD]):
        for name, value in form_data({k: v for k, v in row.items() if k != "version"}).items():
            data[f"rows-{index}-{name}"] = value
        data[f"rows-{index}-chosen"] = "y"
    return data


def rows_refused(refused):
    """The 422 of a refused submission: each row with why; no name for a case outside the unit."""
    message = str(ROWS_REFUSED)
    if any(row.vote_fails for row in refused.refusals):
        message += " " + str(CONFIRM_FAILING)
    return error_response(422, message, accepted=refused.accepted, refusals=[
        {"case_id": row.case_id, "name": "" if row.outside_unit else row.name,
         "branch": "" if row.outside_unit else row.branch, "reasons": [str(reason) for reason in row.reasons],
         "vote_fails": row.vote_fails} for row in refused.refusals])


def recorded_rows(rows):
    """The 201: each recorded row's case with its version now (one statement for all)."""
    recorded = [row for row in rows if row.to_stage]
    versions = dict(db.session.execute(select(Case.id, Case.version).where(
        Case.id.in_([row.case_id for row in recorded]))).all())
    return {"rows": [{"case_id": row.case_id, "version": versions[row.case_id], "stage": row.to_stage,
                      "seq": row.seq, "hash": row.hash} for row in recorded]}


def record(operation):
    """`operation()` records the rows (all or nothing) and returns them; the answer."""
    try:
        rows = operation()
    except BulkRefused as refused:
        return rows_refused(refused)
    except CaseChanged as changed:
        return error_response(409, changed.reasons[0])
    return recorded_rows(rows)


def with_versions(rows, body):
    for row, sent in zip(rows, body[ROWS_FIELD]):
        row.expected_version = sent["version"]
    return rows


def record_bulk(bulk, unit, form, body):
    if not form.validate():
        return fields_refused(form)
    rows = with_versions(form.bulk_rows(), body)

    def operation():
        apply_rows(current_actor(), bulk.act, rows, form.effective_date.data, unit=unit)
        return rows
    return record(operation)


def documented(body_schema_class):
    def decorate(view):
        view = bp.alt_response(422, schema=BulkErrorOut, description=(
            "Refused: the fields named, or the rows, each with its reasons (nothing recorded)."))(view)
        view = bp.alt_response(409, schema=ErrorOut, description="A case changed since the version sent.")(view)
        view = bp.alt_response(404, schema=ErrorOut, description="The unit is outside your scope.")(view)
        view = bp.alt_response(403, schema=ErrorOut, description="Your role may not record this act, "
                                                                  "or the token is read-only.")(view)
        view = bp.response(201, BulkRecordedOut)(view)
        return bp.arguments(body_schema_class)(view)
    return decorate


@bp.route("/units/<int:unit_id>/committee-reviews", methods=["POST"])
@documented(ReviewBody)
def committee_reviews(body, unit_id):
    """The grassroots committee's review (8-KNĐ) of several cases of a unit at once, as the bulk
    page: the meeting's date, size and usual vote once, a case's own vote or resolution number
    on its row. A vote that fails is recorded (sending the case back) only with
    `failure_confirmed` on its row."""
    unit = bulk_unit(REVIEW, unit_id)
    form = page_form(REVIEW.form, page_data(body))
    return record_bulk(REVIEW, unit, form, body)


@bp.route("/units/<int:unit_id>/decisions", methods=["POST"])
@documented(DecisionBody)
def decisions(body, unit_id):
    """The admission decisions (9-KNĐ) of several cases of a unit, as the bulk page: the date,
    the issuing unit (one with the power to decide above the cases' branches, that you act for)
    and the day the branches received them once; each row's number its own, or counted on from
    `first_number`."""
    unit = bulk_unit(DECISION, unit_id)
    form = page_form(DECISION.form, page_data(body),
                     deciding_units=deciding_units(unit, _cases_in(unit, body)))
    return record_bulk(DECISION, unit, form, body)


def _cases_in(unit, body):
    """The rows' cases inside `unit`, with their branches (their deciding units are offered)."""
    return db.session.execute(
        select(Case).join(Case.branch).options(contains_eager(Case.branch))
        .where(Case.id.in_([row["case_id"] for row in body[ROWS_FIELD]]), subtree_filter(unit))).scalars().all()


@bp.route("/units/<int:unit_id>/ceremony-day", methods=["POST"])
@documented(CeremonyBody)
def ceremony_day(body, unit_id):
    """One admission ceremony held for several candidates of a branch, as the ceremony day's
    page (`confirmed`: the page's box, that the ceremony was held)."""
    branch = ceremony_branch(unit_id)
    data = MultiDict(form_data({name: value for name, value in body.items() if name != ROWS_FIELD}))
    data.setlist("case_ids", [str(row["case_id"]) for row in body[ROWS_FIELD]])
    form = page_form(CeremonyDayForm, data)
    if not form.validate():
        return fields_refused(form)
    versions = {row["case_id"]: row["version"] for row in body[ROWS_FIELD]}
    return record(lambda: hold_ceremonies(branch, form, versions))
