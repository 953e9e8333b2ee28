"""Acts on a selection of cases in one submission: all or nothing. Each row is judged; if any
is refused nothing is written and `BulkRefused` carries one line per refused row, so the page
can say which candidate failed and why. A row carries its own data (a vote per candidate, a
decision number per candidate) or shares the submission's (`apply_to_many`)."""
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
from pipeline.workflow.snapshot import readable
from pipeline.workflow.operations import hold, perform, project, role_may, scope_filter
from pipeline.workflow.stages import stage_label


@dataclass
class Refusal:
    """One refused row of a bulk submission."""
    case_id: int | None
    name: str
    branch: str
    reasons: list
    vote_fails: bool = False  # refused only because its vote fails and that was not confirmed
    # The case is in the user's scope but not in the submission's unit: the API names no one then.
    outside_unit: bool = False


class BulkRefused(Exception):
    def __init__(self, refusals, accepted):
        super().__init__(refusals)
        self.refusals = refusals
        self.accepted = accepted  # rows that were fine, and were not written either


@dataclass
class BulkRow:
    """One row of a submission: the case, the act's data for it, and whether the user confirmed
    recording its vote though it fails (as the single act's form asks before a failing vote)."""
    case_id: object
    data: dict
    failure_confirmed: bool = False
    # The case's version as the user read it (the API sends it): another is a CaseChanged.
    expected_version: int | None = None
    # Once recorded: the stage the case went to, the entry's data, its place and hash in the
    # chain (read after the commit without loading the entries again).
    to_stage: str | None = None
    recorded: dict | None = None
    seq: int | None = None
    hash: str | None = None


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
                 selectinload(Case.deadlines), selectinload(Case.snapshot))
        .order_by(Case.id)
        .with_for_update(of=Case)
        .execution_options(populate_existing=True)
    ).scalars().all()
    return {case.id: case for case in cases}


def hold_all(cases):
    """case id -> LockedCase for the locked `cases` (a dict by id, snapshots loaded): each state
    read from its snapshot; the logs of the cases without one are read in one statement."""
    missing = [case_id for case_id, case in cases.items() if not readable(case.snapshot)]
    logs = logs_of(missing) if missing else {}
    return {case_id: hold(case, logs.get(case_id)) for case_id, case in cases.items()}


def refusal(case, reasons, case_id=None, vote_fails=False, outside_unit=False):
    if case is None:
        return Refusal(case_id, "", "", list(reasons))
    return Refusal(case.id, case.full_name, case.branch.name, list(reasons), vote_fails, outside_unit)


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
    rows = [BulkRow(case_id, data) for case_id in case_ids]
    return apply_rows(actor, name, rows, effective_date, reason=reason, today=today, unit=branch)


def _issuing_units(act, rows):
    """The units the rows name as issuing the act (a decision), id -> Unit, in one statement."""
    if not act.needs_deciding_unit:
        return {}
    ids = {row.data.get("issuing_unit_id") for row in rows}
    ids = [unit_id for unit_id in ids if isinstance(unit_id, int) and storable(unit_id)]
    if not ids:
        return {}
    return {unit.id: unit for unit in db.session.execute(select(Unit).where(Unit.id.in_(ids))).scalars()}


def _outside(unit, case):
    """Why a case of the user's scope is refused in a submission for `unit`, if it is not in it."""
    if unit is None or unit.is_ancestor_of(case.branch):
        return []
    if unit.is_branch:
        return [_l("The candidate belongs to another branch.")]
    return [_l("The candidate does not belong to %(unit)s.", unit=unit.name)]


def _gate(actor, act, case, data, issuers):
    """What refuses the row before its guards are asked (the single act's page and record_act
    ask the same): the role, the stage, the issuing unit."""
    if not role_may(actor, act, case):
        return [_l("Your role cannot record this act.")]
    if case.stage not in act.sources:
        return [_l("The case is at the stage “%(stage)s”.", stage=stage_label(case.stage))]
    if act.needs_deciding_unit and "issuing_unit_id" in data:
        issuer = issuers.get(data["issuing_unit_id"])
        if not (issuer and issuer.decides_admissions and issuer.is_ancestor_of(case.branch)
                and actor.unit.is_ancestor_of(issuer)):
            return [_l("The issuing unit does not have the power to decide admissions for this branch.")]
    return []


def failing_vote(act, entry):
    """The reasons a row whose vote fails is held back until the user confirms it."""
    data = entry.data
    return [_l("%(votes_for)d votes for, %(needed)d of %(total)d needed: the vote fails.",
               votes_for=data["votes_for"], needed=data["votes_needed"], total=data[act.outcome.total_key]),
            _l("Recorded, it sends the case to “%(stage)s”: tick “Record though the vote fails” on its row "
               "to record it.", stage=stage_label(act.fail_dest))]


def apply_rows(actor, name, rows, effective_date, reason="", today=None, unit=None):
    """The act on each row's case with the row's data (every case in `unit`'s subtree, if given);
    all or nothing. A vote that fails is refused unless its row confirms it; a case no longer at
    the version its row expects is a CaseChanged."""
    act = ACT_BY_NAME[name]

    def work():
        refusals, entries = [], []
        cases = lock_cases([row.case_id for row in rows], actor)
        holds = hold_all(cases)
        calendar = WorkingCalendar.load()
        issuers = _issuing_units(act, rows)
        seen = set()
        for row in rows:
            if row.case_id in seen:
                continue
            seen.add(row.case_id)
            case = cases.get(row.case_id)
            if case is None:
                refusals.append(refusal(None, [_l("No such case in your units.")], row.case_id))
                continue
            reasons = _outside(unit, case)
            if reasons:
                refusals.append(refusal(case, reasons, outside_unit=True))
                continue
            if row.expected_version is not None and case.version != row.expected_version:
                raise CaseChanged()  # nothing is written: the user reads the cases again
            reasons = _gate(actor, act, case, row.data, issuers)
            if reasons:
                refusals.append(refusal(case, reasons))
                continue
            held = holds[case.id]
            try:
                entry = perform(held, act, actor, effective_date, row.data, reason=reason, today=today)
            except ActBlocked as blocked:
                refusals.append(refusal(case, blocked.reasons))
                continue
            if act.outcome and entry.data.get("passed") is False and not row.failure_confirmed:
                # Its entry is rolled back with the rest: the submission is refused.
                refusals.append(refusal(case, failing_vote(act, entry), vote_fails=True))
                continue
            project(case, held.state, calendar)
            row.to_stage, row.recorded = entry.to_stage, dict(entry.data)
            row.seq, row.hash = entry.seq, entry.hash
            entries.append(entry)
        return refusals, entries

    return all_or_nothing(work)
