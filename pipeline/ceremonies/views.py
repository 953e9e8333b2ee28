"""A ceremony day: the branch records one admission ceremony for several candidates at once
(the workflow act hold_ceremony on each), all or nothing."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from pipeline.cases.models import Case
from pipeline.cases.ordering import by_name
from pipeline.ceremonies.forms import CeremonyDayForm
from pipeline.extensions import db
from pipeline.workflow import definition
from pipeline.workflow.bulk import BulkRefused, BulkRow, apply_rows
from pipeline.base.errors import CaseChanged
from pipeline.web.scope import branch_or_404, current_actor

bp = Blueprint("ceremonies", __name__, url_prefix="/ceremony-day")
ACT = definition.ACT_BY_NAME["hold_ceremony"]


def _waiting(branch):
    """The branch's cases waiting for their ceremony, by name."""
    return db.session.execute(
        select(Case).join(Case.branch).options(contains_eager(Case.branch))
        .where(Case.branch_id == branch.id, Case.stage == "ceremony")
        .order_by(*by_name())
    ).scalars().all()


def ceremony_branch(unit_id):
    """The branch of a ceremony day (the page's, the API's): first, one outside the user's scope
    is a 404 whatever the role; then a role that may not hold a ceremony is a 403."""
    branch = branch_or_404(unit_id)
    if current_actor().role not in ACT.roles:
        abort(403)
    return branch


def hold_ceremonies(branch, form, versions=None):
    """The form's ceremony for each chosen candidate of `branch`, all or nothing: the rows, each
    with the stage its case reached. `versions`: case id -> the version the user read (the
    API's). Raises BulkRefused or CaseChanged."""
    versions = versions or {}
    rows = [BulkRow(case_id, {"place": form.place.data.strip()}, expected_version=versions.get(case_id))
            for case_id in form.case_ids.data]
    apply_rows(current_actor(), ACT.name, rows, form.effective_date.data, unit=branch)
    return rows


@bp.route("/<int:unit_id>", methods=["GET", "POST"])
@login_required
def ceremony_day(unit_id):
    branch = ceremony_branch(unit_id)
    form = CeremonyDayForm()
    refusals, accepted = [], 0
    if form.validate_on_submit():
        try:
            rows = hold_ceremonies(branch, form)
        except BulkRefused as refused:
            refusals, accepted = refused.refusals, refused.accepted
        except CaseChanged as changed:
            flash(str(changed.reasons[0]), "warning")
        else:
            recorded = sum(1 for row in rows if row.to_stage)  # a case chosen twice is recorded once
            flash(ngettext("Ceremony recorded for %(num)d candidate.", "Ceremony recorded for %(num)d candidates.",
                           recorded), "success")
            return redirect(url_for("cases.list_cases", unit=branch.id, stage="probation"))
    status = 422 if request.method == "POST" else 200
    return render_template("ceremonies/day.html", branch=branch, form=form, waiting=_waiting(branch),
                           chosen=set(form.case_ids.data or ()), refusals=refusals, accepted=accepted), status
