"""The page that voids an act entered by mistake (pipeline.workflow.voiding): what the act said,
where voiding it leaves the case, or why it cannot be voided; a reason and a confirmation."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length

from pipeline.base import clock
from pipeline.base.errors import ActBlocked, CaseChanged, CaseNotFound, NotPermitted
from pipeline.base.forms import VersionedForm, required
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.base.validators import nfc, plain_text
from pipeline.cases.timeline import timeline
from pipeline.cases.views import bp
from pipeline.readlog.models import ACT_FORM
from pipeline.readlog.reads import read_of
from pipeline.web.scope import case_or_404, current_actor
from pipeline.workflow.definition import VOID
from pipeline.workflow.log import load_log
from pipeline.workflow.stages import stage_label
from pipeline.workflow.voiding import plan_void, void_act, void_period

MAX_SEQ = 1_000_000  # far above any case's log; keeps the address's number inside the column


class VoidForm(VersionedForm):
    reason = TextAreaField(_l("Why it is voided"), filters=[nfc], validators=[required(), Length(max=1000), plain_text],
                           render_kw={"maxlength": 1000})
    confirmed = BooleanField(_l("I confirm: void this act"), validators=[required()])


@bp.route("/<int:case_id>/void/<int:seq>", methods=["GET", "POST"])
@login_required
@read_of(ACT_FORM)
def void(case_id, seq):
    user = current_actor()
    if user.role not in VOID.roles:
        abort(403)
    case = case_or_404(case_id)
    if seq > MAX_SEQ:
        abort(404)
    log = load_log(case.id)
    plan = plan_void(case, log, seq, user, clock.today())
    if plan.target is None:
        abort(404)
    form = VoidForm(data={"version": case.version} if request.method == "GET" else None)
    refused = []
    if not plan.reasons and form.validate_on_submit():
        try:
            entry = void_act(case.id, user, seq, form.reason.data, form.expected_version())
        except CaseChanged as changed:
            flash(str(changed.reasons[0]), "warning")
            return redirect(url_for(".show_case", case_id=case.id))
        except (CaseNotFound, NotPermitted):
            abort(404)
        except ActBlocked as blocked:
            refused = blocked.reasons
        else:
            flash(_("Act no. %(seq)d was voided. The case is now “%(stage)s”.", seq=seq,
                    stage=str(stage_label(entry.to_stage))), "success")
            return redirect(url_for(".show_case", case_id=case.id, _anchor=f"entry-{seq}"))
    shown = next(entry for entry in timeline(log) if entry.row.seq == seq)
    days, citation = void_period(clock.today())
    status = 422 if request.method == "POST" else 200
    return render_template("cases/void.html", case=case, form=form, plan=plan, shown=shown, refused=refused,
                           days=days, citation=citation), status
