"""SQL building blocks the dashboard, quotas and reports share, the same on SQLite and PostgreSQL."""
from sqlalchemy import Date, Integer, bindparam, cast, func, literal, null, select, tuple_, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class days_between(FunctionElement):
    """Whole days from the date column `start` to the date `end` (a Python date or a column):
    `days_between(Candidate.stage_entered_on, today)`."""
    type = Integer()
    inherit_cache = True
    name = "days_between"

    def __init__(self, start, end):
        if not hasattr(end, "__clause_element__") and not hasattr(end, "compile"):
            end = bindparam(None, end, type_=Date())
        super().__init__(start, end)


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"CAST(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)})"
            " AS INTEGER)")


@compiles(days_between)
def _days_between_default(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"(CAST({compiler.process(end, **kw)} AS DATE) - CAST({compiler.process(start, **kw)} AS DATE))"


def median_and_max(group_columns, value, where=None, from_=None, dialect=None):
    """A select of (*group_columns, lower middle, upper middle, maximum, count) of `value`
    per group: the median is the mean of the two middles (equal when the count is odd). On
    PostgreSQL (`dialect`), percentile_disc in both orders gives the two middles in one pass;
    elsewhere window functions rank the values (SQLite has no percentile)."""
    if dialect == "postgresql":
        found = select(*group_columns, *_middles_and_longest(value), func.count().label("count"))
        if from_ is not None:
            found = found.select_from(from_)
        if where is not None:
            found = found.where(where)
        return found.group_by(*group_columns)
    ranked = select(
        *group_columns, value.label("value"),
        func.row_number().over(partition_by=group_columns, order_by=value).label("rank"),
        func.count().over(partition_by=group_columns).label("n"),
    )
    if from_ is not None:
        ranked = ranked.select_from(from_)
    if where is not None:
        ranked = ranked.where(where)
    ranked = ranked.subquery()
    keys = [ranked.c[c.key if hasattr(c, "key") else c.name] for c in group_columns]
    return (select(*keys, *_ranked_middles_and_longest(ranked.c.value, ranked), func.count().label("count"))
            .group_by(*keys))


def _middles_and_longest(value):
    """PostgreSQL aggregates: the lower and upper middle values of `value` (percentile_disc in
    both orders) and the largest."""
    return (func.percentile_disc(0.5).within_group(value).label("median_low"),
            func.percentile_disc(0.5).within_group(value.desc()).label("median_high"),
            func.max(value).label("maximum"))


def _ranked_middles_and_longest(value, ranked):
    """The same from `ranked`'s window columns `rank` (of `value` in its group) and `n` (the
    group's size), for SQLite, which has no percentile."""
    middle = ranked.c.rank.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
    return (func.min(value).filter(middle).label("median_low"), func.max(value).filter(middle).label("median_high"),
            func.max(value).label("maximum"))


def cell_and_stage_figures(flagged, dialect):
    """One statement of a matrix's figures from `flagged`, a select of one row per case (row_id,
    stage, stuck, overdue, days): per row and stage (is_total 0) and per stage over every row
    (is_total 1, row_id NULL: the totals row, as medians do not add up), the count, stuck,
    overdue, the two middle values of the days (median_low, median_high: equal when the count is
    odd) and the longest. The scope's cases are read once: PostgreSQL groups them both ways at
    once (GROUPING SETS; percentile_disc in both orders gives the two middles); SQLite, without
    either, ranks them per cell and per stage over a materialized CTE, and adds the two up."""
    if dialect == "postgresql":
        cases = flagged.subquery("flagged")
        return (select(func.grouping(cases.c.row_id).label("is_total"), cases.c.row_id, cases.c.stage,
                       func.count().label("count"), func.sum(cases.c.stuck).label("stuck"),
                       func.sum(cases.c.overdue).label("overdue"), *_middles_and_longest(cases.c.days))
                .group_by(func.grouping_sets(tuple_(cases.c.row_id, cases.c.stage), tuple_(cases.c.stage))))
    cases = flagged.cte("flagged").prefix_with("MATERIALIZED", dialect="sqlite")

    def per(is_total, keys):
        ranked = select(cases, func.row_number().over(partition_by=keys, order_by=cases.c.days).label("rank"),
                        func.count().over(partition_by=keys).label("n")).subquery()
        return (select(literal(is_total).label("is_total"),
                       ranked.c.row_id if not is_total else cast(null(), Integer).label("row_id"), ranked.c.stage,
                       func.count().label("count"), func.sum(ranked.c.stuck).label("stuck"),
                       func.sum(ranked.c.overdue).label("overdue"), *_ranked_middles_and_longest(ranked.c.days, ranked))
                .group_by(*([ranked.c.stage] if is_total else [ranked.c.row_id, ranked.c.stage])))
    return union_all(per(0, [cases.c.row_id, cases.c.stage]), per(1, [cases.c.stage]))
