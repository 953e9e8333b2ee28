"""The deadlines of DOMAIN.md §3, as one table: which stage each runs in, the day it counts
from, and the rulebook value that sets its length. Working-day limits count in the working-day
calendar; month limits count calendar months and end on the same last day the guards allow."""
from dataclasses import dataclass, replace
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from pipeline.base.i18n import lazy_gettext as _l

from pipeline.rules.rulebook import NoRulebook, rulebook_on

WORKING_DAYS = "working_days"
MONTHS = "months"
EXTENDED = "_extended"  # the key of a deadline once extended: "decision_extended"
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

    def on(self, today, calendar):
        """The same deadline with what is left of it on `today` (negative when overdue)."""
        if self.in_working_days:
            remaining = calendar.working_days_between(today, self.due)
        else:
            remaining = (self.due - today).days
        return replace(self, remaining=remaining, overdue=today > self.due)

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
    # (state, checklist lines or None, day) -> the day the limit counts from, or None when it is
    # not running.
    start: object
    # Month limits: days added to "start + N months" to get the last day in time (see guards).
    last_day_offset: int = 0
    needs_checklist: bool = False  # counts from the dossier checklist's documents
    # A limit the deciding unit may extend once (pipeline.workflow.extension): the rulebook value
    # of the extension's length, and the text shown once it is extended.
    extension_rule: str | None = None
    extended_label: object = None

    @property
    def extended_key(self):
        return f"{self.key}{EXTENDED}"


def twelve_month_mark(ceremony):
    """The 12-month mark: the ceremony date plus the rulebook's probation months, by calendar
    month (dateutil): a ceremony on 29 February 2024 ends probation on 28 February 2025, the last
    day of the month when that month is shorter, as guards.probation_end counts it."""
    if ceremony is None:
        return None
    return ceremony + relativedelta(months=rulebook_on(ceremony)["probation_months"])


def _recognition_review_start(state, checklist, day):
    # Running until the branch has voted on recognition.
    if state.recognition_vote_date is not None:
        return None
    return twelve_month_mark(state.ceremony_date)


def _recognition_decision_start(state, checklist, day):
    # Running once the branch has voted for recognition (a failed vote leads to striking off).
    if state.recognition_vote_passed is False:
        return None
    return state.recognition_vote_date


def oldest_stale_document(checklist, day):
    """The receipt date of the oldest received document the staleness rule applies to: the
    checklist judges each such document stale at the branch vote once it is older than the
    rulebook's months (pipeline.workflow.checklist), so the oldest one goes first. `day` chooses
    the rulebook that says which documents go stale."""
    if not checklist:
        return None
    book = rulebook_on(day)
    subject = {spec.key for spec in getattr(book, "documents", ()) if spec.stale}
    return min((line.received_on for line in checklist
                if line.required and line.received and line.received_on and line.key.split(":")[0] in subject),
               default=None)


DEADLINE_RULES = (
    DeadlineRule("decision",
                 lambda n: _l("Admission decision, within %(days)d working days of the branch resolution", days=n),
                 ("committee_review", "decision"), "decision_working_days", WORKING_DAYS,
                 lambda state, checklist, day: state.branch_resolution_date,
                 extension_rule="decision_extension_working_days",
                 extended_label=lambda n: _l("Admission decision, extended: within %(days)d working days of the "
                                             "branch resolution", days=n)),
    DeadlineRule("ceremony",
                 lambda n: _l("Admission ceremony, within %(days)d working days of receiving the decision", days=n),
                 ("ceremony",), "ceremony_working_days", WORKING_DAYS,
                 lambda state, checklist, day: state.decision_received_on),
    DeadlineRule("recognition_review",
                 lambda n: _l("Branch review of recognition, within %(days)d working days after the 12 months "
                              "of probation", days=n),
                 ("probation",), "recognition_review_working_days", WORKING_DAYS, _recognition_review_start),
    DeadlineRule("recognition_decision",
                 lambda n: _l("Recognition decision, within %(days)d working days of the branch resolution", days=n),
                 ("probation",), "recognition_decision_working_days", WORKING_DAYS, _recognition_decision_start,
                 extension_rule="recognition_decision_extension_working_days",
                 extended_label=lambda n: _l("Recognition decision, extended: within %(days)d working days of the "
                                             "branch resolution", days=n)),
    # guards.training_certificate_valid refuses from the expiry day itself: the day before is the last.
    DeadlineRule("certificate",
                 lambda n: _l("Branch vote while the training certificate is valid (%(months)d months)", months=n),
                 ("dossier", "branch_vote"), "certificate_validity_months", MONTHS,
                 lambda state, checklist, day: state.certificate_date, last_day_offset=-1),
    # The checklist marks a document stale only after the limit: the limit itself is the last day.
    DeadlineRule("dossier",
                 lambda n: _l("Branch vote before the oldest document of the dossier is more than %(months)d "
                              "months old", months=n),
                 ("dossier", "branch_vote"), "dossier_staleness_months", MONTHS,
                 lambda state, checklist, day: oldest_stale_document(checklist, day), needs_checklist=True),
)
DEADLINE_RULE_BY_KEY = {rule.key: rule for rule in DEADLINE_RULES}
# An extended deadline keeps its rule under its own key, with the label that says so.
DEADLINE_RULE_BY_KEY |= {rule.extended_key: replace(rule, key=rule.extended_key, label=rule.extended_label)
                         for rule in DEADLINE_RULES if rule.extension_rule}
# The stages in which a deadline needs the dossier checklist.
CHECKLIST_STAGES = frozenset(stage for rule in DEADLINE_RULES if rule.needs_checklist for stage in rule.stages)


def deadline_due(rule, start, calendar):
    """(the last day in time, the rulebook value used) for a limit counting from `start`,
    by the rulebook in force on `start`."""
    value = rulebook_on(start).values[rule.rule]
    if rule.unit == WORKING_DAYS:
        return calendar.add_working_days(start, value.value), value
    return start + relativedelta(months=value.value) + timedelta(days=rule.last_day_offset), value


def extension_due(rule, start, due, calendar):
    """(the last day in time once extended, the rulebook value of the extension) for a limit
    counting from `start` that ended on `due`: the extension counts on from the original last
    day, by the rulebook in force on `start`, as the limit itself."""
    value = rulebook_on(start).values[rule.extension_rule]
    return calendar.add_working_days(due, value.value), value


def extended(rule, state, start):
    """Whether the case's log extends this limit, counted from `start` (a new branch resolution
    starts a new limit, which the earlier extension does not reach)."""
    return rule.extension_rule is not None and state.extensions.get(rule.key) == start


def running_deadlines(state, today, calendar, checklist=None, day=None):
    """The deadlines running in the case's current stage, in the order of DEADLINE_RULES, with
    what is left of each on `today`. `checklist`: the case's dossier checklist lines, for the
    staleness limit (without them that deadline is not shown), judged on `day` (today unless
    given), whose rulebook says which documents go stale."""
    found = []
    for rule in DEADLINE_RULES:
        if state.stage not in rule.stages:
            continue
        start = rule.start(state, checklist, day or today)
        if start is None:
            continue
        try:
            due, value = deadline_due(rule, start, calendar)
        except NoRulebook:
            continue  # no rulebook covers the starting day: nothing to count
        deadline = Deadline(rule.key, rule.label(value.value), start, due, 0, False, value.citation,
                            rule.unit, value.confirmed, value.value)
        if extended(rule, state, start):
            deadline = _with_extension(deadline, rule, calendar)
        found.append(deadline.on(today, calendar))
    return found


def _with_extension(deadline, rule, calendar):
    due, value = extension_due(rule, deadline.start, deadline.due, calendar)
    limit = deadline.limit + value.value
    return replace(deadline, key=rule.extended_key, label=rule.extended_label(limit), due=due, limit=limit,
                   citation=f"{deadline.citation}; {value.citation}",
                   confirmed=deadline.confirmed and value.confirmed)


def stored_deadline(row, today, calendar):
    """A deadline as its case_deadline row keeps it, with what is left of it on `today`."""
    rule = DEADLINE_RULE_BY_KEY[row.key]
    return Deadline(row.key, rule.label(row.limit_value), row.starts_on, row.due_on, 0, False, row.citation,
                    row.limit_unit, row.confirmed, row.limit_value).on(today, calendar)
