"""Issue 16: what SQLite's planner reads for one branch's pages. Its LIKE ignores case, so no index
serves a subtree's `path LIKE '/1/27/%'`, and a boolean function is written "(…) = 1" there, a term
no index serves either: at 100,000 cases a secretary's list read every case of the country in the
list's order (165 ms), their dashboard every open case by its stage (418 ms). The plans are
asserted here; PostgreSQL plans by its statistics and has its own benchmark (BENCHMARKS.md)."""
from datetime import date

import pytest
import sqlalchemy as sa

from pipeline.dashboard.filters import Filters
from pipeline.dashboard.matrix import build_matrix
from pipeline.extensions import db


@pytest.fixture
def sqlite_world(database_url, world, request):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's planner")
    return world


def plans_of(call):
    """The query plan of each statement `call()` sends, as SQLite gives it (EXPLAIN QUERY PLAN)."""
    sent = []
    listener = lambda conn, cursor, statement, parameters, *rest: sent.append((statement, parameters))  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    connection = db.session.connection()
    return [(statement, "\n".join(row[-1] for row in connection.exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, parameters).all())) for statement, parameters in sent]


def test_a_secretarys_list_starts_from_their_branch_by_the_range_of_its_path(sqlite_world, login, client):
    login("sec_a1")
    plans = plans_of(lambda: client.get("/candidates/"))
    plan = next(plan for statement, plan in plans if "ORDER BY candidate.sort_given_first" in statement)
    assert "ix_unit_path (path>? AND path<?)" in plan, plan
    assert "SCAN candidate" not in plan, plan


def test_a_branchs_dashboard_asks_for_its_cases_by_a_plain_in(sqlite_world):
    """The scope a term the planner may look the cases up by (which it does, by their branch, once
    ANALYZE has counted a national database's rows: BENCHMARKS.md), never "(branch IN …) = 1"."""
    today = date(2022, 10, 1)
    plans = plans_of(lambda: build_matrix(sqlite_world.branch_a1, Filters.from_args({}, today), today))
    statement, plan = next((statement, plan) for statement, plan in plans if "flagged" in statement)
    assert "candidate.branch_id IN (SELECT scope_version.unit_id" in statement
    assert ") = 1" not in statement
    assert "LIST SUBQUERY" in plan, plan
