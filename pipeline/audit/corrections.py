"""Correcting an act without touching its entry: a "record_correction" act naming the act it
corrects (its seq), what was wrong and what it should read, with a reason. The corrected entry
stays as it was written, so the hash chain stays whole and both versions remain readable.

A correction cannot itself be corrected: a second correction of the same act says the newer word,
and the history keeps both."""
from pipeline.base.i18n import lazy_gettext as _l

from pipeline.base.errors import CaseChanged, NotPermitted
from pipeline.transaction import one_transaction
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.definition import CORRECTION
from pipeline.workflow.operations import hold, lock_case, perform, project


def may_correct(user):
    """By role; the case itself is checked for scope when the correction is recorded."""
    return user.role in CORRECTION.roles


def correctable(log):
    """The acts of a case that a correction may name: every one but the corrections."""
    return [row for row in log if row.act != CORRECTION.name]


def corrections_by_seq(log):
    """seq of a corrected act -> its correction entries, in order."""
    found = {}
    for row in log:
        if row.act == CORRECTION.name:
            found.setdefault((row.data or {}).get("corrects_seq"), []).append(row)
    return found


def record_correction(case_id, actor, corrects_seq, what, corrected_value, reason, effective_date,
                      expected_version=None):
    """Log the correction in one transaction (scope, lock, version as for any act); raises
    ActError with the reasons it is refused (the act's guards: pipeline.workflow.guards)."""
    with one_transaction(conflict=CaseChanged):
        case = lock_case(case_id, actor, expected_version)
        if not may_correct(actor):
            raise NotPermitted(_l("Your role cannot record this act."))
        held = hold(case, whole_log=True)
        target = next((row for row in held.log if row.seq == corrects_seq), None)
        data = {"corrects_seq": corrects_seq, "corrects_event": target.act if target else None,
                "what": what.strip(), "corrected_value": corrected_value.strip()}
        row = perform(held, CORRECTION, actor, effective_date, data, (reason or "").strip())
        project(case, held.state, WorkingCalendar.load())
    return row
