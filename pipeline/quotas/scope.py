"""The cases a subtree's figures may concern, as a condition an index serves.

A case counts where its branch stood on the figures' day (pipeline.units.history.cases_placed):
`coalesce(its first later move's from_branch, branch_id)` joined to the branch's version then. No
index serves that expression, so the planner read every case of the country (or every ceremony)
to find one commune's. `in_scope` is a superset of those cases on the case's own branch column
(ix_candidate_branch_stage): a case not moved since the day is in the branch it was in then, a
unit whose path was under the subtree's; a case moved since is in a branch the cases moved since
(few) are in. Filtering by it as well leaves the figures as they are and lets a commune read its
own cases only (`among`: by that index on PostgreSQL too); the exact placement stays
`cases_placed`'s. On today (the real clock: pipeline.units.history.stands_as_now) no move is
dated later: the units under the root now hold exactly its cases."""
from sqlalchemy import Boolean, Integer, bindparam, select, true, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import FunctionElement

from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units.history import MOVE_ACTS, stands_as_now
from pipeline.units.models import Unit, UnitVersion
from pipeline.workflow.models import LogEntry


PROVINCE_SLASHES = 3  # "/1/8/": a unit directly under the top


def in_scope(day, root_path, looked_up=True):
    """SQL condition on Case: it may be placed on `day` in the subtree whose path was `root_path`
    then (true of every case that is; the rest is left to `cases_placed`). `looked_up`: on
    PostgreSQL, the branches' ids read first and their cases looked up by them (`among`); else a
    plain IN, which the planner may hash against rows it reads by another index."""
    if root_path.count("/") <= 2:
        # A root's subtree ("/1/"): every case may be in it; a filter would only cost.
        return true()
    # Aliases: the statements this filters join these tables themselves, and must not correlate.
    version, moved, move = (aliased(UnitVersion, name="scope_version"), aliased(Case, name="moved_case"),
                            aliased(LogEntry, name="move_since"))
    if stands_as_now(day):
        # The cases are placed by their branch's row as it stands (cases_placed), a join the
        # branch's path index serves. The branches' ids still lead a commune or a branch to its
        # own cases (its admissions at 1M: 20 -> 9 ms); for a province, as a plain IN, the same
        # units again only halve the planner's estimate of them (its admissions: 280 -> 520 ms).
        if not looked_up and root_path.count("/") <= PROVINCE_SLASHES:
            return true()
        unit = aliased(Unit, name="scope_unit")
        ids = select(unit.id).where(unit.path.startswith(root_path, autoescape=True))
    else:
        ever_under = select(version.unit_id).where(version.path.startswith(root_path, autoescape=True))
        # The branches the cases moved since are in now (whatever a move's data names).
        moved_to = select(moved.branch_id).where(moved.id.in_(
            select(move.case_id).where(move.act.in_(MOVE_ACTS), move.effective_date > day)))
        ids = union(ever_under, moved_to)
    if looked_up and db.session.get_bind().dialect.name == "postgresql":
        return among(Case.branch_id, ids)
    # A plain IN on SQLite too: a boolean function there is written "(…) = 1", a term the planner
    # cannot look the branches up by, and it read every open case of the country by their stage
    # (a secretary's dashboard at 100,000 cases: 418 ms for 1 ms of bare SQL).
    return Case.branch_id.in_(ids)


class among(FunctionElement):
    """On PostgreSQL, `column = ANY(ARRAY(ids))`: the ids are read first (an
    InitPlan) and the planner estimates a few of them, so it reads the cases of those branches by
    ix_candidate_branch_stage. As an IN, it hashed the scope's units and read every case of the
    country (a province: 100,000 rows scanned for 2,842)."""
    type = Boolean()
    inherit_cache = True
    name = "among"

    def __init__(self, column, ids):
        super().__init__(column, ids.scalar_subquery())


@compiles(among, "postgresql")
def _among_postgresql(element, compiler, **kw):
    column, ids = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"{column} = ANY(ARRAY{ids})"


class child_id(FunctionElement):
    """The id of the unit just below the subtree whose path is `root_path`, read from a path
    under it ("/1/5/23/40/" under "/1/5/" -> 23), NULL for the root's own path: the line or row
    a case counts in, from its branch's stored path alone (no comparison per listed unit).
    Callers keep only the ids they list, as `holder_among` names only those."""
    type = Integer()
    inherit_cache = True
    name = "child_id"

    def __init__(self, path, root_path):
        super().__init__(path, bindparam(None, len(root_path) + 1, type_=Integer()))


@compiles(child_id, "sqlite")
def _child_id_sqlite(element, compiler, **kw):
    # SQLite's CAST reads the leading digits ("23/40/" -> 23; "" -> 0, an id no unit has).
    path, start = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"NULLIF(CAST(substr({path}, {start}) AS INTEGER), 0)"


@compiles(child_id)
def _child_id_default(element, compiler, **kw):
    path, start = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(NULLIF(split_part(substr({path}, {start}), '/', 1), '') AS INTEGER)"
