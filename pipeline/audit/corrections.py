"""Correcting an act without touching its row: a "record_correction" fact naming the act it
corrects (its seq), what was wrong and what it should read, with a reason. The corrected row stays
as it was written, so the hash chain stays whole and both versions remain readable.

A correction cannot itself be corrected: a second correction of the same act says the newer word,
and the history keeps both."""
from flask_babel import lazy_gettext as _l

from pipeline.web import format_day
from pipeline.workflow import definition, operations

CORRECTION_EVENT = definition.CORRECTION_EVENT
FACT = definition.FACT_BY_EVENT[CORRECTION_EVENT]


def may_correct(user):
    """By role; the case itself is checked for scope when the correction is recorded."""
    return user.role in FACT.roles


def correctable(events):
    """The acts of a case that a correction may name: every one but the corrections."""
    return [row for row in events if row.act != CORRECTION_EVENT]


def corrections_by_seq(events):
    """seq of a corrected act -> its correction rows, in order."""
    found = {}
    for row in events:
        if row.act == CORRECTION_EVENT:
            found.setdefault((row.data or {}).get("corrects_seq"), []).append(row)
    return found


def record_correction(case_id, actor, corrects_seq, what, corrected_value, reason, effective_date,
                      expected_version=None):
    """Log the correction in one transaction (scope, lock, version as for any act); raises
    ActError with the reason it is refused."""
    with operations.one_transaction():
        case = operations.lock_case(case_id, actor, expected_version)
        if not may_correct(actor):
            raise operations.NotPermitted(_l("Your role cannot record this act."))
        events = operations.load_events(case.id)
        target = next((row for row in events if row.seq == corrects_seq), None)
        problems = []
        if target is None:
            problems.append(_l("Act no. %(seq)d is not in this case's log.", seq=corrects_seq))
        elif target.act == CORRECTION_EVENT:
            problems.append(_l("A correction cannot be corrected: record another correction of act no. %(seq)d.",
                               seq=(target.data or {}).get("corrects_seq") or target.seq))
        elif effective_date < target.effective_date:
            problems.append(_l("A correction cannot be dated before the act it corrects (%(day)s).",
                               day=format_day(target.effective_date)))
        if not (reason or "").strip():
            problems.append(_l("A reason is required for this act."))
        if problems:
            raise operations.ActBlocked(*problems)
        data = {"corrects_seq": target.seq, "corrects_event": target.act, "what": what.strip(),
                "corrected_value": corrected_value.strip()}
        row = operations.record_fact(case, FACT, actor, effective_date, data, reason.strip(), events=events)
    return row
