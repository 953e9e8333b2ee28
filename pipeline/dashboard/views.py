"""The dashboard pages: the matrix (`/dashboard/`), the cases behind each of its numbers, a
branch's board, the deadlines falling due, and the home page (`/`, endpoint `index`)."""
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from pipeline.base.i18n import lazy_gettext as _l
from flask_login import login_required

from pipeline.base import clock
from pipeline.cases.models import SOURCE_ORGANISATIONS
from pipeline.dashboard.access import ancestors_within_scope, unit_or_404
from pipeline.dashboard.board import build_board
from pipeline.dashboard.cases import CASE_COLUMNS, WHICH, case_rows, case_statement
from pipeline.dashboard.figures import ListText, MatrixText
from pipeline.dashboard.due_soon import DUE_COLUMNS, GROUP_BY_KEY, GROUPS, due_page, due_rows, due_soon
from pipeline.dashboard.filters import OPEN_STAGE_NAMES, OPEN_STAGES, FilterForm, Filters
from pipeline.dashboard.matrix import build_matrix, matrix_columns, matrix_rows
from pipeline.exports import as_of_line, export_response, form_filters
from pipeline.queue.views import waiting_page
from pipeline.readlog.reads import recorded_export
from pipeline.extensions import db
from pipeline.units.models import UNIT_KINDS
from pipeline.web.params import id_arg, page_arg
from pipeline.web.scope import branch_or_404, current_actor
from pipeline.workflow.stages import stage_label
from pipeline.workflow.stuck import reasons_for

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

MAX_PER_PAGE = 100
HOME_WAITING = 10  # the first rows of the user's queue on the home page
WHICH_TITLES = {"all": _l("All cases"), "stuck": _l("Stuck cases"), "overdue": _l("Overdue cases")}


def _filters(today):
    filters = Filters.from_args(request.args, today)
    return filters, FilterForm(request.args, filters, today)


def _per_page():
    return request.args.get("per_page", current_app.config["CANDIDATES_PER_PAGE"], type=int)


@bp.get("/")
@login_required
def matrix():
    today = clock.today()
    filters, form = _filters(today)
    root = unit_or_404(id_arg("unit"))
    built = build_matrix(root, filters, today)
    if request.args.get("format"):
        # The matrix as the page shows it: units down, stages across, the totals last.
        return export_response(request.args["format"], _("Where cases are stuck: %(unit)s", unit=root.name),
                               matrix_columns(), matrix_rows(built), unit=root,
                               about=[form_filters(form), as_of_line(today)], sheet=_("Where cases are stuck"))
    return render_template("dashboard/matrix.html", matrix=built, filters=filters, form=form,
                           ancestors=ancestors_within_scope(root), stages=OPEN_STAGES,
                           text=MatrixText(filters.args()))


def _selection_title(unit, stage, which, filters):
    """What the list shows, in words: "Stuck cases · Awaiting the branch vote · Đảng bộ xã A"."""
    parts = [str(WHICH_TITLES[which])]
    if stage:
        parts.append(str(stage_label(stage)))
    parts.append(unit.name)
    if filters.year is not None:
        parts.append(_("spotted in %(year)d", year=filters.year))
    if filters.kind:
        parts.append(str(UNIT_KINDS[filters.kind]))
    if filters.source:
        parts.append(str(SOURCE_ORGANISATIONS[filters.source]))
    return " · ".join(parts)


@bp.get("/cases")
@login_required
def cases():
    today = clock.today()
    filters, form = _filters(today)
    unit = unit_or_404(id_arg("unit"))
    stage = request.args.get("stage") if request.args.get("stage") in OPEN_STAGE_NAMES else None
    which = request.args.get("which") if request.args.get("which") in WHICH else "all"
    statement = case_statement(unit, stage, which, filters, today)
    title = _selection_title(unit, stage, which, filters)
    if request.args.get("format"):  # every case of the selection, not one page
        return recorded_export(export_response(request.args["format"], title, CASE_COLUMNS, case_rows(statement, today),
                                               unit=unit, about=[as_of_line(today)], sheet=WHICH_TITLES[which]),
                               request.args["format"], statement, unit=unit)
    page = db.paginate(statement, page=page_arg(), per_page=_per_page(), max_per_page=MAX_PER_PAGE)
    return render_template("dashboard/cases.html", page=page, reasons=reasons_for(page.items, today), unit=unit,
                           stage=stage, which=which, filters=filters, form=form, title=title,
                           ancestors=ancestors_within_scope(unit), which_titles=WHICH_TITLES, stages=OPEN_STAGES,
                           text=ListText())


@bp.get("/branches/<int:branch_id>/board")
@login_required
def board(branch_id):
    branch = branch_or_404(branch_id)
    columns = build_board(branch, current_actor(), clock.today())
    return render_template("dashboard/board.html", branch=branch, columns=columns,
                           ancestors=ancestors_within_scope(branch))


@bp.get("/deadlines")
@login_required
def deadlines():
    today = clock.today()
    key = request.args.get("when") if request.args.get("when") in GROUP_BY_KEY else GROUPS[0].key
    unit = current_actor().unit
    if request.args.get("format"):
        return recorded_export(export_response(request.args["format"], GROUP_BY_KEY[key].title, DUE_COLUMNS,
                                               due_rows(unit, key, today), unit=unit, about=[as_of_line(today)]),
                               request.args["format"], unit=unit)
    page = due_page(unit, key, today, _per_page(), MAX_PER_PAGE, page=page_arg())
    return render_template("dashboard/deadlines.html", page=page, group=GROUP_BY_KEY[key], groups=GROUPS)


@login_required
def home():
    """The home page (endpoint `index`): what waits for the user (pipeline.queue), then the
    deadlines falling due in the user's scope."""
    user, today = current_actor(), clock.today()
    found = due_soon(user.unit, today)
    waiting = waiting_page(user, today, per_page=HOME_WAITING) if user.role != "admin" else None
    extra = {"menu_queue_total": waiting.total} if waiting is not None else {}
    return render_template("dashboard/home.html", groups=GROUPS, found=found, waiting=waiting, **extra,
                           total=sum(total for _items, total in found.values()),
                           board_branch=user.unit if user.unit.is_branch else None)
