"""Acts on a selection of cases in one submission: all or nothing. Each row is judged; if any
is refused nothing is written and `BulkRefused` carries one line per refused row, so the page
can say which candidate failed and why."""
from dataclasses import dataclass

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from pipeline.base.errors import ActBlocked, CaseChanged
from pipeline.base.ids import storable
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.transaction import one_transaction
from pipeline.units.models import Unit
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.definition import ACT_BY_NAME
from pipeline.workflow.log import logs_of
from pipeline.workflow.operations import hold, perform, project, role_may, scope_filter
from pipeline.workflow.stages import stage_label


@dataclass
class Refusal:
    """One refused row of a bulk submission."""
    case_id: int | None
    name: str
    branch: str
    reasons: list


class BulkRefused(Exception):
    def __init__(self, refusals, accepted):
        super().__init__(refusals)
        self.refusals = refusals
        self.accepted = accepted  # rows that were fine, and were not written either


def lock_cases(case_ids, actor):
    """The cases of the selection inside the actor's scope, locked in id order (so that two bulk
    submissions never wait on each other in a circle), fresh from the database, with what their
    projections need loaded in a few statements."""
    wanted = sorted({case_id for case_id in case_ids if storable(case_id)})  # others are no case: refused
    if not wanted:
        return {}
    cases = db.session.execute(
        select(Case).join(Unit, Case.branch_id == Unit.id)
        .where(Case.id.in_(wanted), scope_filter(actor))
        .options(contains_eager(Case.branch), selectinload(Case.dossier_items), selectinload(Case.enrolments),
                 selectinload(Case.deadlines))
        .order_by(Case.id)
        .with_for_update(of=Case)
        .execution_options(populate_existing=True)
    ).scalars().all()
    return {case.id: case for case in cases}


def refusal(case, reasons, case_id=None):
    if case is None:
        return Refusal(case_id, "", "", list(reasons))
    return Refusal(case.id, case.full_name, case.branch.name, list(reasons))


def all_or_nothing(work):
    """Run `work()` -> (refusals, accepted entries); commit only if nothing was refused."""
    with one_transaction(conflict=CaseChanged):
        refusals, entries = work()
        if refusals:
            raise BulkRefused(refusals, accepted=len(entries))
    return entries


def apply_to_many(actor, name, case_ids, effective_date, data, reason="", today=None, branch=None):
    """The same act, with the same data, on every selected case (of `branch`, if given);
    all or nothing."""
    act = ACT_BY_NAME[name]

    def work():
        refusals, entries = [], []
        cases = lock_cases(case_ids, actor)
        logs = logs_of(cases)
        calendar = WorkingCalendar.load()
        for case_id in dict.fromkeys(case_ids):
            case = cases.get(case_id)
            if case is None:
                refusals.append(refusal(None, [_l("No such case in your units.")], case_id))
            elif branch is not None and case.branch_id != branch.id:
                refusals.append(refusal(case, [_l("The candidate belongs to another branch.")]))
            elif not role_may(actor, act, case):
                refusals.append(refusal(case, [_l("Your role cannot record this act.")]))
            elif case.stage not in act.sources:
                refusals.append(refusal(case, [_l("The case is at the stage “%(stage)s”.",
                                                  stage=stage_label(case.stage))]))
            else:
                held = hold(case, logs[case.id])
                try:
                    entries.append(perform(held, act, actor, effective_date, data, reason=reason, today=today))
                except ActBlocked as blocked:
                    refusals.append(refusal(case, blocked.reasons))
                else:
                    project(case, held.state, calendar)
        return refusals, entries

    return all_or_nothing(work)
