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
from pipeline.workflow.bulk import BulkRefused, apply_to_many
from pipeline.base.errors import CaseChanged
from pipeline.web.scope import branch_or_404, current_actor

bp = Blueprint("ceremonies", __name__, url_prefix="/ceremony-day")


def _waiting(branch):
    """The branch's cases waiting for their ceremony, by name."""
    return db.session.execute(
        select(Case).join(Case.branch).options(contains_eager(Case.branch))
        .where(Case.branch_id == branch.id, Case.stage == "ceremony")
        .order_by(*by_name())
    ).scalars().all()


@bp.route("/<int:unit_id>", methods=["GET", "POST"])
@login_required
def ceremony_day(unit_id):
    branch = branch_or_404(unit_id)  # first: a branch outside the scope is a 404 whatever the role
    if current_actor().role not in definition.ACT_BY_NAME["hold_ceremony"].roles:
        abort(403)
    form = CeremonyDayForm()
    refusals, accepted = [], 0
    if form.validate_on_submit():
        try:
            rows = apply_to_many(current_actor(), "hold_ceremony", form.case_ids.data, form.effective_date.data,
                                 {"place": form.place.data.strip()}, branch=branch)
        except BulkRefused as refused:
            refusals, accepted = refused.refusals, refused.accepted
        except CaseChanged as changed:
            flash(str(changed.reasons[0]), "warning")
        else:
            flash(ngettext("Ceremony recorded for %(num)d candidate.", "Ceremony recorded for %(num)d candidates.",
                           len(rows)), "success")
            return redirect(url_for("cases.list_cases", unit=branch.id, stage="probation"))
    status = 422 if request.method == "POST" else 200
    return render_template("ceremonies/day.html", branch=branch, form=form, waiting=_waiting(branch),
                           chosen=set(form.case_ids.data or ()), refusals=refusals, accepted=accepted), status
