"""Anomaly checks a board runs over its subtree. The workflow's guards refuse these when acts go
through the application; finding one in the log means a guard was bypassed, a row was forged or
imported, or (for late entries) that an office records its acts long after the fact.

1. a ceremony later than the rulebook's working days after the decision was received, without
   the higher committee's consent recorded (`late_consent` in the ceremony's data);
2. a vote below the rulebook's fraction recorded as passed (the case moved on, or `passed`);
3. a case whose log skips a stage: an act that does not start where the previous one left the
   case, or a move the process table does not have;
4. an act entered more than the rulebook's `late_entry_days` after it took effect.

(3) and (4) are conditions in SQL. (1) and (2) need the acts' JSON data and the rulebook of each
act's date: the rows of those acts only are read (filtered by event in SQL) and judged here, a
chunk at a time. That reads every ceremony, decision and vote of the subtree, acceptable for an
audit run a board starts, not for a page everyone opens."""
from dataclasses import dataclass
from datetime import date

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.orm import aliased

from pipeline.cases.models import Case
from pipeline.exports import Column, stream_rows
from pipeline.rules.rulebook import NoRulebook, rulebook_on
from pipeline.units.models import Unit, subtree_filter
from pipeline.base.formatting import format_day
from pipeline.workflow import definition
from pipeline.workflow.deadlines import DEADLINE_RULES, deadline_due
from pipeline.workflow.guards import votes_needed
from pipeline.workflow.models import LogEntry
from pipeline.workflow.stages import stage_label

from pipeline.audit.log_query import act_label, entry_lag

LATE_CEREMONY, WEAK_VOTE, SKIPPED_STAGE, LATE_ENTRY = "late_ceremony", "weak_vote", "skipped_stage", "late_entry"
CHECK_LABELS = {
    LATE_CEREMONY: _l("Ceremony too late after the decision, without consent"),
    WEAK_VOTE: _l("Vote below the required majority recorded as passed"),
    SKIPPED_STAGE: _l("A stage skipped"),
    LATE_ENTRY: _l("Acts entered long after they took effect"),
}
CHECKS = tuple(CHECK_LABELS)
CEREMONY_RULE = next(rule for rule in DEADLINE_RULES if rule.key == "ceremony")
DECISION_ACT, CEREMONY_ACT = "record_decision", "hold_ceremony"
CONSENT_KEY = "late_consent"
# The votes of the process table and what each counts against.
VOTES = {act.name: (act, act.outcome.total_key, act.outcome.fraction_rule) for act in definition.ACTS if act.outcome}


@dataclass(frozen=True)
class Anomaly:
    check: str
    case_id: int
    full_name: str
    branch_name: str
    seq: int
    act: str
    effective_date: date
    why: object  # a sentence

    @property
    def act_label(self):
        return act_label(self.act)


def _rows(root, *conditions, data=False):
    """The log rows of the subtree meeting `conditions`, with their case and branch names, in
    (case, seq) order."""
    columns = [LogEntry.case_id, LogEntry.seq, LogEntry.act, LogEntry.from_stage, LogEntry.to_stage,
               LogEntry.effective_date, Case.full_name, Unit.name.label("branch_name")]
    if data:
        columns.append(LogEntry.data)
    return (select(*columns).join(Case, Case.id == LogEntry.case_id)
            .join(Unit, Unit.id == Case.branch_id)
            .where(subtree_filter(root), *conditions)
            .order_by(LogEntry.case_id, LogEntry.seq))


def _anomaly(check, row, why):
    return Anomaly(check, row.case_id, row.full_name, row.branch_name, row.seq, row.act,
                   row.effective_date, why)


def _day(value):
    try:
        return date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return None


# --- 1. the ceremony too late ----------------------------------------------------------------

def late_ceremonies(root, calendar):
    received, case_id = None, None
    for row in stream_rows(_rows(root, LogEntry.act.in_((DECISION_ACT, CEREMONY_ACT)), data=True)):
        if row.case_id != case_id:
            case_id, received = row.case_id, None
        data = row.data or {}
        if row.act == DECISION_ACT:
            received = _day(data.get("received_on"))
            continue
        if received is None or data.get(CONSENT_KEY):
            continue  # no decision before it is check 3's; a consent answers for the delay
        try:
            due, value = deadline_due(CEREMONY_RULE, received, calendar)
        except NoRulebook:
            continue
        if row.effective_date > due:
            yield _anomaly(LATE_CEREMONY, row, _l(
                "ceremony on %(day)s, %(days)d working days after the decision was received on %(received)s "
                "(at most %(limit)d, so by %(due)s); no consent of the higher committee is recorded",
                day=format_day(row.effective_date), days=calendar.working_days_between(received, row.effective_date),
                received=format_day(received), limit=value.value, due=format_day(due)))


# --- 2. a vote below the majority recorded as passed -----------------------------------------

def _recorded_as_passed(row, act, data):
    if data.get("passed") is True:
        return True
    return act.dest != act.fail_dest and row.to_stage == act.dest


def weak_votes(root):
    for row in stream_rows(_rows(root, LogEntry.act.in_(tuple(VOTES)), data=True)):
        act, total_key, fraction_rule = VOTES[row.act]
        data = row.data or {}
        if not _recorded_as_passed(row, act, data):
            continue
        total, votes_for = data.get(total_key), data.get("votes_for")
        if not isinstance(total, int) or not isinstance(votes_for, int):
            yield _anomaly(WEAK_VOTE, row, _l("recorded as passed without its vote counts"))
            continue
        try:
            fraction = rulebook_on(row.effective_date).fraction(fraction_rule)
        except NoRulebook:
            continue
        needed = votes_needed(total, fraction)
        if votes_for < needed:
            yield _anomaly(WEAK_VOTE, row, _l(
                "%(votes_for)d of %(total)d voted for, at least %(needed)d (%(fraction)s) were needed, "
                "yet it is recorded as passed", votes_for=votes_for, total=total, needed=needed,
                fraction=str(fraction)))


# --- 3. a stage skipped ----------------------------------------------------------------------

def allowed_moves():
    """(act, from stage, to stage) for every move of the process table; the acts that keep the stage included."""
    moves = {(act.name, source, dest) for act in definition.ACTS for source in act.sources
             for dest in (act.destinations or (source,))}
    return sorted(moves)


def skipped_stages(root):
    previous = aliased(LogEntry)
    is_spot = LogEntry.act == definition.SPOT.name
    statement = (_rows(root, or_(
        # not where the previous act left the case
        and_(previous.id.is_not(None), or_(LogEntry.from_stage.is_(None), LogEntry.from_stage != previous.to_stage)),
        # a log that does not start with the spotting
        and_(previous.id.is_(None), or_(~is_spot, LogEntry.seq != 1)),
        and_(is_spot, or_(LogEntry.from_stage.is_not(None), LogEntry.to_stage != definition.INITIAL_STAGE)),
        # a move the process does not have
        and_(~is_spot, LogEntry.from_stage.is_(None)),
        # (a void may take the case back to any stage: replaying the log judges it)
        and_(~is_spot, LogEntry.act != definition.VOID.name,
             tuple_(LogEntry.act, LogEntry.from_stage, LogEntry.to_stage).not_in(allowed_moves())),
    )).add_columns(previous.to_stage.label("previous_stage"))
                 .outerjoin(previous, and_(previous.case_id == LogEntry.case_id,
                                           previous.seq == LogEntry.seq - 1)))
    for row in stream_rows(statement):
        if row.seq > 1 and row.previous_stage is not None and row.from_stage != row.previous_stage:
            why = _l("it starts from “%(from)s” but the previous act left the case in “%(previous)s”",
                     **{"from": stage_label(row.from_stage) if row.from_stage else "—",
                        "previous": stage_label(row.previous_stage)})
        elif row.seq > 1 and row.previous_stage is None:
            why = _l("the act before it (no. %(seq)d) is missing from the log", seq=row.seq - 1)
        elif row.seq == 1 and row.act != definition.SPOT.name:
            why = _l("the case's log does not start with its spotting")
        else:
            why = _l("“%(act)s” cannot move a case from “%(from)s” to “%(to)s”",
                     **{"act": act_label(row.act), "from": stage_label(row.from_stage) if row.from_stage else "—",
                        "to": stage_label(row.to_stage)})
        yield _anomaly(SKIPPED_STAGE, row, why)


# --- 4. entered late -------------------------------------------------------------------------

def not_imported():
    """An act imported with its case's history (pipeline.imports.history) was entered when its file
    was, by design long after it took effect: not a late entry."""
    return LogEntry.data["imported"].as_string().is_(None)


def late_entries(root, late_days):
    lag = entry_lag()
    for row in stream_rows(_rows(root, lag > late_days, not_imported()).add_columns(lag.label("lag_days"))):
        yield _anomaly(LATE_ENTRY, row, _l("entered %(days)d days after it took effect (more than %(limit)d)",
                                           days=row.lag_days, limit=late_days))


def run_check(check, root, calendar, late_days):
    if check == LATE_CEREMONY:
        return late_ceremonies(root, calendar)
    if check == WEAK_VOTE:
        return weak_votes(root)
    if check == SKIPPED_STAGE:
        return skipped_stages(root)
    return late_entries(root, late_days)


ANOMALY_COLUMNS = (
    Column(_l("Check")),
    Column(_l("Case no."), "int"),
    Column(_l("Full name")),
    Column(_l("Branch")),
    Column(_l("Act no."), "int"),
    Column(_l("Act")),
    Column(_l("Took effect"), "date"),
    Column(_l("Why")),
)


def anomaly_rows(root, calendar, late_days):
    for check in CHECKS:
        for found in run_check(check, root, calendar, late_days):
            yield (str(CHECK_LABELS[check]), found.case_id, found.full_name, found.branch_name, found.seq,
                   str(found.act_label), found.effective_date, str(found.why))
