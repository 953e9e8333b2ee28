"""The read log's audit page, `/audit/reads`: who read what in the viewer's subtree (reads of its
cases, exports and printouts of its units), newest first, filtered, paginated. The roles of the
other audit pages (pipeline.audit.access); a fixed number of statements whatever the log's size."""
from flask import Blueprint, current_app, render_template, request

from pipeline.audit.access import auditor_required
from pipeline.audit.log_query import LogPagination
from pipeline.audit.scope import users_acting_in
from pipeline.extensions import db
from pipeline.readlog.forms import ReadFilterForm
from pipeline.readlog.reads import KIND_LABELS, ReadFilters, kind_label, reads_count_statement, reads_statement
from pipeline.web.params import page_arg
from pipeline.web.scope import current_actor

bp = Blueprint("read_log", __name__, url_prefix="/audit/reads")

MAX_PER_PAGE = 200
FILTERS = ("unit", "unit_name", "user", "case", "kind", "from", "to")


@bp.context_processor
def read_log_helpers():
    return {"read_kind_label": kind_label}


@bp.get("")
@auditor_required
def reads():
    user = current_actor()
    users = users_acting_in(user.unit)
    form = ReadFilterForm(request.args, users, KIND_LABELS.items())
    valid = form.validate()
    picked = form.picked_or_refused(user.unit)
    valid = valid and not form.unit_name.errors
    reader_id, case_id, kind, date_from, date_to = form.values() if valid else (None,) * 5
    root = picked.unit or user.unit
    filters = ReadFilters(root, reader_id, case_id, kind, date_from, date_to)
    page_number = page_arg()
    per_page = request.args.get("per_page", current_app.config["CANDIDATES_PER_PAGE"], type=int)
    if per_page is None or not 1 <= per_page <= MAX_PER_PAGE:
        per_page = current_app.config["CANDIDATES_PER_PAGE"]
    page = None
    if valid:
        page = LogPagination(select=reads_statement(filters), count_select=reads_count_statement(filters),
                             session=db.session, page=page_number, per_page=per_page, max_per_page=MAX_PER_PAGE)
    filtered = any(request.args.get(name) for name in FILTERS)
    return render_template("readlog/reads.html", page=page, form=form, picked=picked, root=root,
                           filtered=filtered)
