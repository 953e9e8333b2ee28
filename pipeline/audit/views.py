"""The audit pages (pipeline.audit.access says who may open them): the log of the user's subtree,
one case's rows with their hashes, the chain walk, the anomaly checks; and the correction form,
which is an act (any role that acts on cases, in its scope)."""
from itertools import islice

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from pipeline.base import clock
from pipeline.audit.access import auditor_required, may_audit
from pipeline.audit.anomalies import ANOMALY_COLUMNS, CHECK_LABELS, CHECKS, anomaly_rows, run_check
from pipeline.audit.corrections import correctable, corrections_by_seq, may_correct, record_correction
from pipeline.audit.forms import CorrectionForm, LogFilterForm
from pipeline.audit.head import case_head, unit_head
from pipeline.audit.log_query import (LOG_COLUMNS, LogFilters, LogPagination, count_statement, act_label,
                                      flag_rows, late_entry_days, log_rows, log_statement)
from pipeline.audit.scope import users_acting_in
from pipeline.audit.replayed import account_differences, case_differences, unit_codes, unit_differences, usernames
from pipeline.audit.verify import case_names, check_case, verify
from pipeline.cases.timeline import ACT_LABELS
from pipeline.exports import export_response, form_filters
from pipeline.readlog.models import AUDIT_CASE
from pipeline.readlog.reads import read_of, recorded_export
from pipeline.extensions import db
from pipeline.quotas.access import requested_unit
from pipeline.web.scope import case_or_404, current_actor
from pipeline.web.params import page_arg
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.base.errors import ActBlocked, CaseChanged
from pipeline.workflow.log import load_log

bp = Blueprint("audit", __name__, url_prefix="/audit")

MAX_PER_PAGE = 200
ANOMALIES_SHOWN = 100  # per check on the page; the export has them all


@bp.context_processor
def audit_helpers():
    return {"act_label": act_label}


@bp.app_template_global()
def unit_chain_head(unit):
    """For the printed reports: one statement, the heads the acts keep (pipeline.audit.head.unit_head)."""
    return unit_head(unit, from_snapshots=True)


@bp.app_template_global()
def may_record_correction():
    return may_correct(current_actor())


@bp.get("/")
@auditor_required
def log():
    user = current_actor()
    users = users_acting_in(user.unit)
    form = LogFilterForm(request.args, users, list(ACT_LABELS))
    form.validate()
    actor_id, act, date_from, date_to, basis = form.clean({u.id for u in users}, ACT_LABELS)
    picked = form.pick(user.unit)
    root = picked.unit or user.unit
    filters = LogFilters(root, actor_id, act, date_from, date_to, basis)
    late_days = late_entry_days()
    statement = log_statement(filters, late_days)
    if request.args.get("format"):  # ?format=xlsx|csv: every row the filters select
        return recorded_export(export_response(request.args["format"], _("Audit log %(unit)s", unit=root.name),
                                               LOG_COLUMNS, log_rows(statement), unit=root,
                                               about=[form_filters(form, skip=("unit", "unit_name"))], sheet=_("Audit log")),
                               request.args["format"], statement, unit=root)
    per_page = request.args.get("per_page", current_app.config["CANDIDATES_PER_PAGE"], type=int)
    page = LogPagination(select=statement, count_select=count_statement(filters), session=db.session,
                         page=page_arg(), per_page=per_page, max_per_page=MAX_PER_PAGE)
    # Any filter set: an empty page then offers to clear them rather than saying nothing happened.
    filtered = any(request.args.get(name) for name in ("unit", "unit_name", "user", "event", "from", "to"))
    return render_template("audit/log.html", page=page, form=form, picked=picked, root=root, late_days=late_days,
                           head=unit_head(root), filtered=filtered)


@bp.get("/cases/<int:case_id>")
@auditor_required
@read_of(AUDIT_CASE)
def case_log(case_id):
    case = case_or_404(case_id)
    log = load_log(case.id)
    late_days = late_entry_days()
    return render_template("audit/case.html", case=case, rows=flag_rows(log, late_days), late_days=late_days,
                           broken=check_case(log, case.stage), head=case_head(log),
                           corrections=corrections_by_seq(log), may_correct=may_correct(current_actor()))


@bp.route("/cases/<int:case_id>/correct", methods=["GET", "POST"])
@login_required
def correct(case_id):
    user = current_actor()
    if not may_correct(user):
        abort(403)
    case = case_or_404(case_id)
    acts = correctable(load_log(case.id))
    kwargs = {}
    if request.method == "GET":
        kwargs = dict(version=case.version, effective_date=clock.today(),
                      corrects_seq=request.args.get("seq", type=int))
    form = CorrectionForm(acts=acts, **kwargs)
    refused = []
    if form.validate_on_submit():
        try:
            row = record_correction(case.id, user, form.corrects_seq.data, form.what.data, form.corrected_value.data,
                                    form.reason.data, form.effective_date.data,
                                    expected_version=form.expected_version())
        except CaseChanged as changed:
            flash(str(changed.reasons[0]), "warning")
            return redirect(url_for(".correct", case_id=case.id))
        except ActBlocked as blocked:
            refused = blocked.reasons
        else:
            flash(_("Correction of act no. %(seq)d recorded. The act itself is kept as it was written.",
                    seq=row.data["corrects_seq"]), "success")
            if may_audit(user):
                return redirect(url_for(".case_log", case_id=case.id, _anchor=f"act-{row.seq}"))
            return redirect(url_for("cases.show_case", case_id=case.id))
    status = 422 if request.method == "POST" else 200
    return render_template("audit/correct.html", case=case, form=form, refused=refused), status


@bp.get("/verify")
@auditor_required
def verify_chains():
    root = requested_unit()
    report = verify(root)
    cases_replayed, case_found = case_differences(root)
    accounts_checked, account_found = account_differences(root)
    units_checked, unit_found = unit_differences(root)
    names = case_names([b.case_id for b in report.breaks] + [d.subject for d in case_found])
    return render_template("audit/verify.html", root=root, report=report, names=names, head=unit_head(root),
                           cases_replayed=cases_replayed, case_differences=case_found,
                           accounts_checked=accounts_checked, account_differences=account_found,
                           account_names=usernames([d.subject for d in account_found]),
                           units_checked=units_checked, unit_differences=unit_found,
                           unit_codes=unit_codes([d.subject for d in unit_found]))


@bp.get("/anomalies")
@auditor_required
def anomalies():
    root = requested_unit()
    calendar = WorkingCalendar.load()
    late_days = late_entry_days()
    if request.args.get("format"):
        return recorded_export(export_response(request.args["format"], _("Anomalies %(unit)s", unit=root.name),
                                               ANOMALY_COLUMNS, anomaly_rows(root, calendar, late_days), unit=root,
                                               sheet=_("Anomalies")),
                               request.args["format"], unit=root)
    sections = []
    for check in CHECKS:
        found = run_check(check, root, calendar, late_days)
        shown = list(islice(found, ANOMALIES_SHOWN))
        sections.append((check, CHECK_LABELS[check], shown, len(shown) + sum(1 for _row in found)))
    return render_template("audit/anomalies.html", root=root, sections=sections, late_days=late_days,
                           shown_max=ANOMALIES_SHOWN)
