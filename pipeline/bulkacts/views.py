"""Bulk acts: the grassroots committee reviews, and the deciding unit decides, several cases of
a unit at once (the workflow acts record_committee_review and record_decision on each), all or
nothing with a per-row report, as the ceremony day does for ceremonies. A refusal stays one by
one (it needs its own reason)."""
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from pipeline.base import clock
from pipeline.base.errors import CaseChanged
from pipeline.bulkacts.forms import MAX_ROWS, CommitteeReviewBulkForm, DecisionBulkForm
from pipeline.cases.models import Case
from pipeline.cases.ordering import by_name
from pipeline.extensions import db
from pipeline.units.models import Unit, subtree_filter
from pipeline.web.scope import current_actor, unit_or_404
from pipeline.workflow import definition, operations
from pipeline.workflow.bulk import BulkRefused, apply_rows
from pipeline.workflow.stages import stage_label

bp = Blueprint("bulk_acts", __name__, url_prefix="/bulk")


@dataclass(frozen=True)
class BulkAct:
    act: str
    endpoint: str
    form: type
    template: str

    @property
    def workflow_act(self):
        return definition.ACT_BY_NAME[self.act]

    @property
    def stage(self):
        return self.workflow_act.sources[0]


REVIEW = BulkAct("record_committee_review", "bulk_acts.committee_review", CommitteeReviewBulkForm,
                 "bulkacts/committee_review.html")
DECISION = BulkAct("record_decision", "bulk_acts.decision", DecisionBulkForm, "bulkacts/decision.html")


def waiting(unit, stage):
    """The unit's cases waiting in `stage`, by name, with their branch (one statement); at most
    MAX_ROWS, and whether there are more."""
    cases = db.session.execute(
        select(Case).join(Case.branch).options(contains_eager(Case.branch))
        .where(subtree_filter(unit), Case.stage == stage).order_by(*by_name()).limit(MAX_ROWS + 1)
    ).scalars().all()
    return cases[:MAX_ROWS], len(cases) > MAX_ROWS


def deciding_units(unit, cases):
    """The units that may issue decisions for the cases listed and that the user acts for: the
    unit's ancestors and those above the cases' branches with the power to decide admissions,
    inside the user's subtree (each row is judged against its own branch when recorded)."""
    ancestor_ids = {int(part) for branch_path in [unit.path] + [case.branch.path for case in cases]
                    for part in branch_path.strip("/").split("/")}
    return db.session.execute(
        select(Unit).where(Unit.id.in_(sorted(ancestor_ids)), Unit.decides_admissions.is_(True),
                           subtree_filter(current_actor().unit)).order_by(Unit.depth, Unit.name)
    ).scalars().all()


def may_record(bulk):
    """Whether the user's role may record the act (role_may judges the role alone)."""
    return operations.role_may(current_actor(), bulk.workflow_act, None)


def bulk_unit(bulk, unit_id):
    """The unit a bulk act is recorded in (the page's, the API's): first, one outside the user's
    scope is a 404 whatever the role; then a role that may not record the act is a 403."""
    unit = unit_or_404(unit_id)
    if not may_record(bulk):
        abort(403)
    return unit


def _form(bulk, unit, cases):
    kwargs = {"deciding_units": deciding_units(unit, cases)} if bulk is DECISION else {}
    if request.method == "GET":
        kwargs["data"] = {"effective_date": clock.today(), "rows": [{"case_id": case.id} for case in cases]}
    return bulk.form(**kwargs)


def _page(bulk, unit_id):
    unit = bulk_unit(bulk, unit_id)
    cases, more = waiting(unit, bulk.stage)
    form = _form(bulk, unit, cases)
    refusals, accepted = [], 0
    if form.validate_on_submit():
        rows = form.bulk_rows()
        names = {case.id: case.full_name for case in cases}  # read before the commit expires them
        try:
            apply_rows(current_actor(), bulk.act, rows, form.effective_date.data, unit=unit)
        except BulkRefused as refused:
            refusals, accepted = refused.refusals, refused.accepted
        except CaseChanged as changed:
            flash(str(changed.reasons[0]), "warning")
        else:
            _summary(bulk, rows, names)
            return redirect(url_for("cases.list_cases", unit=unit.id, stage=bulk.workflow_act.dest))
    by_id = {case.id: case for case in cases}
    # The rows whose vote fails: their confirmation is asked for, beside the row.
    failing = {r.case_id for r in refusals if r.vote_fails}
    status = 422 if request.method == "POST" else 200
    return render_template(bulk.template, unit=unit, form=form, by_id=by_id, more=more, refusals=refusals,
                           accepted=accepted, failing=failing, act=bulk.workflow_act, bulk=bulk), status


def _summary(bulk, rows, names):
    """What was recorded, by outcome, naming the candidates (the page escapes them)."""
    act = bulk.workflow_act
    recorded = [row for row in rows if row.to_stage]  # a case ticked twice by hand is recorded once
    moved = [row for row in recorded if row.to_stage == act.dest]
    failed = [row for row in recorded if row.to_stage != act.dest]
    if moved:
        flash(ngettext("%(num)d candidate is now “%(stage)s”: %(names)s.",
                       "%(num)d candidates are now “%(stage)s”: %(names)s.", len(moved),
                       stage=stage_label(act.dest), names=_names(bulk, moved, names)), "success")
    if failed:
        flash(ngettext("%(num)d vote did not pass, recorded as confirmed; the case is now “%(stage)s”: %(names)s.",
                       "%(num)d votes did not pass, recorded as confirmed; the cases are now “%(stage)s”: %(names)s.",
                       len(failed), stage=stage_label(act.fail_dest), names=_names(bulk, failed, names)), "warning")


def _names(bulk, rows, names):
    if bulk is DECISION:
        return ", ".join(_("%(name)s (decision %(number)s)", name=names.get(row.case_id, ""),
                           number=row.recorded["decision_number"]) for row in rows)
    return ", ".join(names.get(row.case_id, "") for row in rows)


@bp.route("/<int:unit_id>/committee-review", methods=["GET", "POST"])
@login_required
def committee_review(unit_id):
    return _page(REVIEW, unit_id)


@bp.route("/<int:unit_id>/decision", methods=["GET", "POST"])
@login_required
def decision(unit_id):
    return _page(DECISION, unit_id)


BY_STAGE = {bulk.stage: bulk for bulk in (REVIEW, DECISION)}


def bulk_page_for(stage):
    """The address of the bulk page for the cases waiting in `stage` in the user's whole unit,
    when there is one and the user's role may record its act; else None (the case page and the
    list link to it)."""
    bulk = BY_STAGE.get(stage)
    if bulk is None or not current_user.is_authenticated or not may_record(bulk):
        return None
    return url_for(bulk.endpoint, unit_id=current_actor().unit_id)


@bp.app_context_processor
def bulk_links():
    return {"bulk_page_for": bulk_page_for}
