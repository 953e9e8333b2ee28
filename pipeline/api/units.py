"""The unit pages (pipeline/units/views.py) through the API, for administrators: creating a unit,
its details, moving and closing it, merging and splitting. Each body is the page's form read as a
schema and filled into the page's form, which still decides; the page's operation records it
(pipeline.units.operations, pipeline.units.reorganise: the chained history, the dated versions).

Checked in the page's order: a unit outside the token user's subtree is a 404 whoever asks;
inside it, anyone but an administrator is refused (403), and so is the administrator's own top
unit (changed from above); then the form (422 naming the fields), then the operation (422
naming the field its rule belongs to). A merge or a split is previewed unless the body says
"confirmed": true; a plan with problems is refused with them (422). Nothing is written when any
of them refuses."""
from flask import abort
from marshmallow import ValidationError, fields, validate
from sqlalchemy import or_, select
from werkzeug.datastructures import MultiDict

from pipeline.accounts.models import User
from pipeline.api.acts import nothing_recorded
from pipeline.api.blueprint import ApiBlueprint
from pipeline.api.errors import error_response
from pipeline.api.form_schemas import body_schema, form_data, page_form
from pipeline.api.schemas import ErrorOut, Id, Out, Strict, UnitOut
from pipeline.base.errors import NotPermitted
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units import operations
from pipeline.units.admin_forms import CloseUnitForm, MoveUnitForm, NewUnitForm, UnitDetailsForm
from pipeline.units.models import UNIT_KINDS, Unit
from pipeline.units.reorganise import NewUnit
from pipeline.units.reorganise_forms import DISABLE, NEW, MergeForm, SplitForm, split_rows
from pipeline.units.views import (changeable_or_403, merge_form, merge_planner, move_form,
                                  new_unit_parents, preview_or_carry_out, refusal_shown, split_planner,
                                  unit_split_form)
from pipeline.web.scope import current_actor

bp = ApiBlueprint("api_units", __name__, url_prefix="/api/v1",
                  description="The organisation tree, for administrators: as the unit pages change it.")

REASONS_REFUSED = _l("Nothing was written: the reasons say why.")
NOT_A_ROW = _l("Not one of this unit's rows: its open units below, open cases and active accounts.")
ONCE = _l("Each row may be given once.")
# Bounds far above a real tree: the siblings a merge ends with the unit (a province's communes),
# each list of a split's rows (a unit's open units below, open cases, active accounts).
MAX_ALSO = 1000
MAX_ROWS = 5000
CODE_LENGTH = 64
ROW_KINDS = ("unit", "case", "account")


# --- what comes in ----------------------------------------------------------------------------

def _schema(name, declared, **more):
    return type(name, (Strict,), dict(declared) | more)


def _declared(form_class, name):
    """The page form's fields as body_schema reads them (its JSON types and bounds)."""
    return dict(body_schema(form_class, name + "Fields", versioned=False)._declared_fields)


CODE = fields.String(required=True, validate=validate.Length(min=1, max=CODE_LENGTH), metadata={
    "description": "Letters without accents, digits, dots, hyphens or underscores, starting with a letter or digit."})

NewUnitBody = _schema("NewUnitBody", _declared(NewUnitForm, "NewUnitBody"), code=CODE, kind=fields.String(
    required=True, validate=validate.OneOf(list(UNIT_KINDS)), metadata={"description": "The kind of unit."}))
UnitDetailsBody = _schema("UnitDetailsBody", _declared(UnitDetailsForm, "UnitDetailsBody"))
MoveUnitBody = _schema("MoveUnitBody", _declared(MoveUnitForm, "MoveUnitBody"))
CloseUnitBody = _schema("CloseUnitBody", _declared(CloseUnitForm, "CloseUnitBody"))

CONFIRMED = {"confirmed": fields.Boolean(load_default=False, metadata={
    "description": "false (the default): the plan, as the page previews it, nothing written; true: carry it "
                   "out, all or nothing."})}
MergeBody = _schema("MergeBody", _declared(MergeForm, "MergeBody"), **CONFIRMED, also=fields.List(
    Id(), load_default=list, validate=validate.Length(max=MAX_ALSO),
    metadata={"description": "Units beside it (the same unit above, of its level) that end with it."}),
    into=Id(load_default=None, allow_none=True, metadata={
        "description": "The unit they merge into; left out (or null) to merge into a new unit described by "
                       "the new_… fields."}),
    new_code=fields.String(load_default=None, allow_none=True, validate=validate.Length(max=CODE_LENGTH),
                           metadata={"description": "The new unit's code."}),
    new_kind=fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(UNIT_KINDS)),
                           metadata={"description": "The new unit's kind (of the level of the units that end)."}))


def _distinct(rows):
    if len({row["id"] for row in rows}) != len(rows):
        raise ValidationError(str(ONCE))


def _rows(kind, row_schema):
    return fields.List(fields.Nested(row_schema), load_default=list,
                       validate=[validate.Length(max=MAX_ROWS), _distinct],
                       metadata={"description": f"Where each {kind} goes: every one is required, as on the page."})


SplitRow = _schema("SplitRow", {}, id=Id(required=True), to=Id(required=True, metadata={
    "description": "The successor: an open unit of its level outside it (GET /units)."}))
SplitAccountRow = _schema("SplitAccountRow", {}, id=Id(required=True), to=Id(required=True, allow_none=True, metadata={
    "description": "The unit the account moves to, or null to disable it."}))
SplitBody = _schema("SplitBody", _declared(SplitForm, "SplitBody"), **CONFIRMED,
                    units=_rows("open unit below", SplitRow), cases=_rows("open case", SplitRow),
                    accounts=_rows("active account", SplitAccountRow))


# --- what goes out ----------------------------------------------------------------------------

class AdminUnitOut(UnitOut):
    official_members = fields.Integer(allow_none=True)


class UnitChangedOut(Out):
    unit = fields.Nested(AdminUnitOut)
    changed = fields.Boolean(metadata={"description": "false: the unit already had these details."})
    changes = fields.Dict(metadata={"description": "Each field changed: [before, after]."})


class NamedUnitOut(Out):
    id = fields.Integer(allow_none=True, metadata={"description": "null: the new unit the merge will make."})
    code = fields.String()
    name = fields.String()


class MovedUnitOut(Out):
    id = fields.Integer()
    name = fields.String()
    now_in = fields.Nested(NamedUnitOut)
    goes_to = fields.Nested(NamedUnitOut)


class MovedCaseOut(Out):
    id = fields.Integer()
    full_name = fields.String()
    stage = fields.String()
    now_in = fields.Nested(NamedUnitOut)
    goes_to = fields.Nested(NamedUnitOut)


class MovedAccountOut(Out):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    now_in = fields.Nested(NamedUnitOut)
    goes_to = fields.Nested(NamedUnitOut, allow_none=True, metadata={"description": "null: disabled."})


class PlanOut(Out):
    kind = fields.String(metadata={"description": "merge or split"})
    carried_out = fields.Boolean(metadata={"description": "false: a preview, nothing written."})
    effective_date = fields.Date()
    last_day = fields.Date(metadata={"description": "The last day of the units that end."})
    ending = fields.List(fields.Nested(NamedUnitOut))
    successors = fields.List(fields.Nested(NamedUnitOut))
    units = fields.List(fields.Nested(MovedUnitOut))
    cases = fields.List(fields.Nested(MovedCaseOut))
    accounts = fields.List(fields.Nested(MovedAccountOut))
    problems = fields.List(fields.String())


class PlanRefusedOut(ErrorOut):
    plan = fields.Nested(PlanOut, metadata={"description": "The plan refused, when it is its problems."})


# --- answering ----------------------------------------------------------------------------------

def _refused_on_field(form, refusal):
    """The operation's refusal beside the field its rule belongs to; one the form has no field for
    (moving a closed unit: its name) is a reason."""
    if refusal.field not in form:
        return error_response(422, REASONS_REFUSED, reasons=[refusal.reason])
    form[refusal.field].errors.append(refusal.reason)
    return nothing_recorded(form.errors)


def _named(unit):
    return None if unit is None else {"id": unit.id, "code": unit.code, "name": unit.name}


def plan_out(plan, carried):
    """The plan as PlanOut shows it. Carried out: the rows were expired by its commit and are read
    again at once (three statements, whatever the plan's length), and a new unit is named by its row."""
    if carried:
        unit_ids = {unit.id for unit in plan.ending} | {move.subject.id for move in plan.units} | {
            unit.id for unit in plan.successors if not isinstance(unit, NewUnit)}
        codes = [unit.code for unit in plan.successors if isinstance(unit, NewUnit)]
        made = {unit.code: unit for unit in db.session.execute(
            select(Unit).where(or_(Unit.id.in_(unit_ids), Unit.code.in_(codes)))).scalars() if unit.code in codes}
        db.session.execute(select(Case).where(Case.id.in_([move.subject.id for move in plan.cases]))).all()
        db.session.execute(select(User).where(User.id.in_([move.subject.id for move in plan.accounts]))).all()
    else:
        made = {}

    def unit_named(unit):
        return _named(made.get(unit.code, unit)) if isinstance(unit, NewUnit) else _named(unit)

    def moved(move, **own):
        return {"id": move.subject.id, **own, "now_in": _named(move.source),
                "goes_to": None if move.to is None else unit_named(move.to)}

    return {
        "kind": plan.kind, "carried_out": carried, "effective_date": plan.effective_date,
        "last_day": plan.last_day, "ending": [_named(unit) for unit in plan.ending],
        "successors": [unit_named(unit) for unit in plan.successors],
        "units": [moved(move, name=move.subject.name) for move in plan.units],
        "cases": [moved(move, full_name=move.subject.full_name, stage=move.subject.stage) for move in plan.cases],
        "accounts": [moved(move, username=move.subject.username, display_name=move.subject.display_name)
                     for move in plan.accounts],
        "problems": [str(problem) for problem in plan.problems]}


def reorganised(form, planner, confirmed):
    """The answer to a valid merge or split form: its preview (200), carried out (201), or refused (422)."""
    plan, carried, refusal = preview_or_carry_out(current_actor(), form, planner, confirmed)
    if refusal is not None:
        reasons = refusal_shown(form, refusal, plan)
        if not reasons:
            return nothing_recorded(form.errors)
    elif plan.problems:
        reasons = plan.problems
    else:
        return plan_out(plan, carried), 201 if carried else 200
    return error_response(422, REASONS_REFUSED, reasons=reasons, plan=PlanOut().dump(plan_out(plan, False)))


def documented(status, schema, refusals, on_unit=True, reorganisation=False):
    """The answers of a write: `status` with `schema`, 403, the 404 of a unit outside the scope
    (`on_unit`), the 422 of `refusals`; a reorganisation's preview (200) and refused plan."""
    def decorate(view):
        if reorganisation:
            view = bp.alt_response(200, schema=PlanOut, description="The preview: nothing written.")(view)
        view = bp.alt_response(422, schema=PlanRefusedOut if reorganisation else ErrorOut, description=refusals)(view)
        if on_unit:
            view = bp.alt_response(404, schema=ErrorOut, description="The unit is outside your scope.")(view)
        view = bp.alt_response(403, schema=ErrorOut, description=(
            "Not an administrator, your own top unit (changed from above), or a read-only token."))(view)
        return bp.response(status, schema)(view)
    return decorate


# --- the endpoints ------------------------------------------------------------------------------

@bp.route("/units", methods=["POST"])
@bp.arguments(NewUnitBody)
@documented(201, AdminUnitOut, "Refused: the fields (a unit above not among the open committees of your "
                               "subtree, a code taken), naming each.", on_unit=False)
def create_unit(body):
    """Create a unit.

    As the new unit page does: under an open committee of your subtree (`parent_id`), from
    `valid_from`. Administrators only."""
    actor = current_actor()
    if not operations.may_manage_units(actor):
        abort(403)
    form = page_form(NewUnitForm, body, parents=new_unit_parents(), root_depth=actor.unit.depth)
    if not form.validate():
        return nothing_recorded(form.errors)
    try:
        unit = operations.create_unit(actor, form.code.data, form.name.data, form.kind.data, form.chosen_parent,
                                      form.decides_admissions.data, form.official_members.data, form.valid_from.data)
    except operations.UnitRefused as refused:
        return _refused_on_field(form, refused)
    return unit, 201


@bp.route("/units/<int:unit_id>", methods=["PUT"])
@bp.arguments(UnitDetailsBody)
@documented(200, UnitChangedOut, "Refused: the fields named (a closed unit: `name`).")
def update_unit(body, unit_id):
    """Change a unit's details.

    As the unit page's form: its name, whether it decides admissions and (a branch) its number
    of official members, all of them sent (left out: no, none), from `effective_date` (default
    today). A new name and a change of who decides are dated: reports of earlier days keep the old."""
    unit = changeable_or_403(unit_id)
    form = page_form(UnitDetailsForm, body)
    if not form.validate():
        return nothing_recorded(form.errors)
    try:
        changes = operations.update_unit(current_actor(), unit, form.name.data, form.decides_admissions.data,
                                         form.official_members.data, form.reason.data or "", form.effective_date.data)
    except operations.UnitRefused as refused:
        return _refused_on_field(form, refused)
    return {"unit": unit, "changed": bool(changes), "changes": changes}


@bp.route("/units/<int:unit_id>/move", methods=["POST"])
@bp.arguments(MoveUnitBody)
@documented(200, AdminUnitOut, "Refused: the fields named (a unit above it may not go under).")
def move_unit(body, unit_id):
    """Move a unit, with everything below it, under another unit.

    As the move page: an open committee of your subtree outside the unit, other than the one it is
    under, from `effective_date`, with a reason."""
    unit = changeable_or_403(unit_id)
    actor = current_actor()
    form = page_form(move_form, body, actor, unit)
    if not form.validate():
        return nothing_recorded(form.errors)
    try:
        operations.move_unit(actor, unit, form.chosen_parent, form.reason.data, form.effective_date.data)
    except operations.UnitRefused as refused:
        return _refused_on_field(form, refused)
    except NotPermitted:
        abort(403)
    return unit


@bp.route("/units/<int:unit_id>/close", methods=["POST"])
@bp.arguments(CloseUnitBody)
@documented(200, AdminUnitOut, "Refused: the fields named, or what keeps the unit open (open units below, "
                               "open cases, active accounts) as reasons.")
def close_unit(body, unit_id):
    """Close a unit: `effective_date` is its last day.

    As the close page: with a reason and `"confirmed": true`; refused while units below it are
    open, cases in it are open or accounts of it are active (the reasons say which)."""
    unit = changeable_or_403(unit_id)
    form = page_form(CloseUnitForm, body)
    if not form.validate():
        return nothing_recorded(form.errors)
    blockers = operations.blockers(unit) if unit.valid_to is None else []
    if blockers:
        return error_response(422, REASONS_REFUSED, reasons=blockers)
    try:
        operations.close_unit(current_actor(), unit, form.effective_date.data, form.reason.data)
    except operations.UnitRefused as refused:
        return _refused_on_field(form, refused)
    return unit


@bp.route("/units/<int:unit_id>/merge", methods=["POST"])
@bp.arguments(MergeBody)
@documented(201, PlanOut, "Refused: the fields named, or the plan's problems as reasons (with the plan).",
            reorganisation=True)
def merge_unit(body, unit_id):
    """Merge a unit (and siblings of its own, `also`) into another unit or a new one.

    As the merge page: the units below, the open cases and the accounts of the units that end go
    to the successor from `effective_date`; the units end the day before. `"confirmed": false`
    (the default) answers the plan as the page previews it (200, nothing written); `true` carries
    it out, all or nothing (201)."""
    unit = changeable_or_403(unit_id)
    actor = current_actor()
    values = {name: value for name, value in body.items() if name not in ("also", "into")}
    data = MultiDict(form_data(values))
    data.setlist("also", [str(sibling_id) for sibling_id in body["also"]])
    new = any(body.get(name) not in (None, False) for name in values if name.startswith("new_"))
    data["into"] = str(body["into"] if body["into"] is not None else NEW if new else 0)
    form = page_form(merge_form, data, actor, unit)
    if not form.validate():
        return nothing_recorded(form.errors)
    return reorganised(form, merge_planner(actor, form), body["confirmed"])


@bp.route("/units/<int:unit_id>/split", methods=["POST"])
@bp.arguments(SplitBody)
@documented(201, PlanOut, "Refused: the fields named (each row as `cases.id=…`), or the plan's problems as "
                          "reasons (with the plan).", reorganisation=True)
def split_unit(body, unit_id):
    """Split a unit among successors, row by row.

    As the split page: each open unit below, open case and active account of the unit goes where
    its row says (an account may be disabled), from `effective_date`; the unit ends the day
    before. Every row is required, as on the page. `"confirmed"` as for a merge."""
    unit = changeable_or_403(unit_id)
    actor = current_actor()
    data = MultiDict(form_data({"effective_date": body["effective_date"], "reason": body.get("reason")}))
    sent = {kind: {row["id"]: row["to"] for row in body[kind + "s"]} for kind in ROW_KINDS}
    rows = split_rows(unit)
    on_page = {kind: {row.id for row in rows[kind]} for kind in ROW_KINDS}
    for kind in ROW_KINDS:
        for row_id in on_page[kind]:
            to = sent[kind].get(row_id, 0)
            data[f"{kind}_{row_id}"] = str(DISABLE if to is None else to)
    form = page_form(unit_split_form, data, actor, unit, rows=rows)
    valid = form.validate()
    errors = {_row_name(name): messages for name, messages in form.errors.items()}
    errors |= {f"{kind}s.id={row_id}": [NOT_A_ROW] for kind in ROW_KINDS
               for row_id in sorted(set(sent[kind]) - on_page[kind])}
    if not valid or errors:
        return nothing_recorded(errors)
    return reorganised(form, split_planner(actor, unit, form), body["confirmed"])


def _row_name(name):
    """A split form's row field ("case_12") as the body names it ("cases.id=12")."""
    kind, _sep, row_id = name.partition("_")
    return f"{kind}s.id={row_id}" if kind in ROW_KINDS and row_id.isdigit() else name
