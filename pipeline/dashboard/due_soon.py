"""The deadlines falling due in the user's scope (the home page's to-do list): overdue ones first,
the oldest first, then those due within 7 days, then within 30. Read from the deadline rows the
log keeps (pipeline.workflow.projection); days left are calendar days."""
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import case, func, select

from pipeline.cases.models import Case
from pipeline.dashboard.paging import RowPagination
from pipeline.exports import Column, stream_rows
from pipeline.extensions import db
from pipeline.units.models import Unit, subtree_filter
from pipeline.workflow.models import CaseDeadline
from pipeline.workflow.stuck import deadline_label

SOON_DAYS, LATER_DAYS = 7, 30
SHOWN_PER_GROUP = 10  # on the home page; "show all" opens the full list


@dataclass(frozen=True)
class Group:
    key: str
    title: object
    empty: object


GROUPS = (
    Group("overdue", _l("Overdue"), _l("Nothing overdue.")),
    Group("week", _l("Due within 7 days"), _l("Nothing due within 7 days.")),
    Group("month", _l("Due within 30 days"), _l("Nothing else due within 30 days.")),
)
GROUP_BY_KEY = {g.key: g for g in GROUPS}


@dataclass(frozen=True)
class DueItem:
    case_id: int
    full_name: str
    branch_id: int
    branch_name: str
    label: object
    due_on: date
    days_left: int  # calendar days; negative when overdue

    @property
    def overdue(self):
        return self.days_left < 0


def _group_of(today):
    """0 overdue, 1 within 7 days, 2 within 30 days: as SQL, for ordering and partitioning."""
    return case((CaseDeadline.due_on < today, 0), (CaseDeadline.due_on <= today + timedelta(days=SOON_DAYS), 1),
                else_=2)


def _bounds(key, today):
    """(first day, last day) of a group's due dates; None is open-ended."""
    return {"overdue": (None, today - timedelta(days=1)),
            "week": (today, today + timedelta(days=SOON_DAYS)),
            "month": (today + timedelta(days=SOON_DAYS + 1), today + timedelta(days=LATER_DAYS))}[key]


def _columns():
    return (CaseDeadline.case_id, Case.full_name, Case.branch_id, Unit.name.label("branch_name"),
            CaseDeadline.key, CaseDeadline.limit_value, CaseDeadline.due_on)


def _in_scope(statement, unit):
    return (statement.join(Case, Case.id == CaseDeadline.case_id)
            .join(Unit, Unit.id == Case.branch_id).where(subtree_filter(unit)))


def _item(row, today):
    return DueItem(row.case_id, row.full_name, row.branch_id, row.branch_name,
                   deadline_label(row.key, row.limit_value), row.due_on, (row.due_on - today).days)


def due_soon(unit, today, shown=SHOWN_PER_GROUP):
    """group key -> (the first `shown` items, how many in all), in one statement: a window
    ranks and counts each group."""
    group = _group_of(today)
    ranked = _in_scope(select(*_columns(), group.label("grp"),
                              func.row_number().over(partition_by=group, order_by=(
                                  CaseDeadline.due_on, Case.full_name, CaseDeadline.id)).label("rank"),
                              func.count().over(partition_by=group).label("total")),
                       unit).where(CaseDeadline.due_on <= today + timedelta(days=LATER_DAYS)).subquery()
    found = {g.key: ([], 0) for g in GROUPS}
    for row in db.session.execute(select(ranked).where(ranked.c.rank <= shown).order_by(ranked.c.grp,
                                                                                          ranked.c.rank)):
        key = GROUPS[row.grp].key
        items, _total = found[key]
        items.append(_item(row, today))
        found[key] = (items, row.total)
    return found


def due_statement(unit, key, today):
    """Every deadline of one group, in the home page's order."""
    first, last = _bounds(key, today)
    statement = _in_scope(select(*_columns()), unit).where(CaseDeadline.due_on <= last)
    if first is not None:
        statement = statement.where(CaseDeadline.due_on >= first)
    return statement.order_by(CaseDeadline.due_on, Case.full_name, CaseDeadline.id)


def due_page(unit, key, today, per_page, max_per_page, page=None):
    """One page of a group's full list (count and items: two statements)."""
    page = RowPagination(select=due_statement(unit, key, today), session=db.session, page=page, per_page=per_page,
                         max_per_page=max_per_page)
    page.items = [_item(row, today) for row in page.items]
    return page


DUE_COLUMNS = (Column(_l("Full name")), Column(_l("Branch")), Column(_l("Deadline")), Column(_l("Due"), "date"),
               Column(_l("Days left (calendar days)"), "int"))


def due_rows(unit, key, today):
    """The export of a group's full list, streamed."""
    for row in stream_rows(due_statement(unit, key, today)):
        item = _item(row, today)
        yield item.full_name, item.branch_name, str(item.label), item.due_on, item.days_left
