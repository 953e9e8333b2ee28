"""The cases stuck on a past day, for a report with an earlier end date, as replaying each case's
log cut at the day (pipeline.workflow.replay: up to its first entry dated after the day) and
judging it by the rules of pipeline.workflow.stuck then would find them (`stuck_cases_replayed`
does exactly that; the tests hold the two equal). One statement reads the cases of the subtree
open on the day that can be stuck then, three ways:

- in the pool or the class (no deadline runs there) the time in the stage on the day, from the
  log (pipeline.quotas.stage_then), alone makes a case stuck;
- a case with no entry dated after the day stood then as it stands now: its projection (the
  case's stage, its running deadlines, pipeline.workflow.projection) is what the replay gives;
- a case changed since is read from its log cut at the day: the few facts the deadlines count
  from (the stage and the day it was entered, the branch resolution, the decision received, the
  ceremony, the recognition vote, the certificate, the extensions, the oldest document), each the
  latest the replay's fold keeps (a voided act and its void count nowhere). Only the cases with
  such a fact older than the shortest limit any rulebook gives it, or too long in their stage, are
  read; the deadlines' own code (replay.with_deadlines) then counts them as the replay would.

Two statements (the cases, the calendar) whatever the number of cases."""
from datetime import date, timedelta
from itertools import takewhile
from types import SimpleNamespace

from sqlalchemy import BigInteger, String, and_, case, cast, false, func, literal, null, or_, select
from sqlalchemy.orm import aliased, noload, selectinload

from pipeline.analytics.sql import days_between
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.quotas.stage_then import stage_on
from pipeline.rules.rulebook import load_rulebooks
from pipeline.units.history import cases_placed
from pipeline.units.models import Unit
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.deadlines import DEADLINE_RULE_BY_KEY, DEADLINE_RULES, EXTENDED, WORKING_DAYS
from pipeline.workflow.definition import ACT_BY_NAME, ACTS
from pipeline.workflow.extension import COUNTS_FROM
from pipeline.workflow.log import VOID_ACT
from pipeline.workflow.models import CaseDeadline, LogEntry
from pipeline.workflow.replay import BrokenLog, replay, with_deadlines
from pipeline.workflow.stages import STAGE_NAMES, TERMINAL_STAGES
from pipeline.workflow.state import CaseState, DocumentState
from pipeline.workflow.stuck import (OVERDUE, StuckCase, StuckReason, deadline_label, expected_months,
                                     too_long_cutoffs, too_long_reason)

# The stages in which a deadline of the rules runs (pipeline.workflow.deadlines).
RULED_STAGES = frozenset(stage for rule in DEADLINE_RULES for stage in rule.stages)
CHECKLIST_RULE = next(rule for rule in DEADLINE_RULES if rule.needs_checklist)
# The acts whose date later acts may not precede (Act.sets_order): the last one's date is the
# state's last_effective_date, whose rulebook says which documents go stale.
ORDER_ACTS = tuple(act.name for act in ACTS if act.sets_order)
# The acts the deadlines' starts come from, as the act table records them (pipeline.workflow.
# definition; tests/test_stuck_then.py checks the table still says so), with the state field each sets.
BRANCH_VOTE = "record_branch_vote"  # branch_resolution_date, when passed
DECISION = "record_decision"  # decision_received_on, its data's received_on
CEREMONY = "hold_ceremony"  # ceremony_date
RECOGNITION_VOTE = "record_recognition_vote"  # recognition_vote_date and _passed
CERTIFICATE = "complete_training"  # certificate_date
DOCUMENT = "record_document"  # documents[item]: received and received_on, when its data says received
EXTENSIONS = {"extend_decision": "decision", "extend_recognition_decision": "recognition_decision"}
# The fact each rule's start is read from (the cutoff of `start_cutoffs` applies to it).
START_FACT = {"decision": "resolution", "ceremony": "decision_received", "recognition_review": "ceremony",
              "recognition_decision": "recognition_vote", "certificate": "certificate", "dossier": "oldest_document"}
# Overdue deadlines on the same last day come in the order of the rules, as the replay sorts them.
RULE_ORDER = {key: DEADLINE_RULES.index(DEADLINE_RULE_BY_KEY[key.removesuffix(EXTENDED)])
              for key in DEADLINE_RULE_BY_KEY}
# "The latest entry's value" in one aggregate: max(seq * SPAN + value), value in [0, SPAN): a
# day as days since EPOCH, a stage by its number; NONE stands for no value (an empty date).
EPOCH, SPAN = date(1900, 1, 1), 100_000
NONE = SPAN - 1
STAGE_NUMBER = {name: number for number, name in enumerate(STAGE_NAMES)}
# "entered + N months < day" (too_long_reason) and "entered < day - N months" (the SQL's cutoff) differ
# by a few days at month ends: the SQL keeps the cases within this margin too, Python judges them.
MONTH_END_MARGIN = timedelta(days=7)
# Separators of the documents folded into one column (item keys are rulebook codes such as "3-KNĐ:2").
FIELD, RECORD = "\x1f", "\x1e"


def cases_then(root, day):
    """The cases of the subtree as it was on `day`: a select of (case_id, full_name, branch_id,
    branch_name, stage, entered_on) on `day` (stage NULL: not open yet), with the case's stage now
    and what the dossier checklist reads of the case (its particulars, its branch now)."""
    in_root, placed = cases_placed(day, root.path)
    stage, entered = stage_on(day)
    return (select(Case.id.label("case_id"), Case.full_name, placed.unit_id.label("branch_id"),
                   placed.name.label("branch_name"), stage.label("stage"), entered.label("entered_on"),
                   Case.stage.label("stage_now"), Case.stage_entered_on.label("entered_now"),
                   Case.youth_union_member, Case.date_of_birth, Case.branch_id.label("branch_now_id"))
            .select_from(in_root))


def open_on(root, day):
    """The cases of `cases_then` that were open on `day`."""
    cases = cases_then(root, day).subquery("then")
    return select(cases).where(cases.c.stage.is_not(None), cases.c.stage.not_in(TERMINAL_STAGES))


def _smallest(name):
    return min(book.values[name].value for book in load_rulebooks() if name in book.values)


def start_cutoffs(day):
    """rule key -> the day the fact its deadline counts from must precede for the deadline to have
    passed by `day` under any rulebook: n working days span at least n days, a month at least 28;
    the branch's review of recognition counts from the end of probation, months after the ceremony."""
    cutoffs = {}
    for rule in DEADLINE_RULES:
        least = _smallest(rule.rule)
        span = least if rule.unit == WORKING_DAYS else 28 * least + rule.last_day_offset
        cutoffs[rule.key] = day - timedelta(days=span)
    cutoffs["recognition_review"] -= timedelta(days=28 * _smallest("probation_months"))
    return cutoffs


def _number(day):
    return (day - EPOCH).days


def _day_number(column):
    """SQL: a date column, or an ISO date read from the entries' data ('' or NULL: NULL), as days
    since EPOCH."""
    return days_between(literal(EPOCH), func.nullif(column, "") if isinstance(column.type, String) else column)


def _later_entries(day):
    """Subquery (case_id, seq): each case's first entry dated after `day`, where the replay's cut
    stops. Read through the (act, date, case) index: an act's name leads it."""
    return (select(LogEntry.case_id, func.min(LogEntry.seq).label("seq"))
            .where(LogEntry.act.in_(tuple(ACT_BY_NAME)), LogEntry.effective_date > day)
            .group_by(LogEntry.case_id).subquery("later"))


def _facts(cases, later):
    """Subquery: per case open on the day in a stage where a deadline runs and changed since, what
    its log cut at the day leaves, each fact as max(seq * SPAN + value) over the entries that set it
    (the latest one's): the stage (the last entry's, a void's included), the day it was entered
    (the last act that changed it), the day later acts may not precede, the facts the deadlines
    count from (START_FACT), the extensions; and the oldest document received (a lower bound of
    the one the staleness limit counts from)."""
    data, act = LogEntry.data, LogEntry.act
    changed = and_(cases.c.case_id == later.c.case_id, cases.c.stage.in_(RULED_STAGES))
    cut = and_(LogEntry.case_id == later.c.case_id, LogEntry.seq < later.c.seq)
    void = aliased(LogEntry, name="void")
    voided = (select(void.case_id, void.data["voids_seq"].as_integer().label("seq"))
              .join(later, and_(later.c.case_id == void.case_id, void.seq < later.c.seq))
              .where(void.act == VOID_ACT).distinct().subquery("voided"))
    seq = cast(LogEntry.seq, BigInteger)

    def latest(condition, value):
        return func.max(case((condition, seq * SPAN + value)))

    def day_of(column):
        return func.coalesce(_day_number(column), NONE)

    stage_number = case(*((LogEntry.to_stage == name, number) for name, number in STAGE_NUMBER.items()), else_=NONE)
    passed = data["passed"].as_boolean()
    passed_number = case((passed.is_(True), 1), (passed.is_(False), 0), else_=NONE)
    effective = day_of(LogEntry.effective_date)
    moved = or_(LogEntry.from_stage.is_(None), LogEntry.from_stage != LogEntry.to_stage)
    return (select(LogEntry.case_id,
                   func.max(seq * SPAN + stage_number).label("then_stage"),
                   latest(and_(act != VOID_ACT, moved), effective).label("then_entered_on"),
                   latest(act.in_(ORDER_ACTS), effective).label("last_effective_date"),
                   latest(and_(act == BRANCH_VOTE, passed.is_(True)), effective).label("resolution"),
                   latest(act == DECISION, day_of(data["received_on"].as_string())).label("decision_received"),
                   latest(act == CEREMONY, effective).label("ceremony"),
                   latest(act == RECOGNITION_VOTE, effective).label("recognition_vote"),
                   latest(act == RECOGNITION_VOTE, passed_number).label("recognition_vote_passed"),
                   latest(act == CERTIFICATE, effective).label("certificate"),
                   *(latest(act == name, day_of(data[COUNTS_FROM].as_string())).label(name) for name in EXTENSIONS),
                   func.min(case((and_(act == DOCUMENT, data["received"].as_boolean().is_(True)),
                                  _day_number(data["received_on"].as_string())))).label("oldest_document"))
            .select_from(later).join(cases, changed).join(LogEntry, cut)
            .outerjoin(voided, and_(voided.c.case_id == LogEntry.case_id, voided.c.seq == LogEntry.seq))
            .where(voided.c.seq.is_(None))
            .group_by(LogEntry.case_id).subquery("facts"))


def _value(column):
    """SQL: the value of a `latest` fact (NULL without one)."""
    return column % SPAN


def _documents(case_id, later):
    """SQL, correlated on `case_id`: the case's document entries of its log cut at the day that say
    whether the document is received, folded into one string (seq, item, received, received on),
    the voided ones left out."""
    entry, void = aliased(LogEntry, name="document"), aliased(LogEntry, name="document_void")
    received = case((entry.data["received"].as_boolean().is_(True), literal("1")), else_=literal("0"))
    folded = (cast(entry.seq, String) + FIELD + entry.data["item"].as_string() + FIELD + received + FIELD
              + func.coalesce(entry.data["received_on"].as_string(), ""))
    voided = (select(void.id).where(void.case_id == entry.case_id, void.act == VOID_ACT, void.seq < later.c.seq,
                                    void.data["voids_seq"].as_integer() == entry.seq)
              .correlate_except(void).exists())
    return (select(func.aggregate_strings(folded, RECORD))
            .where(entry.case_id == case_id, entry.act == DOCUMENT, entry.seq < later.c.seq,
                   entry.data["received"].as_boolean().is_not(None), ~voided)
            .scalar_subquery())


def _may_be_too_long(day, stage, entered_on):
    """SQL: the case may have been in its stage too long on `day` (too_long_reason decides)."""
    conditions = [and_(stage == name, entered_on < cutoff + MONTH_END_MARGIN)
                  for name, cutoff in too_long_cutoffs(day).items()]
    return or_(*conditions) if conditions else false()


def _candidates(root, day):
    """The statement: the cases open on `day` that can be stuck then, with what they are judged by
    (one row per overdue deadline of a case judged by its projection)."""
    # Every case of the subtree, its stage then read once (a filter on it would be repeated for
    # each use); a case not open then is in none of the conditions below.
    cases = cases_then(root, day).cte("cases_then")
    later = _later_entries(day)
    facts = _facts(cases, later)
    c, f = cases.c, facts.c
    ruled = c.stage.in_(RULED_STAGES)
    unchanged = later.c.seq.is_(None)
    cutoffs = start_cutoffs(day)

    def stage_in(stages):
        return _value(f.then_stage).in_([STAGE_NUMBER[stage] for stage in stages])

    # The changed cases a deadline may have passed for, or too long in their stage then.
    may_be_overdue = or_(*(and_(stage_in(rule.stages),
                                _value(getattr(f, START_FACT[rule.key])) < _number(cutoffs[rule.key]))
                           for rule in DEADLINE_RULES))
    too_long_then = or_(false(), *(and_(stage_in([stage]),
                                        _value(f.then_entered_on) < _number(cutoff + MONTH_END_MARGIN))
                                   for stage, cutoff in too_long_cutoffs(day).items()))
    dossier = and_(stage_in(CHECKLIST_RULE.stages), f.oldest_document < _number(cutoffs[CHECKLIST_RULE.key]))
    overdue = aliased(CaseDeadline, name="overdue")
    branch, parent = aliased(Unit, name="branch_now"), aliased(Unit, name="parent_now")
    return (select(c.case_id, c.full_name, c.branch_id, c.branch_name, c.stage, c.entered_on, c.stage_now,
                   c.entered_now, c.youth_union_member, c.date_of_birth, parent.kind.label("parent_kind"),
                   later.c.seq.label("later_seq"), *(column for column in f if column.name != "case_id"),
                   case((dossier, _documents(c.case_id, later)), else_=null()).label("documents"),
                   overdue.key, overdue.limit_value, overdue.due_on, overdue.citation)
            .outerjoin(later, later.c.case_id == c.case_id)
            .outerjoin(facts, f.case_id == c.case_id)
            .outerjoin(overdue, and_(overdue.case_id == c.case_id, ruled, unchanged, overdue.due_on < day))
            .outerjoin(branch, branch.id == c.branch_now_id).outerjoin(parent, parent.id == branch.parent_id)
            .where(or_(and_(~ruled, _may_be_too_long(day, c.stage, c.entered_on)),
                       and_(ruled, unchanged,
                            or_(overdue.id.is_not(None), _may_be_too_long(day, c.stage_now, c.entered_now))),
                       and_(ruled, ~unchanged, or_(too_long_then, may_be_overdue)))))


def _fact(value, as_day=True):
    """The value of a `latest` fact: a day, a number, or None."""
    if value is None or value % SPAN == NONE:
        return None
    return EPOCH + timedelta(days=value % SPAN) if as_day else value % SPAN


def _document_states(folded):
    """item -> DocumentState, as the document entries (in seq order) leave received and received_on."""
    documents = {}
    records = sorted((record.split(FIELD) for record in (folded or "").split(RECORD) if record),
                     key=lambda fields: int(fields[0]))
    for _seq, item, received, received_on in records:
        documents[item] = DocumentState(item, received=received == "1",
                                        received_on=date.fromisoformat(received_on) if received_on else None)
    return documents


def _state(row):
    """The CaseState the replay to the day gives, as far as the deadlines read it."""
    return CaseState(
        stage=STAGE_NAMES[_fact(row.then_stage, as_day=False)], stage_entered_on=_fact(row.then_entered_on),
        last_effective_date=_fact(row.last_effective_date), branch_resolution_date=_fact(row.resolution),
        decision_received_on=_fact(row.decision_received), ceremony_date=_fact(row.ceremony),
        recognition_vote_date=_fact(row.recognition_vote),
        recognition_vote_passed={1: True, 0: False}.get(_fact(row.recognition_vote_passed, as_day=False)),
        certificate_date=_fact(row.certificate),
        extensions={key: _fact(getattr(row, name)) for name, key in EXTENSIONS.items() if _fact(getattr(row, name))},
        documents=_document_states(row.documents))


def _case(row):
    """What the dossier checklist reads of the case row (pipeline.workflow.checklist._items)."""
    parent = SimpleNamespace(kind=row.parent_kind) if row.parent_kind else None
    return SimpleNamespace(youth_union_member=row.youth_union_member, date_of_birth=row.date_of_birth,
                           branch=SimpleNamespace(parent=parent))


class _RememberingCalendar(WorkingCalendar):
    """Cases share their starting days: each limit's last day is counted once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._added = {}

    def add_working_days(self, start, n):
        key = (start, n)
        if key not in self._added:
            self._added[key] = super().add_working_days(start, n)
        return self._added[key]


def _reasons(state, day, months):
    """Why the replayed case was stuck on `day`: its deadlines overdue then, its stage too long."""
    reasons = [StuckReason(OVERDUE, deadline_label(d.key, d.limit), d.due + timedelta(days=1), d.due, d.citation)
               for d in sorted(state.deadlines, key=lambda d: d.due) if d.due < day]
    too_long = too_long_reason(state.stage, state.stage_entered_on, day, months.get(state.stage))
    return reasons + [too_long] if too_long else reasons


def _stuck(rows, day, calendar, months):
    """The StuckCase of one case's rows, or None."""
    row = rows[0]
    if row.stage not in RULED_STAGES:
        # In the pool and the class the time in the stage alone makes a case stuck.
        stage, entered = row.stage, row.entered_on
        reasons = [too_long_reason(stage, entered, day, months.get(stage))]
    elif row.later_seq is None:
        # Unchanged since the day: its projection, overdue deadlines by their last day, in the
        # order of the rules on the same day, as the replay sorts them.
        stage, entered = row.stage_now, row.entered_now
        overdue = sorted((r for r in rows if r.key is not None), key=lambda r: (r.due_on, RULE_ORDER[r.key]))
        reasons = [StuckReason(OVERDUE, deadline_label(r.key, r.limit_value), r.due_on + timedelta(days=1), r.due_on,
                               r.citation) for r in overdue]
        reasons.append(too_long_reason(stage, entered, day, months.get(stage)))
    else:
        state = with_deadlines(_state(row), calendar, _case(row))
        stage, entered = state.stage, state.stage_entered_on
        reasons = _reasons(state, day, months)
    reasons = tuple(reason for reason in reasons if reason)
    if not reasons:
        return None
    return StuckCase(row.case_id, row.full_name, row.branch_id, row.branch_name, stage, entered, reasons)


def stuck_cases_on(root, day, limit=None):
    """(how many, the `limit` longest in their stage) StuckCases of the subtree on `day`."""
    rows = db.session.execute(_candidates(root, day)).all()
    calendar, months = _RememberingCalendar.load(), expected_months(day)
    by_case = {}
    for row in rows:
        by_case.setdefault(row.case_id, []).append(row)
    found = [stuck for stuck in (_stuck(rows, day, calendar, months) for rows in by_case.values()) if stuck]
    found.sort(key=lambda case: (case.stage_entered_on, case.case_id))
    return len(found), found[:limit] if limit else found


def stuck_cases_replayed(root, day, limit=None):
    """The same as `stuck_cases_on`, by replaying the whole log of every case open on `day` in a
    stage where a deadline runs: what the facts read in SQL must equal (tests), far slower (the
    log of each case as ORM objects, the transitions Machine). A log the process cannot follow is
    left out (`audit verify` reports it)."""
    cases = open_on(root, day).subquery("open_then")
    rows = db.session.execute(select(cases)).all()
    ids = select(cases.c.case_id).where(cases.c.stage.in_(RULED_STAGES))
    entries = {}
    logs = (select(LogEntry).options(noload(LogEntry.actor)).where(LogEntry.case_id.in_(ids))
            .order_by(LogEntry.case_id, LogEntry.seq))
    for entry in db.session.execute(logs).scalars():
        entries.setdefault(entry.case_id, []).append(entry)
    case_rows = {case.id: case for case in db.session.execute(
        select(Case).where(Case.id.in_(ids)).options(selectinload(Case.branch).selectinload(Unit.parent))).scalars()}
    calendar, months = WorkingCalendar.load(), expected_months(day)
    found = []
    for row in rows:
        if row.stage not in RULED_STAGES:
            too_long = too_long_reason(row.stage, row.entered_on, day, months.get(row.stage))
            if too_long:
                found.append(StuckCase(row.case_id, row.full_name, row.branch_id, row.branch_name, row.stage,
                                       row.entered_on, (too_long,)))
            continue
        then = list(takewhile(lambda entry: entry.effective_date <= day, entries.get(row.case_id, ())))
        try:
            state = replay(then, calendar, case_rows[row.case_id])
        except BrokenLog:
            continue
        reasons = _reasons(state, day, months)
        if reasons:
            found.append(StuckCase(row.case_id, row.full_name, row.branch_id, row.branch_name, state.stage,
                                   state.stage_entered_on, tuple(reasons)))
    found.sort(key=lambda case: (case.stage_entered_on, case.case_id))
    return len(found), found[:limit] if limit else found
