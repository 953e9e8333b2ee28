"""The tree as it was on a day. Each unit's name and place are kept per period (UnitVersion),
rewritten here by every dated change in the change's own transaction; a case's branch on a day
is its present branch unless a later move (pipeline.units.reorganise) took it from another.

Reports for a period read both as of the period's day (`tree_on`, `branch_on`), so a merge
dated later leaves the figures of earlier years as they were."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import Date, and_, bindparam, case as case_when, func, null, or_, select, true
from sqlalchemy.orm import aliased, join

from pipeline.base import clock
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units.models import KindOf, Unit, UnitSuccession, UnitVersion, subtree_filter
from pipeline.workflow.models import LogEntry

# The acts that take a case from one branch to another; their data names both.
MOVE_ACTS = ("move_with_reorganisation", "transfer_branch")


class DatedBeforeLastChange(Exception):
    """A change dated before the unit's latest change: the periods would overlap."""

    def __init__(self, unit, last_day):
        super().__init__(f"{unit.code} changed last on {last_day}")
        self.unit = unit
        self.last_day = last_day

    @property
    def message(self):
        return _l("%(unit)s changed last on %(day)s: a later change cannot take effect before that day.",
                  unit=self.unit.name, day=self.last_day.strftime("%d/%m/%Y"))


def latest_versions(unit_ids):
    """unit id -> its newest version (the one a dated change ends or rewrites)."""
    if not unit_ids:
        return {}
    newest = (select(UnitVersion.unit_id, func.max(UnitVersion.starts_on).label("starts_on"))
              .where(UnitVersion.unit_id.in_(unit_ids)).group_by(UnitVersion.unit_id).subquery())
    rows = db.session.execute(select(UnitVersion).join(newest, and_(
        newest.c.unit_id == UnitVersion.unit_id, newest.c.starts_on == UnitVersion.starts_on))).scalars()
    return {version.unit_id: version for version in rows}


def check_dated(units, day):
    """Refuse a change of `units` dated before one of their latest versions began."""
    for unit in units:
        version = latest_versions([unit.id]).get(unit.id)
        if version is not None and version.starts_on > day:
            raise DatedBeforeLastChange(unit, version.starts_on)


def placed_from(units, day):
    """The units' present names and places hold from `day`: each newest version ends the day
    before (or is rewritten, when it began that day) and a new one starts. Call after changing
    the rows and flushing them (a move's paths included)."""
    units = list(units)
    latest = latest_versions([unit.id for unit in units])
    for unit in units:
        version = latest.get(unit.id)
        if version is not None and version.starts_on > day:
            raise DatedBeforeLastChange(unit, version.starts_on)
        if version is not None and version.starts_on == day:
            for name in UnitVersion.PLACED:
                setattr(version, name, getattr(unit, name))
            version.ends_on = unit.valid_to
            continue
        if version is not None:
            version.ends_on = day - timedelta(days=1)
        db.session.add(UnitVersion.of(unit, day))


def ended_on(unit, day):
    """The unit closed on `day`: its newest version ends then."""
    version = latest_versions([unit.id]).get(unit.id)
    if version is not None:
        version.ends_on = day


def subtree_units(unit):
    return db.session.execute(select(Unit).where(subtree_filter(unit)).order_by(Unit.path)).scalars().all()


# --- reading the tree of a day -----------------------------------------------------------------

def valid_on(version, day):
    """SQL condition: the version (an alias of UnitVersion) holds on `day`."""
    return and_(version.starts_on <= day, or_(version.ends_on.is_(None), version.ends_on >= day))


def version_on(unit_id, day):
    """The unit's version on `day`, or None when it did not exist then."""
    return db.session.execute(select(UnitVersion).where(UnitVersion.unit_id == unit_id, valid_on(UnitVersion, day))
                              .limit(1)).scalar_one_or_none()


def branch_on(day, case=Case):
    """SQL expression: the id of the branch a case belonged to on `day`, the branch it was moved
    from by its first move after that day, else the branch it is in now."""
    move = aliased(LogEntry, name="later_move")
    moved_from = (select(move.data["from_branch_id"].as_integer())
                  .where(move.case_id == case.id, move.act.in_(MOVE_ACTS), move.effective_date > day)
                  .order_by(move.effective_date, move.seq).limit(1)
                  # The case (and `day`'s table) come from the statement it is used in, however deep.
                  .correlate_except(move).scalar_subquery())
    return func.coalesce(moved_from, case.branch_id)


def placed_branch(day, root_path=None, name="placed"):
    """(branch version alias, join condition): a case's branch as it was named and placed on
    `day`, the one it belonged to then; within the subtree whose path on that day was
    `root_path`, when given. `select(...).select_from(Case).join(alias, condition)`."""
    branch = aliased(UnitVersion, name=name)
    condition = and_(branch.unit_id == branch_on(day), valid_on(branch, day))
    if root_path is not None:
        condition = and_(condition, branch.path.startswith(root_path, autoescape=True))
    return branch, condition


@dataclass
class UnitOn(KindOf):
    """A unit as it was on a day: what the reports' lines and rows show of it."""
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    path: str
    depth: int
    decides_admissions: bool
    valid_from: date
    valid_to: date | None
    formerly: list = field(default_factory=list)  # names of the units it replaced (merged into it)

    @property
    def formerly_label(self):
        return ", ".join(self.formerly)


def units_on(day, where=None, children_of=None):
    """The units whose version holds on `day` (filtered by `where`, a condition on the version;
    or the unit `children_of` and the units directly under it), as UnitOn, with the names of the
    units they replaced. Two statements."""
    return _units("on", day, where, children_of)


# The units' statements, built once: aliases cost more to build than a small tree's rows to read.
_DAY = bindparam("day", type_=Date())


@lru_cache(maxsize=None)
def _units_statement(holds, since, children):
    """The versions that hold on the parameter `day` ("on") or are the latest begun by it ("as_of");
    with `since`, not ended before the parameter `since`; with `children`, those of the parameter
    `root_id` and of the units directly under it."""
    condition = valid_on(UnitVersion, _DAY) if holds == "on" else as_of(UnitVersion, _DAY)
    if since:
        condition = and_(condition, or_(UnitVersion.ends_on.is_(None), UnitVersion.ends_on >= bindparam("since")))
    statement = (select(UnitVersion, Unit.code, Unit.valid_from, Unit.valid_to)
                 .join(Unit, Unit.id == UnitVersion.unit_id).where(condition))
    if children:
        statement = statement.where(or_(UnitVersion.unit_id == bindparam("root_id"),
                                        UnitVersion.parent_id == bindparam("root_id")))
    return statement


def _units(holds, day, where=None, children_of=None, since=None):
    """unit id -> UnitOn of the versions that `holds` ("on" or "as_of" `day`), not ended before
    `since`, under `children_of` and `where`, with their former names."""
    statement = _units_statement(holds, since is not None, children_of is not None)
    if where is not None:
        statement = statement.where(where)
    parameters = {"day": day, "since": since, "root_id": children_of}
    found = {version.unit_id: UnitOn(version.unit_id, code, version.name, version.kind, version.parent_id,
                                     version.path, version.depth, version.decides_admissions, valid_from, valid_to)
             for version, code, valid_from, valid_to in db.session.execute(
                 statement, {name: value for name, value in parameters.items() if value is not None})}
    for successor_id, name in predecessor_names(list(found), day):
        found[successor_id].formerly.append(name)
    return found


@lru_cache(maxsize=None)
def _predecessors_statement():
    last = aliased(UnitVersion)
    newest = (select(func.max(UnitVersion.starts_on)).where(UnitVersion.unit_id == last.unit_id)
              .scalar_subquery())
    return (select(UnitSuccession.successor_id, last.name)
            .join(last, last.unit_id == UnitSuccession.predecessor_id)
            .where(UnitSuccession.successor_id.in_(bindparam("unit_ids", expanding=True)),
                   UnitSuccession.effective_date <= _DAY, last.starts_on == newest)
            .order_by(UnitSuccession.effective_date, UnitSuccession.id))


def predecessor_names(unit_ids, day):
    """(successor id, the predecessor's last name) for the units merged into or split towards
    `unit_ids` on or before `day`, oldest first."""
    if not unit_ids:
        return []
    return db.session.execute(_predecessors_statement(), {"unit_ids": list(unit_ids), "day": day}).all()


def successors_of(unit_ids, start, until):
    """predecessor id -> successor id, for the merges that took effect in [start, until]: their
    quotas and figures count in the successor for the rest of that year."""
    if not unit_ids:
        return {}
    return dict(db.session.execute(
        select(UnitSuccession.predecessor_id, UnitSuccession.successor_id)
        .where(UnitSuccession.kind == "merge", UnitSuccession.predecessor_id.in_(unit_ids),
               UnitSuccession.effective_date.between(start, until))).all())


# --- the tree a period's figures read ---------------------------------------------------------

def as_of(version, day):
    """SQL condition: the version (an alias of UnitVersion) is its unit's latest begun by `day`:
    the one holding on `day`, or the last one of a unit that ended before it. A period's figures
    read a unit dissolved or merged during the period where it last stood, so its admissions of
    the months before do not vanish from the year. Written as "holds, or has no later version"
    (not as the latest start): the planner then counts one version per unit, and joins cases to
    them by hashing instead of trying every pair."""
    later = aliased(UnitVersion, name="later_version")
    has_later = select(later.id).where(later.unit_id == version.unit_id, later.starts_on > version.starts_on).exists()
    return and_(version.starts_on <= day, or_(version.ends_on.is_(None), version.ends_on >= day, ~has_later))


def first_moves_after(day, name="later_moves"):
    """Subquery (case_id, from_branch_id): each moved case's first move after `day` and the branch
    it left, so `coalesce(from_branch_id, Case.branch_id)` is `branch_on(day)` read as a set (one
    scan of the moves, joined, instead of a lookup per case)."""
    ranked = (select(LogEntry.case_id, LogEntry.data["from_branch_id"].as_integer().label("from_branch_id"),
                     func.row_number().over(partition_by=LogEntry.case_id,
                                            order_by=(LogEntry.effective_date, LogEntry.seq)).label("n"))
              .where(LogEntry.act.in_(MOVE_ACTS), LogEntry.effective_date > day).subquery())
    return select(ranked.c.case_id, ranked.c.from_branch_id).where(ranked.c.n == 1).subquery(name)


def cases_placed(day, root_path=None, name="placed"):
    """(from clause, the branch's version): every case joined to the version as of `day`
    (`as_of`) of the branch it belonged to on `day`, within the subtree whose path was `root_path`
    then, when given: `select(...).select_from(from_clause)`, the version's columns read as
    attributes (`.unit_id`, `.name`, `.path`...). The cases of a branch that ended before `day`
    stay where the branch last stood."""
    if stands_as_now(day):
        return _cases_placed_now(root_path, name)
    moves = first_moves_after(day)
    branch_id = func.coalesce(moves.c.from_branch_id, Case.branch_id)
    cases = join(Case, moves, moves.c.case_id == Case.id, isouter=True)
    whole_tree = root_path is not None and root_path.count("/") <= 2
    if db.session.get_bind().dialect.name == "postgresql" and not whole_tree:
        # Each case's one version looked up by (unit_id, starts_on), not every version of the
        # scope's units joined with every case and filtered (by hand, a commune's stuck count at
        # 100,000 cases: 20-42 -> 2-8 ms). `as_of` holds for at most one version of a unit (their
        # periods do not overlap): LIMIT 1 leaves the rows as they were.
        version = (select(UnitVersion).where(UnitVersion.unit_id == branch_id, as_of(UnitVersion, day))
                   .order_by(UnitVersion.starts_on.desc()).limit(1).lateral(name))
        # Its columns (.unit_id, .path, .name...), as the alias's below: Core columns, which the
        # statements built once (pipeline.units.per_root) can copy with the rest.
        placed, branch = version, version.c
        condition = true()
    else:
        # SQLite; and for a whole tree (the top's pages), where a look-up per case (a million at
        # the national scale) costs more than hashing the tree's versions once.
        placed = branch = aliased(UnitVersion, name=name)
        condition = and_(branch.unit_id == branch_id, as_of(branch, day))
    if root_path is not None:
        condition = and_(condition, branch.path.startswith(root_path, autoescape=True))
    return cases.join(placed, condition), branch


def stands_as_now(day):
    """Whether the tree and the cases' branches on `day` are those of now: `day` is today (or
    later) on the real clock, after which no move and no change of a unit is dated (their forms
    refuse a future date). A fixed day (KETNAP_TODAY) may be set before changes already recorded
    (the demo served on 31/10/2022 after its 2025 reorganisation): there the history is read."""
    return clock.fixed_today() is None and day >= clock.today()


def _cases_placed_now(root_path, name):
    """`cases_placed` on a day that `stands_as_now`: each case in its branch as the branch's row
    stands. One join on the branch's id, where a past day looks up each case's first later move
    and its branch's version then (a province's quotas at 1,000,000 cases: BENCHMARKS.md)."""
    branch = select(Unit.id.label("unit_id"), *(getattr(Unit, column) for column in UnitVersion.PLACED)).subquery(name)
    condition = branch.c.unit_id == Case.branch_id
    if root_path is not None:
        condition = and_(condition, branch.c.path.startswith(root_path, autoescape=True))
    return join(Case, branch, condition), branch.c


def units_as_of(day, where=None, since=None, children_of=None):
    """As `units_on`, with each unit's version as of `day` (`as_of`); with `since`, only the units
    that had not ended before that day (a period's units). Two statements."""
    return _units("as_of", day, where, children_of, since)


def unit_on_now(unit):
    """The unit as it stands now, as a UnitOn: what a report shows of its own unit when the unit
    had no version on the report's day (it was made later)."""
    return UnitOn(unit.id, unit.code, unit.name, unit.kind, unit.parent_id, unit.path, unit.depth,
                  unit.decides_admissions, unit.valid_from, unit.valid_to)


def holder_among(path, units):
    """SQL expression: the id of the unit among `units` (each with .id and .path) whose subtree
    holds `path` (a path column), else NULL. Group by it through a subquery: its bound values
    make it a different expression each time it is written out on PostgreSQL."""
    whens = [(path.startswith(unit.path, autoescape=True), unit.id) for unit in units]
    return case_when(*whens, else_=None) if whens else null()
