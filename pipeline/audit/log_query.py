"""The audit list: the log rows of a subtree, filtered by unit, user, act and period, newest
entry first, each with the flags an auditor looks for. One statement per page (plus its count),
whatever the size of the log; the export streams the same statement.

- entered late: recorded more than the rulebook's `late_entry_days` after the day it took effect;
- back-dated: dated before the previous act of the case that sets the order (a dossier document
  or a correction carries its own date and sets none, see definition.Act.sets_order)."""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_datetime, gettext as _
from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from pipeline.base import clock
from pipeline.accounts.models import User
from pipeline.analytics.sql import days_between
from pipeline.cases.models import Case
from pipeline.cases.timeline import ACT_LABELS
from pipeline.dashboard.paging import RowPagination
from pipeline.exports import Column, stream_rows
from pipeline.rules.rulebook import rulebook_on
from pipeline.units.history import branch_on, valid_on
from pipeline.units.models import Unit, UnitVersion, subtree_filter
from pipeline.workflow import definition
from pipeline.workflow.models import LogEntry

# Acts that carry the date of what they record: no order for the acts after them.
UNORDERED_ACTS = tuple(act.name for act in definition.ACTS if not act.sets_order)
BASES = ("effective", "entered")


def late_entry_days(today=None):
    """The audit's setting from the rulebook in force today: one threshold for the whole list,
    so that it is a condition in SQL (it is a setting for auditors, not a rule the act obeyed)."""
    return rulebook_on(today or clock.today())["late_entry_days"]


def entry_lag(today=None):
    """Whole days from an act's effective date to its entry, in SQL. The entry's day is the day it
    was recorded, but never later than the application's today: on a fixed day (the demo, a
    training copy) the real clock runs years ahead, and an act entered now is entered "today"."""
    recorded = days_between(LogEntry.effective_date, LogEntry.recorded_at)
    capped = days_between(LogEntry.effective_date, today or clock.today())
    return case((recorded < capped, recorded), else_=capped)


def lag_of(row, today=None):
    """entry_lag for a row already loaded."""
    entered = min(row.recorded_at.date(), today or clock.today())
    return (entered - row.effective_date).days


def act_label(name):
    return ACT_LABELS.get(name, name)


@dataclass(frozen=True)
class LogFilters:
    unit: Unit  # the subtree (the user's own unit by default)
    actor_id: int | None = None
    act: str | None = None  # an act's name (the `event` parameter of the address)
    date_from: date | None = None
    date_to: date | None = None
    basis: str = "effective"  # which date the period applies to

    def conditions(self):
        found = [subtree_filter(self.unit)]
        if self.actor_id is not None:
            found.append(LogEntry.actor_id == self.actor_id)
        if self.act:
            found.append(LogEntry.act == self.act)
        if self.basis == "entered":
            if self.date_from:
                found.append(LogEntry.recorded_at >= clock.utc_start_of(self.date_from))
            if self.date_to:
                found.append(LogEntry.recorded_at < clock.utc_start_of(self.date_to + timedelta(days=1)))
        else:
            if self.date_from:
                found.append(LogEntry.effective_date >= self.date_from)
            if self.date_to:
                found.append(LogEntry.effective_date <= self.date_to)
        return found


def previous_order_date():
    """The effective date of the case's previous act that sets the order (correlated: evaluated
    only for the rows of the page, through the (candidate_id, seq) unique index)."""
    before = aliased(LogEntry)
    return (select(before.effective_date)
            .where(before.case_id == LogEntry.case_id, before.seq < LogEntry.seq,
                   before.act.not_in(UNORDERED_ACTS))
            .order_by(before.seq.desc()).limit(1).scalar_subquery())


def branch_name_then():
    """The name of the branch the case was in on the entry's date, as it was named then
    (correlated: evaluated only for the rows of the page); its present name when the tree has no
    period for that day."""
    then = aliased(UnitVersion)
    named = (select(then.name).where(then.unit_id == branch_on(LogEntry.effective_date),
                                     valid_on(then, LogEntry.effective_date))
             .limit(1).scalar_subquery())
    return func.coalesce(named, Unit.name)


def log_statement(filters, late_days):
    """The rows of the list as labelled columns, newest entry first (the primary key is the
    order of entry: no sort of the whole log)."""
    lag = entry_lag()
    previous = previous_order_date()
    return (select(LogEntry.id, LogEntry.case_id, LogEntry.seq, LogEntry.act,
                   LogEntry.effective_date, LogEntry.recorded_at, LogEntry.hash,
                   Case.full_name, branch_name_then().label("branch_name"), User.display_name.label("actor_name"),
                   lag.label("lag_days"),
                   # An imported act (its data says so) was entered with its case's history: not late.
                   and_(lag > late_days, LogEntry.data["imported"].as_string().is_(None)).label("late"),
                   and_(LogEntry.act.not_in(UNORDERED_ACTS), LogEntry.effective_date < previous)
                   .label("back_dated"))
            .join(Case, Case.id == LogEntry.case_id)
            .join(Unit, Unit.id == Case.branch_id)
            .outerjoin(User, User.id == LogEntry.actor_id)
            .where(*filters.conditions())
            .order_by(LogEntry.id.desc()))


def count_statement(filters):
    """The number of rows the filters select, without the flags' columns (the correlated
    subquery would otherwise run for every row counted)."""
    return (select(func.count()).select_from(LogEntry)
            .join(Case, Case.id == LogEntry.case_id)
            .join(Unit, Unit.id == Case.branch_id)
            .where(*filters.conditions()))


class LogPagination(RowPagination):
    """A page of `select`, counted by `count` (see count_statement): two statements."""

    def _query_count(self):
        return self._query_args["session"].execute(self._query_args["count_select"]).scalar()


@dataclass(frozen=True)
class FlaggedRow:
    row: LogEntry
    lag_days: int
    late: bool
    back_dated: bool


def flag_rows(log, late_days):
    """The same flags as the list's SQL, for one case's rows already loaded in seq order."""
    flagged, previous, today = [], None, clock.today()
    for row in log:
        lag = lag_of(row, today)
        ordered = row.act not in UNORDERED_ACTS
        flagged.append(FlaggedRow(row, lag, lag > late_days and not (row.data or {}).get("imported"),
                                  ordered and previous is not None and row.effective_date < previous))
        if ordered:
            previous = row.effective_date
    return flagged


def vn_datetime(value):
    """A naive UTC timestamp as the pages show it (the configured time zone)."""
    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""


LOG_COLUMNS = (
    Column(_l("Took effect"), "date"),
    Column(_l("Entered at")),
    Column(_l("Case no."), "int"),
    Column(_l("Full name")),
    Column(_l("Branch")),
    Column(_l("Act no."), "int"),
    Column(_l("Act")),
    Column(_l("Recorded by")),
    Column(_l("Days between the act and its entry"), "int"),
    Column(_l("Entered late")),
    Column(_l("Back-dated")),
)


def log_rows(statement):
    for row in stream_rows(statement):
        yield (row.effective_date, vn_datetime(row.recorded_at), row.case_id, row.full_name, row.branch_name,
               row.seq, str(act_label(row.act)), row.actor_name or _("the system"), row.lag_days,
               _("Yes") if row.late else "", _("Yes") if row.back_dated else "")
