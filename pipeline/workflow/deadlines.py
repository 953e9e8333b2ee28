"""The deadlines of DOMAIN.md §3, as one table: which stage each runs in, the day it counts
from, and the rulebook value that sets its length. Working-day limits count in the working-day
calendar; month limits count calendar months and end on the same last day the guards allow."""
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from flask_babel import lazy_gettext as _l

from pipeline.base import clock
from pipeline.dossier.checklist import checklist_for
from pipeline.rules.rulebook import NoRulebook, rulebook_on
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.facts import CaseFacts

WORKING_DAYS = "working_days"
MONTHS = "months"
# A deadline this close is shown as urgent.
SOON_WORKING_DAYS = 5
SOON_DAYS = 30


@dataclass(frozen=True)
class Deadline:
    key: str
    label: object
    start: date  # the day the limit counts from
    due: date  # the last day on which the act is still in time
    remaining: int  # working days (or calendar days, for month limits) left; negative when overdue
    overdue: bool
    citation: str
    unit: str = WORKING_DAYS
    confirmed: bool = True  # False: the rule's figure comes from secondary sources only
    limit: int = 0  # the rulebook's figure, in `unit`

    @property
    def in_working_days(self):
        return self.unit == WORKING_DAYS

    @property
    def state(self):
        if self.overdue:
            return "overdue"
        return "soon" if self.remaining <= (SOON_WORKING_DAYS if self.in_working_days else SOON_DAYS) else "ok"


@dataclass(frozen=True)
class DeadlineRule:
    key: str
    label: object  # the rule's value -> the text shown
    stages: tuple
    rule: str  # the rulebook value that sets the length
    unit: str
    # (facts, checklist lines or None, today) -> the day the limit counts from, or None when it
    # is not running.
    start: object
    # Month limits: days added to "start + N months" to get the last day in time (see guards).
    last_day_offset: int = 0
    needs_checklist: bool = False  # counts from the dossier checklist's documents


def twelve_month_mark(ceremony):
    """The 12-month mark: the ceremony date plus the rulebook's probation months, by calendar
    month (dateutil): a ceremony on 29 February 2024 ends probation on 28 February 2025, the last
    day of the month when that month is shorter, as guards.probation_end counts it."""
    if ceremony is None:
        return None
    return ceremony + relativedelta(months=rulebook_on(ceremony)["probation_months"])


def _recognition_review_start(facts, checklist, today):
    # Running until the branch has voted on recognition.
    if getattr(facts, "recognition_vote_date", None) is not None:
        return None
    return twelve_month_mark(facts.ceremony_date)


def _recognition_decision_start(facts, checklist, today):
    # Running once the branch has voted for recognition (a failed vote leads to striking off).
    if getattr(facts, "recognition_vote_passed", True) is False:
        return None
    return getattr(facts, "recognition_vote_date", None)


def oldest_stale_document(checklist, today):
    """The receipt date of the oldest received document the staleness rule applies to: the
    checklist judges each such document stale at the branch vote once it is older than the
    rulebook's months (pipeline.dossier.checklist), so the oldest one goes first."""
    if not checklist:
        return None
    book = rulebook_on(today)
    subject = {spec.key for spec in getattr(book, "documents", ()) if spec.stale}
    return min((line.received_on for line in checklist
                if line.required and line.received and line.received_on and line.key.split(":")[0] in subject),
               default=None)


DEADLINE_RULES = (
    DeadlineRule("decision",
                 lambda n: _l("Admission decision, within %(days)d working days of the branch resolution", days=n),
                 ("committee_review", "decision"), "decision_working_days", WORKING_DAYS,
                 lambda facts, checklist, today: facts.branch_resolution_date),
    DeadlineRule("ceremony",
                 lambda n: _l("Admission ceremony, within %(days)d working days of receiving the decision", days=n),
                 ("ceremony",), "ceremony_working_days", WORKING_DAYS,
                 lambda facts, checklist, today: facts.decision_received_on),
    DeadlineRule("recognition_review",
                 lambda n: _l("Branch review of recognition, within %(days)d working days after the 12 months "
                              "of probation", days=n),
                 ("probation",), "recognition_review_working_days", WORKING_DAYS, _recognition_review_start),
    DeadlineRule("recognition_decision",
                 lambda n: _l("Recognition decision, within %(days)d working days of the branch resolution", days=n),
                 ("probation",), "recognition_decision_working_days", WORKING_DAYS, _recognition_decision_start),
    # guards.training_certificate_valid refuses from the expiry day itself: the day before is the last.
    DeadlineRule("certificate",
                 lambda n: _l("Branch vote while the training certificate is valid (%(months)d months)", months=n),
                 ("dossier", "branch_vote"), "certificate_validity_months", MONTHS,
                 lambda facts, checklist, today: facts.certificate_date, last_day_offset=-1),
    # The checklist marks a document stale only after the limit: the limit itself is the last day.
    DeadlineRule("dossier",
                 lambda n: _l("Branch vote before the oldest document of the dossier is more than %(months)d "
                              "months old", months=n),
                 ("dossier", "branch_vote"), "dossier_staleness_months", MONTHS,
                 lambda facts, checklist, today: oldest_stale_document(checklist, today), needs_checklist=True),
)
# The stages in which a deadline needs the dossier checklist.
CHECKLIST_STAGES = frozenset(stage for rule in DEADLINE_RULES if rule.needs_checklist for stage in rule.stages)


def deadline_due(rule, start, calendar):
    """(the last day in time, the rulebook value used) for a limit counting from `start`,
    by the rulebook in force on `start`."""
    value = rulebook_on(start).values[rule.rule]
    if rule.unit == WORKING_DAYS:
        return calendar.add_working_days(start, value.value), value
    return start + relativedelta(months=value.value) + timedelta(days=rule.last_day_offset), value


def running_deadlines(case, facts, today, calendar, checklist=None):
    """The deadlines running in the case's current stage, in the order of DEADLINE_RULES.
    `checklist`: the case's dossier checklist lines judged today, for the staleness limit
    (without them that deadline is not shown)."""
    found = []
    for rule in DEADLINE_RULES:
        if case.stage not in rule.stages:
            continue
        start = rule.start(facts, checklist, today)
        if start is None:
            continue
        try:
            due, value = deadline_due(rule, start, calendar)
        except NoRulebook:
            continue  # no rulebook covers the starting day: nothing to count
        if rule.unit == WORKING_DAYS:
            remaining = calendar.working_days_between(today, due)
        else:
            remaining = (due - today).days
        found.append(Deadline(rule.key, rule.label(value.value), start, due, remaining, today > due, value.citation,
                              rule.unit, value.confirmed, value.value))
    return found


def case_deadlines(case, events, today=None, calendar=None, checklist=None):
    """The running deadlines of a case from its log rows: what the case page and the printout show.
    Loads the calendar's overrides (one query) unless given, and builds the dossier checklist
    judged `today` in the stages that need it, unless given (the case's dossier items are loaded
    once and shared with the guards)."""
    today = today or clock.today()
    if checklist is None and case.stage in CHECKLIST_STAGES:
        checklist = checklist_for(case, case.dossier_items, today, events)
    return running_deadlines(case, CaseFacts.from_events(events), today,
                             calendar if calendar is not None else WorkingCalendar.load(), checklist)
