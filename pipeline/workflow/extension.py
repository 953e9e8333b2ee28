"""The deciding unit's extension of a decision limit (issue 14). Quy định 29-QĐ/TW (2016) and
24-QĐ/TW (2021), point 4.3.1: the competent committee decides within 60 working days of the
branch resolution proposing admission, within 30 of the one proposing recognition; "trường hợp
đặc biệt, có thể gia hạn tối đa 30 ngày làm việc", one sentence for both. An extension is an act
of the case's log (pipeline.workflow.definition): dated, with its reason, recorded once for the
limit it extends, while that limit still runs; a decision taken after it is late and answered for
("nếu để quá thời hạn trên mà không có lý do chính đáng thì phải kiểm điểm trách nhiệm"), not
extended after the fact. The running deadline then ends the extension's working days later
(pipeline.workflow.deadlines)."""
from datetime import date

from pipeline.base.formatting import format_day
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.rules.rulebook import NoRulebook
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.deadlines import DEADLINE_RULE_BY_KEY, deadline_due, extended, extension_due
from pipeline.workflow.guards import Guard

COUNTS_FROM = "counts_from"  # the entry's data: the day the extended limit counts from


def _calendar(ctx):
    return ctx.remember("calendar", WorkingCalendar.load)


def _limit(ctx, rule):
    """(the day the limit counts from, its last day) as the case stands, or None when it is not
    running or no rulebook covers its start."""
    start = rule.start(ctx.state, None, ctx.on_date)
    if start is None:
        return None
    try:
        return start, deadline_due(rule, start, _calendar(ctx))[0]
    except NoRulebook:
        return None


def extension_allowed(key, label):
    """Guard: the limit `key` runs, has not been extended yet, and has not passed on the act's date."""
    rule = DEADLINE_RULE_BY_KEY[key]

    def check(ctx):
        limit = _limit(ctx, rule)
        if limit is None:
            return [_l("No time limit for this decision is running.")]
        start, due = limit
        if extended(rule, ctx.state, start):
            return [_l("This time limit has already been extended once; it cannot be extended again.")]
        if ctx.on_date > due:
            return [_l("The time limit ended on %(due)s: a limit that has passed cannot be extended.",
                       due=format_day(due))]
        return []
    return Guard(f"extension_allowed_for_{key}", label, check)


def extension_details(key):
    """Derived data: which limit the entry extends, from when it counts, and its last day
    before and after."""
    rule = DEADLINE_RULE_BY_KEY[key]

    def derive(ctx):
        start, due = _limit(ctx, rule)
        new_due, value = extension_due(rule, start, due, _calendar(ctx))
        return {"extends": key, COUNTS_FROM: start.isoformat(), "working_days": value.value,
                "due_before": due.isoformat(), "due_after": new_due.isoformat()}
    return derive


def extends(key):
    """What the entry adds to the state: the limit counting from its day is extended."""
    def effect(state, entry):
        state.extensions = {**state.extensions, key: date.fromisoformat(entry.data[COUNTS_FROM])}
    return effect


decision_extension_allowed = extension_allowed(
    "decision", _l("The decision's time limit is running, not extended yet and not passed"))
recognition_extension_allowed = extension_allowed(
    "recognition_decision", _l("The recognition decision's time limit is running, not extended yet and not passed"))
