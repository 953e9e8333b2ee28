"""The matrix of the dashboard: one row per unit just below the chosen one (each counting its
whole subtree), one column per open stage. The rows are the tree of `today` read from the units'
versions (pipeline.units.history), each case in the branch it belongs to that day: on a day
before a reorganisation the matrix reads as it did then. Three statements whatever the number of
cases: the units of the rows and their former names, then one over the scope's cases for every
figure: counts, median and longest time per cell, and the times per stage for the totals row
(medians do not add up)."""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select

from pipeline.analytics.sql import cell_and_stage_figures, days_between
from pipeline.cases.models import Case
from pipeline.base.text import fold
from pipeline.dashboard.filters import OPEN_STAGE_NAMES, OPEN_STAGES
from pipeline.exports import Column
from pipeline.extensions import db
from pipeline.units.history import cases_placed, holder_among, unit_on_now, units_on
from pipeline.units.models import Unit
from pipeline.units.per_root import per_root
from pipeline.quotas.scope import child_id, in_scope
from pipeline.workflow.models import CaseDeadline
from pipeline.workflow.stuck import too_long_condition, too_long_cutoffs


@dataclass
class Cell:
    count: int = 0
    stuck: int = 0  # overdue, or in the stage longer than expected
    overdue: int = 0  # a rule deadline has passed
    median: float | None = None  # days in the stage
    longest: int | None = None

    def add_counts(self, other):
        self.count += other.count
        self.stuck += other.stuck
        self.overdue += other.overdue


@dataclass
class Row:
    unit: object  # the row's unit as it is on the day (a UnitOn); the matrix's own Unit in the totals row
    cells: dict = field(default_factory=lambda: {stage: Cell() for stage in OPEN_STAGE_NAMES})
    total: Cell = field(default_factory=Cell)  # every open stage: counts only

    @property
    def expandable(self):
        """A row below which the tree goes on: it links to the matrix rooted there."""
        return not self.unit.is_branch


@dataclass
class Matrix:
    root: Unit
    rows: list
    totals: Row


def _median(row):
    """The mean of the two middle values: a whole number of days unless they differ by an odd number."""
    total = row.median_low + row.median_high
    return total // 2 if total % 2 == 0 else total / 2


def row_units(root, filters, today):
    """(the root as it is on `today`, the units of the rows): the root's children on that day
    (committees first, then branches, by name), or the root alone when it has none (a branch).
    Branches of another kind than the filter's are left out: their rows could only show zeros.
    Two statements."""
    found = units_on(today, children_of=root.id)
    root_on = found.pop(root.id, None) or unit_on_now(root)
    children = list(found.values())
    if not children:
        return root_on, [root_on]
    if filters.kind:
        children = [u for u in children if not u.is_branch or u.kind == filters.kind]
    return root_on, sorted(children, key=lambda u: (u.is_branch, fold(u.name), u.id))


def _in_open_stage(filters):
    return and_(Case.stage.in_(OPEN_STAGE_NAMES), *filters.conditions())


# The figure statement is built once per day, filters and kind of matrix, for any root
# (pipeline.units.per_root: building it, aliases and scope helpers, cost more than running it).
def _build_figure_statement(root_on, dialect, today, filters, _cutoffs, one_row):
    """The figures of the matrix on `today` with these filters, its rows the root's children, or
    the root alone (`one_row`: a branch), in one statement over the scope's cases: per row and
    stage (is_total 0) and per stage (is_total 1, the totals row: medians do not add up), the
    count, stuck, overdue, the two middle values and the longest of the days in the stage.
    `_cutoffs` (the rulebook's, for `today`) is only part of the cache's key."""
    # Each case counts in the row whose path, that day, starts the path of its branch that day;
    # the branch's Unit is joined for the filters' conditions (its kind).
    in_root, placed = cases_placed(today, root_on.path)
    cases_in_root = in_root.join(Unit, Unit.id == placed.unit_id)

    # A row is a unit below the root, read from the branch's path (the caller keeps the listed
    # ones); a branch's matrix has its one row.
    def row_of(path):
        return holder_among(path, [root_on]) if one_row else child_id(path, root_on.path)
    # The scope's own cases (by the branch index) are what a commune's matrix reads.
    where = and_(_in_open_stage(filters), in_scope(today, root_on.path))
    # Overdue once per case: its passed deadlines joined and folded, then read by both flags.
    per_case = (select(Case.id, placed.path.label("path"), Case.stage.label("stage"),
                       Case.stage_entered_on.label("entered_on"),
                       func.max(case((CaseDeadline.id.is_not(None), 1), else_=0)).label("overdue"))
                .select_from(cases_in_root.outerjoin(CaseDeadline, and_(CaseDeadline.case_id == Case.id,
                                                                         CaseDeadline.due_on < today)))
                .where(where).group_by(Case.id, placed.path, Case.stage, Case.stage_entered_on).subquery("per_case"))
    too_long = too_long_condition(today, per_case.c.stage, per_case.c.entered_on)
    flagged = select(row_of(per_case.c.path).label("row_id"), per_case.c.stage,
                     case((or_(per_case.c.overdue == 1, too_long), 1), else_=0).label("stuck"),
                     per_case.c.overdue, days_between(per_case.c.entered_on, today).label("days"))
    return (cell_and_stage_figures(flagged, dialect),)


_figure_statement = per_root(_build_figure_statement)


def build_matrix(root, filters, today):
    root_on, units = row_units(root, filters, today)
    rows = {unit.id: Row(unit) for unit in units}
    (statement,), parameters = _figure_statement(
        root_on, today, filters, tuple(sorted(too_long_cutoffs(today).items())), units == [root_on])
    totals = Row(root)
    stage_times = []
    for r in db.session.execute(statement, parameters):
        if r.is_total:
            stage_times.append(r)
        elif r.row_id in rows:
            cell = rows[r.row_id].cells[r.stage]
            cell.count, cell.stuck, cell.overdue = r.count, int(r.stuck or 0), int(r.overdue or 0)
            cell.median, cell.longest = _median(r), r.maximum
    for row in rows.values():
        for stage, cell in row.cells.items():
            row.total.add_counts(cell)
            totals.cells[stage].add_counts(cell)
        totals.total.add_counts(row.total)
    for r in stage_times:
        cell = totals.cells[r.stage]
        cell.median, cell.longest = _median(r), r.maximum
    return Matrix(root, list(rows.values()), totals)


# The figures of a cell, one line each under its unit (the page stacks them in the cell).
FIGURES = (
    ("count", _l("Cases")),
    ("stuck", _l("Stuck")),
    ("overdue", _l("Overdue")),
    ("median", _l("Median days in the stage")),
    ("longest", _l("Longest days in the stage")),
)
COUNTS = ("count", "stuck", "overdue")  # the "All stages" column has these only, as on the page


def matrix_columns():
    """Unit, figure, one column per open stage headed as the page heads it, all stages."""
    return (Column(_l("Unit")), Column(_l("Figure")),
            *(Column(f"{stage.step}. {stage.label}", "number") for stage in OPEN_STAGES),
            Column(_l("All stages"), "int"))


def shows_totals(matrix):
    """The page's totals row: left out when the only row is the unit itself (a branch)."""
    return len(matrix.rows) != 1 or matrix.rows[0].unit.id != matrix.root.id


def matrix_rows(matrix):
    """The matrix as the page shows it: per unit, a line for each figure of its cells, the stages
    across; then the totals (few lines: the rows are already aggregated)."""
    rows = [(row, row.unit.name) for row in matrix.rows]
    if shows_totals(matrix):
        rows.append((matrix.totals, _("Total")))
    for row, name in rows:
        for figure, label in FIGURES:
            total = getattr(row.total, figure) if figure in COUNTS else None
            yield (name, str(label), *(getattr(row.cells[stage.name], figure) for stage in OPEN_STAGES), total)
