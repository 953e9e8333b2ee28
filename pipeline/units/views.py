"""The unit pages, for administrators: /admin/units. An administrator sees the tree of their own
subtree and changes the units below their own unit (creating, renaming, changing details, moving,
closing; merging into another unit and splitting among others, previewed first). A unit outside
the user's subtree is 404, like every page outside a scope; inside it, anyone who may not change
it gets 403. Views parse a form, call one operation (which commits),
flash and redirect."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from pipeline.accounts.models import User
from pipeline.base import clock
from pipeline.base.errors import NotPermitted
from pipeline.base.formatting import format_day
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units import operations
from pipeline.units.admin_forms import CloseUnitForm, MoveUnitForm, NewUnitForm, UnitDetailsForm
from pipeline.units.models import BRANCH_KINDS, UNIT_KINDS, Unit, UnitChange, subtree_filter
from pipeline.units.reorganise import carry_out, plan_merge, plan_split
from pipeline.units.reorganise_forms import (MERGE_FIELDS, NEW, MergeForm, committees_offered, fingerprint,
                                             siblings_offered, split_form, split_rows, subtree_units,
                                             successors_offered)
from pipeline.units.tree import units_in_tree_order
from pipeline.web.params import id_arg
from pipeline.web.scope import current_actor

bp = Blueprint("units", __name__, url_prefix="/admin/units")


@bp.before_request
@login_required
def logged_in():
    """Every page needs a login; each view then decides 404 (outside) or 403 (not an administrator)."""


def managed_unit_or_404(unit_id):
    """A unit of the user's subtree; 403 when the user is no administrator (404 outside, whoever asks)."""
    unit = db.session.execute(select(Unit).where(Unit.id == unit_id, subtree_filter(current_actor().unit))
                              ).scalar_one_or_none()
    if unit is None:
        abort(404)  # not there and not yours look the same
    if not operations.may_manage_units(current_actor()):
        abort(403)
    return unit


def changeable_or_403(unit_id):
    """A unit the administrator may change: below their own unit (404 outside, 403 not an administrator)."""
    unit = managed_unit_or_404(unit_id)
    if not operations.may_change(current_actor(), unit):
        abort(403)  # the administrator's own top unit: changed from above
    return unit


def new_unit_parents():
    """The open committees of the administrator's subtree, in tree order: where a new unit may go."""
    return [u for u in units_in_tree_order(current_actor().unit) if u.valid_to is None and not u.is_branch]


def root_depth():
    return current_actor().unit.depth


def open_case_counts(units, root):
    """unit id -> open cases in the unit's subtree, for every unit of `units` (all inside `root`'s
    subtree): one statement, the counts per branch and their paths, added up along each path."""
    ids = {u.id for u in units}
    per_branch = db.session.execute(
        select(Unit.path, func.count()).join(Case, Case.branch_id == Unit.id)
        .where(subtree_filter(root), Case.stage.not_in(operations.CLOSED_STAGES))
        .group_by(Unit.id, Unit.path)).all()
    counts = dict.fromkeys(ids, 0)
    for path, count in per_branch:
        for ancestor in path.strip("/").split("/"):
            if int(ancestor) in counts:
                counts[int(ancestor)] += count
    return counts


@bp.get("/")
def list_units():
    if not operations.may_manage_units(current_actor()):
        abort(403)
    units = units_in_tree_order(current_actor().unit)
    return render_template("units/units.html", units=units, counts=open_case_counts(units, current_actor().unit),
                           root_depth=root_depth())


@bp.route("/new", methods=["GET", "POST"])
def new_unit():
    preselected = None
    if request.args.get("parent"):
        preselected = managed_unit_or_404(id_arg("parent") or 0)  # bounded: no id beyond the column's
    if not operations.may_manage_units(current_actor()):
        abort(403)
    parents = new_unit_parents()
    data = {"valid_from": clock.today()}
    if preselected is not None and any(u.id == preselected.id for u in parents):
        data["parent_id"] = preselected.id
    form = NewUnitForm(data=data if request.method == "GET" else None, parents=parents, root_depth=root_depth())
    if form.validate_on_submit():
        try:
            unit = operations.create_unit(current_actor(), form.code.data, form.name.data, form.kind.data,
                                          form.chosen_parent, form.decides_admissions.data,
                                          form.official_members.data, form.valid_from.data)
        except operations.UnitRefused as refused:
            refused_beside(form, refused, fallback="valid_from")
        else:
            flash(_("Unit created: %(name)s.", name=unit.name), "success")
            return redirect(url_for(".show_unit", unit_id=unit.id))
    status = 422 if request.method == "POST" else 200
    return render_template("units/unit_new.html", form=form, preselected=preselected), status


def _history(unit):
    rows = db.session.execute(select(UnitChange).where(UnitChange.unit_id == unit.id)
                              .order_by(UnitChange.id.desc())).scalars().all()
    unit_ids = {v for row in rows for v in (row.changes or {}).get("parent_id", ()) if v is not None}
    # A merge or a split names the units that succeeded it.
    unit_ids |= {v for row in rows for new in (row.changes or {}).get("successor_ids", ())[1:] for v in new or ()}
    actor_ids = {row.actor_id for row in rows if row.actor_id is not None}
    units = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()) if unit_ids else {}
    actors = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(actor_ids))).all()) \
        if actor_ids else {}
    return rows, units, actors


def _unit_page(unit, details=None, code=200):
    if details is None:
        details = UnitDetailsForm(formdata=None, data={"name": unit.name, "decides_admissions": unit.decides_admissions,
                                                       "official_members": unit.official_members,
                                                       "effective_date": clock.today()})
    history, history_units, actors = _history(unit)
    children = db.session.execute(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.name)).scalars().all()
    counts = open_case_counts([unit], unit)
    return render_template("units/unit.html", unit=unit, details=details, history=history,
                           history_units=history_units, actors=actors, children=children,
                           open_cases=counts.get(unit.id, 0), may_change=operations.may_change(current_actor(), unit),
                           kinds=UNIT_KINDS, branch_kinds=BRANCH_KINDS), code


@bp.get("/<int:unit_id>")
def show_unit(unit_id):
    return _unit_page(managed_unit_or_404(unit_id))


@bp.post("/<int:unit_id>")
def edit_unit(unit_id):
    unit = changeable_or_403(unit_id)
    form = UnitDetailsForm()
    if form.validate_on_submit():
        try:
            changes = operations.update_unit(current_actor(), unit, form.name.data, form.decides_admissions.data,
                                             form.official_members.data, form.reason.data or "",
                                             form.effective_date.data)
        except operations.UnitRefused as refused:
            refused_beside(form, refused)
        else:
            flash(_("Saved: %(name)s.", name=unit.name) if changes else _("Nothing was changed."),
                  "success" if changes else "info")
            return redirect(url_for(".show_unit", unit_id=unit.id))
    return _unit_page(unit, details=form, code=422)


def move_form(actor, unit, **kwargs):
    """The form of moving `unit`: its choices the units it may move under, in tree order."""
    eligible = {u.id for u in operations.eligible_parents(actor, unit)}
    ordered = [u for u in units_in_tree_order(actor.unit) if u.id in eligible]
    return MoveUnitForm(parents=ordered, root_depth=actor.unit.depth, **kwargs)


def refused_beside(form, refused, fallback="effective_date"):
    """An operation's refusal beside its field, or beside `fallback` when the form has none of that
    name (moving a closed unit is refused on its name, which the move form does not show)."""
    form[refused.field if refused.field in form else fallback].errors.append(refused.reason)


@bp.route("/<int:unit_id>/move", methods=["GET", "POST"])
def move_unit(unit_id):
    unit = changeable_or_403(unit_id)
    form = move_form(current_actor(), unit, data={"effective_date": clock.today()} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            operations.move_unit(current_actor(), unit, form.chosen_parent, form.reason.data,
                                 form.effective_date.data)
        except operations.UnitRefused as refused:
            refused_beside(form, refused)
        except NotPermitted:
            abort(403)
        else:
            flash(_("Moved: %(name)s is now under %(parent)s.", name=unit.name, parent=unit.parent.name), "success")
            return redirect(url_for(".show_unit", unit_id=unit.id))
    status = 422 if request.method == "POST" else 200
    return render_template("units/move.html", unit=unit, form=form), status


@bp.route("/<int:unit_id>/close", methods=["GET", "POST"])
def close_unit(unit_id):
    unit = changeable_or_403(unit_id)
    form = CloseUnitForm(data={"effective_date": clock.today()} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            operations.close_unit(current_actor(), unit, form.effective_date.data, form.reason.data)
        except operations.UnitRefused as refused:
            refused_beside(form, refused)
        else:
            flash(_("Closed: %(name)s, its last day %(day)s.", name=unit.name,
                    day=unit.valid_to.strftime("%d/%m/%Y")), "success")
            return redirect(url_for(".show_unit", unit_id=unit.id))
    status = 422 if request.method == "POST" else 200
    blockers = operations.blockers(unit) if unit.valid_to is None else []
    return render_template("units/close.html", unit=unit, form=form, blockers=blockers), status


# --- reorganising: a merge, a split (pipeline.units.reorganise) --------------------------------

def _reorganisation(unit, form, planner, template, done, **context):
    """GET: the form. A valid POST previews the plan (nothing written); one with the box ticked
    and the very values previewed (their fingerprint) carries it out, all or nothing, and goes
    where `done(plan)` says. Refusals write nothing and say why."""
    plan, refused, changed = None, [], False
    status = 200 if request.method == "GET" else 422
    if form.validate_on_submit():
        seen = fingerprint(unit.id, request.form.items(multi=True))
        changed = bool(form.confirmed.data) and form.previewed.data != seen
        plan, carried, refusal = preview_or_carry_out(current_actor(), form, planner,
                                                      bool(form.confirmed.data) and not changed)
        if carried:
            return redirect(done(plan))
        if refusal is not None:
            refused = refusal_shown(form, refusal, plan)
        form.previewed.data = seen
        form.confirmed.data = False  # each carrying out is confirmed on the preview it follows
        status = 422 if plan.problems or refusal is not None else 200
    return render_template(template, unit=unit, form=form, plan=plan, refused=refused, changed=changed,
                           **context), status


def preview_or_carry_out(actor, form, planner, carry):
    """A valid reorganisation form's plan, carried out when `carry` and nothing stands in its way:
    (plan, carried, refusal). Not carried out: nothing was written, and `refusal` is the
    UnitRefused met while carrying it out (all rolled back; the plan is then what stands in the
    way now), else None. A user who may not: 403."""
    try:
        plan = planner()
        if not carry or plan.problems:
            return plan, False, None
        return carry_out(actor, planner, form.reason.data or ""), True, None
    except NotPermitted:
        abort(403)
    except operations.UnitRefused as refusal:
        return planner(), False, refusal


def refusal_shown(form, refusal, plan):
    """A refusal at the moment of carrying out: beside its field when the form has one for it (the
    new unit's code, taken meanwhile), else the plan's problems, or the refusal itself."""
    name = MERGE_FIELDS.get(refusal.field)
    if name in form and name != "effective_date":
        form[name].errors.append(refusal.reason)
        return []
    return plan.problems or [refusal.reason]


def merge_form(actor, unit, **kwargs):
    """The form of merging `unit` (with siblings of its own) into another unit or a new one."""
    return MergeForm(unit=unit, siblings=siblings_offered(unit), targets=successors_offered(actor, unit),
                     known=subtree_units(actor), parents=committees_offered(actor), root_depth=actor.unit.depth,
                     **kwargs)


def merge_planner(actor, form):
    return lambda: plan_merge(actor, form.ending, form.successor, form.effective_date.data, form.accounts.data)


def merged_into(form):
    """The unit a merge carried out went into: the one chosen, or the new unit it made."""
    if form.into.data != NEW:
        return form.successor
    return db.session.execute(select(Unit).where(Unit.code == form.new_code.data)).scalar_one()


def unit_split_form(actor, unit, rows=None, **kwargs):
    """The form of splitting `unit`: a select per open unit below, open case and active account
    (`rows`: split_rows(unit), read already)."""
    return split_form(split_rows(unit) if rows is None else rows, successors_offered(actor, unit), actor.unit.depth,
                      **kwargs)


def split_planner(actor, unit, form):
    return lambda: plan_split(actor, unit, form.successor_of(), form.effective_date.data, form.account_choices())


@bp.route("/<int:unit_id>/merge", methods=["GET", "POST"])
def merge_unit(unit_id):
    unit = changeable_or_403(unit_id)
    actor = current_actor()
    defaults = {"effective_date": clock.today(), "accounts": "move", "new_kind": unit.kind,
                "new_parent_id": unit.parent_id, "new_decides_admissions": unit.decides_admissions}
    form = merge_form(actor, unit, data=defaults if request.method == "GET" else None)

    def done(plan):
        successor = merged_into(form)
        flash(_("Merged into %(unit)s from %(day)s: %(units)s ended on %(last_day)s.", unit=successor.name,
                day=format_day(plan.effective_date), units=", ".join(u.name for u in plan.ending),
                last_day=format_day(plan.last_day)), "success")
        return url_for(".show_unit", unit_id=successor.id)

    return _reorganisation(unit, form, merge_planner(actor, form), "units/merge.html", done,
                           siblings=list(form.siblings.values()), chosen=set(form.also.data or ()))


@bp.route("/<int:unit_id>/split", methods=["GET", "POST"])
def split_unit(unit_id):
    unit = changeable_or_403(unit_id)
    actor = current_actor()
    form = unit_split_form(actor, unit, data={"effective_date": clock.today()} if request.method == "GET" else None)

    def done(plan):
        flash(_("Split from %(day)s: %(unit)s ended on %(last_day)s.", day=format_day(plan.effective_date),
                unit=unit.name, last_day=format_day(plan.last_day)), "success")
        return url_for(".show_unit", unit_id=unit.id)

    return _reorganisation(unit, form, split_planner(actor, unit, form), "units/split.html", done)
