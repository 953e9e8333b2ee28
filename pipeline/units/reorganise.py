"""Reorganising the tree, as it happens in Vietnam (DOMAIN.md §1): units merged into a new or an
existing unit, a unit split among successors row by row, each with the day it takes effect.

A reorganisation is planned first (`plan_merge`, `plan_split`): everything that will move (the
units below, the open cases with their branch, the accounts) and every reason it cannot be done,
read without writing, for the preview page and the command line. Carrying it out
(`carry_out`) plans again inside one transaction and writes all of it or nothing:

- units below a unit that ends move to their successor, each a dated "moved" row of its chain;
- open cases of a branch that ends move with it, each with a log entry "moved with a
  reorganisation" naming both branches (deadlines keep running: the stage does not change);
- accounts of a unit that ends move to the successor or are disabled, as the administrator chose;
- the unit ends the day before, with a "merged" or "split" row naming its successors, and a
  UnitSuccession row per successor (reports add a merged unit's figures to its successor's).

Who may: an administrator of a unit strictly above every unit that ends, whose subtree holds
the successors."""
from dataclasses import dataclass, field
from datetime import timedelta

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import select

from pipeline.accounts.models import User
from pipeline.accounts.operations import set_active, update_user
from pipeline.base import clock
from pipeline.base.errors import NotPermitted
from pipeline.base.formatting import format_day
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.transaction import one_transaction
from pipeline.units.history import ended_on, latest_versions
from pipeline.units.models import BRANCH_KINDS, Unit, UnitSuccession
from pipeline.units.operations import (NOT_ADMINISTRATOR, UnitRefused, _record, create_unit, in_subtree, may_change,
                                       move_unit)
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.definition import ACT_BY_NAME, OPEN_STAGES
from pipeline.workflow.operations import hold, perform
from pipeline.workflow.projection import project

MOVE_ACT = ACT_BY_NAME["move_with_reorganisation"]
ACCOUNT_CHOICES = {"move": _l("Move them to the successor"), "disable": _l("Disable them")}


@dataclass(frozen=True)
class NewUnit:
    """A successor made by the merge itself, from its effective date."""
    code: str
    name: str
    kind: str
    parent: Unit
    decides_admissions: bool = False
    official_members: int | None = None

    @property
    def is_branch(self):
        return self.kind in BRANCH_KINDS

    id = None
    valid_to = None


@dataclass(frozen=True)
class Move:
    """One thing that moves: a unit below, an open case, an account (`to` None: disabled)."""
    subject: object  # Unit, Case or User
    source: Unit
    to: object  # Unit or NewUnit, None for a disabled account


@dataclass
class Plan:
    kind: str  # "merge" or "split"
    effective_date: object
    ending: list  # the units that end the day before
    successors: list
    units: list = field(default_factory=list)
    cases: list = field(default_factory=list)
    accounts: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def last_day(self):
        return self.effective_date - timedelta(days=1)


def open_children(unit):
    return db.session.execute(select(Unit).where(Unit.parent_id == unit.id, Unit.valid_to.is_(None))
                              .order_by(Unit.name, Unit.id)).scalars().all()


def open_cases(unit):
    return db.session.execute(select(Case).where(Case.branch_id == unit.id, Case.stage.in_(OPEN_STAGES))
                              .order_by(Case.sort_given_first, Case.id)).scalars().all()


def active_accounts(unit):
    return db.session.execute(select(User).where(User.unit_id == unit.id, User.active.is_(True))
                              .order_by(User.username)).scalars().all()


def _check_actor(actor, ending, successors):
    if actor is None:
        return
    if not all(may_change(actor, unit) for unit in ending):
        raise NotPermitted(NOT_ADMINISTRATOR)
    for successor in successors:
        above = successor.parent if isinstance(successor, NewUnit) else successor
        if not in_subtree(actor, above):
            raise NotPermitted(NOT_ADMINISTRATOR)


def _date_problems(plan):
    day, problems = plan.effective_date, []
    if day > clock.today():
        problems.append(_l("The date %(day)s is in the future: record a reorganisation once it takes effect.",
                           day=format_day(day)))
    latest = latest_versions([unit.id for unit in plan.ending])
    for unit in plan.ending:
        started = max(unit.valid_from, latest[unit.id].starts_on if unit.id in latest else unit.valid_from)
        if started >= day:
            problems.append(_l("%(unit)s started or changed on %(day)s: the reorganisation must take effect "
                               "after that day.", unit=unit.name, day=format_day(started)))
    for successor in plan.successors:
        if not isinstance(successor, NewUnit) and successor.valid_from > day:
            problems.append(_l("%(unit)s starts on %(day)s, after the reorganisation takes effect.",
                               unit=successor.name, day=format_day(successor.valid_from)))
    return problems


def _successor_problems(ending, successor):
    problems = []
    if successor.valid_to is not None:
        problems.append(_l("%(unit)s is closed (dissolved or merged): choose an open unit to merge into.",
                           unit=successor.name))
    for unit in ending:
        if successor.id == unit.id:
            problems.append(_l("%(unit)s cannot be merged into itself.", unit=unit.name))
        elif successor.id is not None and successor.path.startswith(unit.path):
            problems.append(_l("%(successor)s is below %(unit)s, which ends: choose a unit outside it.",
                               successor=successor.name, unit=unit.name))
        elif unit.is_branch != successor.is_branch:
            problems.append(_l("%(unit)s and %(successor)s are not of the same level: branches merge into a "
                               "branch, committees into a committee.", unit=unit.name, successor=successor.name))
    return problems


def _ending_problems(ending):
    problems = []
    if not ending:
        problems.append(_l("Choose the units that end."))
    for unit in ending:
        if unit.valid_to is not None:
            problems.append(_l("%(unit)s is closed already.", unit=unit.name))
    return problems


def _accounts_of(plan, unit, to, accounts):
    for user in active_accounts(unit):
        plan.accounts.append(Move(user, unit, to if accounts == "move" else None))


def plan_merge(actor, ending, successor, effective_date, accounts="move"):
    """What merging `ending` into `successor` (a Unit, or a NewUnit made by the merge) on
    `effective_date` moves, and why it cannot be done (`problems`)."""
    _check_actor(actor, ending, [successor])
    plan = Plan("merge", effective_date, list(ending), [successor])
    plan.problems += _ending_problems(ending) + _successor_problems(ending, successor)
    if accounts not in ACCOUNT_CHOICES:
        plan.problems.append(_l("Say what happens to the accounts of the units that end."))
    plan.problems += _date_problems(plan)
    for unit in ending:
        plan.units += [Move(child, unit, successor) for child in open_children(unit)]
        plan.cases += [Move(case, unit, successor) for case in open_cases(unit)]
        _accounts_of(plan, unit, successor, accounts)
    return plan


def plan_split(actor, unit, successor_of, effective_date, accounts):
    """What dividing `unit` among successors on `effective_date` moves. `successor_of` maps
    ("unit", id) and ("case", id) to the successor chosen for each open unit below and each
    open case; `accounts` maps an account id to its successor, or None to disable it. Every unit
    chosen for a row or an account is a successor (one that takes only accounts too)."""
    chosen = [*successor_of.values(), *accounts.values()]
    successors = list({s.id: s for s in chosen if s is not None}.values())
    _check_actor(actor, [unit], successors)
    plan = Plan("split", effective_date, [unit], successors)
    plan.problems += _ending_problems([unit]) + _date_problems(plan)
    if not successors:
        plan.problems.append(_l("Choose a successor for each row."))
    for successor in successors:
        plan.problems += _successor_problems([unit], successor)
    for kind, rows in (("unit", open_children(unit)), ("case", open_cases(unit))):
        for row in rows:
            to = successor_of.get((kind, row.id))
            if to is None:
                plan.problems.append(_l("%(name)s: choose its successor.", name=getattr(row, "name", None)
                                        or row.full_name))
            else:
                (plan.units if kind == "unit" else plan.cases).append(Move(row, unit, to))
    for user in active_accounts(unit):
        plan.accounts.append(Move(user, unit, accounts.get(user.id)))
    return plan


def carry_out(actor, planner, reason=""):
    """Plan again inside one transaction and write it all, or raise UnitRefused with the plan's
    problems and write nothing. `planner()` returns the Plan. Returns the plan carried out."""
    with one_transaction():
        plan = planner()
        if plan.problems:
            raise UnitRefused("effective_date", " ".join(str(problem) for problem in plan.problems))
        successors = {id(s): _made(actor, s, plan.effective_date) for s in plan.successors}

        def real(to):
            return successors.get(id(to), to)

        reason = reason or _default_reason(plan, [real(s) for s in plan.successors])
        for move in plan.units:
            move_unit(actor, move.subject, real(move.to), reason, plan.effective_date)
        calendar = WorkingCalendar.load()
        for move in plan.cases:
            _move_case(actor, move.subject, move.source, real(move.to), plan.effective_date, reason, calendar)
        for move in plan.accounts:
            if move.to is None:
                set_active(actor, move.subject, False, reason)
            else:
                user = move.subject
                update_user(actor, user, user.display_name, user.role, real(move.to))
        for unit in plan.ending:
            _end(actor, unit, plan, [real(s) for s in plan.successors], reason)
    return plan


def _made(actor, successor, effective_date):
    if not isinstance(successor, NewUnit):
        return successor
    return create_unit(actor, successor.code, successor.name, successor.kind, successor.parent,
                       successor.decides_admissions, successor.official_members, valid_from=effective_date)


def _default_reason(plan, successors):
    names = ", ".join(unit.name for unit in plan.ending)
    into = ", ".join(unit.name for unit in successors)
    if plan.kind == "merge":
        return str(_l("Merger of %(units)s into %(successor)s from %(day)s", units=names, successor=into,
                      day=format_day(plan.effective_date)))
    return str(_l("Division of %(units)s among %(successors)s from %(day)s", units=names, successors=into,
                  day=format_day(plan.effective_date)))


def _move_case(actor, case, source, to, effective_date, reason, calendar):
    db.session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    held = hold(case)
    perform(held, MOVE_ACT, actor, effective_date, {
        "from_branch_id": source.id, "to_branch_id": to.id, "from_branch_name": source.name,
        "to_branch_name": to.name}, reason)
    project(case, held.state, calendar)


def _end(actor, unit, plan, successors, reason):
    last_day = plan.last_day
    unit.valid_to = last_day
    ended_on(unit, last_day)
    for successor in successors:
        db.session.add(UnitSuccession(predecessor_id=unit.id, successor_id=successor.id,
                                      effective_date=plan.effective_date, kind=plan.kind))
    _record(actor, unit, "merged" if plan.kind == "merge" else "split",
            {"valid_to": [None, last_day], "successor_ids": [None, [s.id for s in successors]]},
            reason, plan.effective_date)
