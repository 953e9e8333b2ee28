"""SQL building blocks the dashboard, quotas and reports share, the same on SQLite and PostgreSQL."""
from sqlalchemy import Date, Integer, bindparam, func, select
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


def median_and_max(group_columns, value, where=None, from_=None):
    """A select of (*group_columns, lower middle, upper middle, maximum, count) of `value`
    per group: the median is the mean of the two middles (equal when the count is odd).
    Window functions, so one statement on both databases (SQLite has no percentile)."""
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
    middle = ranked.c.rank.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2])
    return (select(*keys,
                   func.min(ranked.c.value).filter(middle).label("median_low"),
                   func.max(ranked.c.value).filter(middle).label("median_high"),
                   func.max(ranked.c.value).label("maximum"),
                   func.count().label("count"))
            .group_by(*keys))
