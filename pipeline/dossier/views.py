"""The dossier page of a case: its checklist, a form per item, and the scans. Scoped like the
case page: outside the user's subtree everything is a 404."""
import re
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_date, gettext as _
from flask_login import login_required

from pipeline.base import clock
from pipeline.base.text import fold
from pipeline.dossier import operations as dossier_ops
from pipeline.base.errors import ActBlocked, CaseChanged
from pipeline.dossier.forms import form_class_for, human_size
from pipeline.readlog.models import DOSSIER_ITEM, DOSSIER_PAGE, SCAN_FILE
from pipeline.readlog.reads import read_of
from pipeline.workflow.checklist import (VERIFICATION_RESULTS, checklist_for, line_for, missing_for, phases_for,
                                         stale_reasons)
from pipeline.workflow.definition import act_needing_documents
from pipeline.workflow.operations import current_state
from pipeline.workflow.stages import stage_label
from pipeline.web.scope import case_or_404, current_actor

bp = Blueprint("dossier", __name__, url_prefix="/candidates")

ACT = dossier_ops.ACT
NOT_IN_ANCHOR = re.compile(r"[^a-z0-9]+")


def item_anchor(key):
    """The id of an item's line on the dossier page ("3-KNĐ:2" -> "item-3-knd-2"): saving the item
    comes back to it, so a secretary on a phone keeps their place in the list."""
    return "item-" + NOT_IN_ANCHOR.sub("-", fold(key)).strip("-")


def _back_to(case_id, key):
    # By its id: the case row, expired by the act's commit, is not read again for the address.
    return redirect(url_for(".show_dossier", case_id=case_id, _anchor=item_anchor(key)))


def _may_record(case):
    return current_actor().role in ACT.roles and case.stage in ACT.sources


def lines_today(case):
    """The case's checklist today, from its state (its snapshot, or its log replayed)."""
    return checklist_for(case, current_state(case), clock.today())


@bp.get("/<int:case_id>/dossier")
@login_required
@read_of(DOSSIER_PAGE)
def show_dossier(case_id):
    case = case_or_404(case_id, with_state=True)
    lines = lines_today(case)
    # What the next act of the stage still needs (the same sentences its guard gives).
    next_act = act_needing_documents(case.stage)
    blocking = missing_for(lines, next_act.name, clock.today()) if next_act else []
    return render_template("dossier/dossier.html", case=case, lines=lines, blocking=blocking,
                           stale=stale_reasons(lines), may_record=_may_record(case),
                           may_be_recorded_by_role=current_actor().role in ACT.roles)


def item_for(case_id, key, for_update=False):
    """The case (of the user's scope) and its checklist line `key`, for recording the item: 404
    when either is not there, 403 for a role that records no document (the page and the API)."""
    case = case_or_404(case_id, with_state=True, for_update=for_update)
    line = line_for(lines_today(case), key)
    if line is None:
        abort(404)
    if current_actor().role not in ACT.roles:
        abort(403)
    return case, line


@bp.route("/<int:case_id>/dossier/<key>", methods=["GET", "POST"])
@login_required
@read_of(DOSSIER_ITEM)
def edit_item(case_id, key):
    # A POST records the item: the case is read locked, and the act does not read it again.
    case, line = item_for(case_id, key, for_update=request.method == "POST")
    if case.stage not in ACT.sources:
        flash(_("The dossier of a case in the stage “%(stage)s” can no longer be changed.",
                stage=stage_label(case.stage)), "warning")
        return redirect(url_for(".show_dossier", case_id=case.id))
    # The scan is checked against its own limit by the form; anything much bigger was cut off
    # before the body was read (413, pipeline/web/inbound.py: the limit follows the scan's).
    form_class = form_class_for(line)
    if request.method == "GET":
        form = form_class(version=case.version, **initial_values(line))
    else:
        form = form_class()
    refused = []
    if form.validate_on_submit():
        expected_version = form.expected_version()
        try:
            dossier_ops.record_document(case.id, current_actor(), form.entry(key, line.kind), upload=form.upload,
                                        expected_version=expected_version)
        except CaseChanged as changed:
            flash(str(changed.reasons[0]), "warning")  # read at the top: the page to check again
            return redirect(url_for(".show_dossier", case_id=case.id))
        except ActBlocked as blocked:
            refused = blocked.reasons
        else:
            flash(_("Recorded: %(item)s.", item=line.label), "success")
            return _back_to(case_id, key)
    status = 422 if request.method == "POST" else 200
    return render_template("dossier/item.html", case=case, line=line, form=form, refused=refused,
                           limit=human_size(dossier_ops.upload_limit())), status


def initial_values(line):
    """The item's form as it stands: what was recorded of it (a scan added through the API keeps
    it, pipeline.api.dossier)."""
    values = {"note": line.note}
    if line.editable:
        values |= {"received": line.received, "received_on": line.received_on}
        details = dict(line.details)
        if details.get("known_since"):
            try:
                details["known_since"] = date.fromisoformat(details["known_since"])
            except (TypeError, ValueError):
                details["known_since"] = None
        if line.kind == "introducer" and "official" not in details:
            details["official"] = True
        values |= {k: v for k, v in details.items() if v is not None}
    return values


@bp.get("/<int:case_id>/dossier/<key>/file")
@login_required
@read_of(SCAN_FILE)
def download_scan(case_id, key):
    return scan_response(case_or_404(case_id), key)


def scan_response(case, key):
    """The scan of the item `key` of `case` (found in the user's scope) as a download; 404 if none."""
    item = next((i for i in case.dossier_items if i.item_key == key), None)
    path = dossier_ops.stored_path(item) if item is not None else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype=item.file_type, as_attachment=True,
                         download_name=item.file_name or "scan", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.errorhandler(413)
def too_large(error):
    limit = human_size(dossier_ops.upload_limit())
    return render_template("error.html", code=413, title=_("File too large"),
                           message=_("The file is larger than %(limit)s and was not recorded: scan it at a "
                                     "lower resolution or in fewer pages, then attach it again.", limit=limit)), 413


@bp.app_context_processor
def checklist_helpers():
    return {"checklist_phases": phases_for, "verification_results": VERIFICATION_RESULTS, "item_anchor": item_anchor}


@bp.app_template_filter("isodate")
def isodate(value):
    """An ISO date kept in JSON ("2019-06-01"), shown as dd/mm/yyyy."""
    try:
        return format_date(date.fromisoformat(value), "dd/MM/yyyy")
    except (TypeError, ValueError):
        return value or ""
