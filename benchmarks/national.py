"""Benchmark: the pages of four users of a generated national database against bare SQL.

    .venv/bin/python benchmarks/national.py --url postgresql+psycopg://postgres@127.0.0.1:5432/ketnap_national
                                            [--today 2026-12-01] [--runs 5] [--quick] [--json out.json]
                                            [--user commune=p05-x0005] [--only commune,secretary]
                                            [--slowest] [--explain plans.txt] [--no-check] [--no-analyze]

Reads a database `flask --app wsgi generate` filled (it generates nothing) and picks four users:
the top's board (`tw`), the board of the province with the median number of cases, the committee
of a commune with the median number of cases, and the secretary of a branch with the median
number among the branches with a secretary and cases. For each it requests, in-process (a test
client), the home page, the candidate list, the dashboard, its stuck cases, the quotas and the
year report of today's year: the median time of `--runs` requests after one warm-up, and the
statements the last one sent.

Beside each page, the bare SQL: hand-written statements (below, per database where they differ)
that compute what the page shows for that scope, on the same engine in the same run, timed the
same way. The ratio page / bare is what the application adds (ORM, Python, templates, and any
statement more than needed). The bare figures are checked against the page's: the two lists'
first pages against the case links in the page itself; the matrix, the quotas, the report's
figures and the deadlines falling due against the functions the views call. The home page's
queue is approximated by stage (the page's queue also reads the latest vote of a stage and the
deferred deadlines): its bare SQL has the cost of one more scan of the scope, not the same rows.

The table gives, per page: its statements, its time, "its SQL ms" (its own statements' time,
summed), "its CPU ms" (this process's CPU time: Python, the templates, the driver; on a busy
machine the page's time is longer than SQL + CPU, the wait for a core), the bare SQL's time and
the ratio.
It runs ANALYZE first (SQLite keeps no statistics until then; see `run`).

Whether a page's time depends on data outside the user's scope: measure the same account in two
databases of different national size, `--user commune=<code>` in both (the generator builds the
same tree for the same --units and --seed whatever --cases).

`--today` is the day the data was generated as of (generate --today); by default the latest day
a case entered its stage. `--quick` (CI): one request per page, no warm-up, the bare SQL once.
At 1M cases the top's pages take minutes each (`--runs 3`, or `--only province,commune,secretary`)."""
import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from measuring import bench_app, get_page, median_ms  # noqa: E402

from pipeline.base import clock  # noqa: E402
from pipeline.extensions import db  # noqa: E402

PAGES = (  # key, name, address ({year}: today's)
    ("home", "home", "/"),
    ("list", "candidate list", "/candidates/"),
    ("matrix", "dashboard", "/dashboard/"),
    ("stuck", "dashboard, stuck cases", "/dashboard/cases?which=stuck"),
    ("quotas", "quotas", "/quotas/?year={year}"),
    ("report", "year report", "/reports/year?year={year}"),
)
QUICK_RUNS = 1
SLOWEST_KEPT = 3  # statements per page kept in the JSON (and printed with --slowest) for EXPLAIN
LOCAL_KINDS = ("commune", "ward", "special_zone")
# The stages in which a case waits for a role's act, by stage alone (the home page's queue, roughly).
WAITING_STAGES = {
    "secretary": ("spotted", "training", "dossier", "branch_vote", "ceremony", "probation"),
    "committee": ("committee_review", "decision", "probation"),
    "board": ("decision", "probation"),
}
CASE_LINK = re.compile(r'class="fw-semibold" href="/candidates/(\d+)"')


@dataclass
class Subject:
    """A user the pages are requested as, and the scope of their unit."""
    who: str  # top | province | commune | secretary
    username: str
    role: str
    unit_id: int
    unit_name: str
    path: str
    kind: str
    cases: int  # in the unit's subtree


@dataclass
class Result:
    who: str
    username: str
    scope_cases: int
    page: str
    path: str
    status: int
    statements: int
    page_ms: float
    bare_ms: float | None
    bare_statements: int
    figures: str  # "same", "differ: ...", or "not compared"
    sql_ms: float = 0.0  # the page's own statements, summed (the last request): the rest is Python
    cpu_ms: float = 0.0  # this process's CPU time for the page (median): Python, templates, the driver
    slowest: list = field(default_factory=list)  # (ms, SQL, parameters) of the page's slowest statements

    @property
    def ratio(self):
        return self.page_ms / self.bare_ms if self.bare_ms else None


@dataclass
class Scope:
    """What the bare SQL of a subject needs: its unit, today, the rules' cut-offs."""
    subject: Subject
    today: date
    dialect: str
    per_page: int
    open_stages: tuple
    cutoffs: dict  # stage -> a case that entered it before this day is in it too long
    admission_act: str
    extra: dict = field(default_factory=dict)

    @property
    def is_branch(self):
        from pipeline.units.models import BRANCH_KINDS
        return self.subject.kind in BRANCH_KINDS

    def day(self, value):
        """A date as a parameter: SQLite stores ISO text (and its default date adapter is deprecated)."""
        return value.isoformat() if self.dialect == "sqlite" else value

    def params(self, **more):
        year = self.today.year
        found = {"prefix": self.subject.path + "%", "root": self.subject.unit_id, "start": len(self.subject.path) + 1,
                 "today": self.day(self.today), "year": year, "year_start": self.day(date(year, 1, 1))}
        found.update({f"cut_{stage}": self.day(day) for stage, day in self.cutoffs.items()})
        found.update(more)
        return found

    # --- SQL fragments that differ between the databases -------------------------------------

    def days(self, column):
        if self.dialect == "sqlite":
            return f"CAST(julianday(:today) - julianday({column}) AS INTEGER)"
        return f"(CAST(:today AS DATE) - {column})"

    def row_of(self, path="b.path"):
        """The unit just below the root on a branch's path (the matrix's row, the quotas' line);
        the root itself for a branch."""
        if self.is_branch:
            return ":root"
        if self.dialect == "sqlite":
            return f"NULLIF(CAST(substr({path}, :start) AS INTEGER), 0)"
        return f"CAST(NULLIF(split_part(substr({path}, :start), '/', 1), '') AS INTEGER)"

    def voids_seq(self, alias):
        if self.dialect == "sqlite":
            return f"CAST(json_extract({alias}.data, '$.voids_seq') AS INTEGER)"
        return f"CAST({alias}.data ->> 'voids_seq' AS INTEGER)"

    def in_list(self, values):
        return "(" + ", ".join(f"'{value}'" for value in values) + ")"

    def too_long(self, stage="c.stage", entered="c.stage_entered_on"):
        terms = [f"({stage} = '{name}' AND {entered} < :cut_{name})" for name in self.cutoffs]
        return "(" + " OR ".join(terms) + ")" if terms else "(1 = 0)"

    def overdue(self, case_id="c.id"):
        return f"EXISTS (SELECT 1 FROM case_deadline d WHERE d.candidate_id = {case_id} AND d.due_on < :today)"


SUBTREE = re.compile(r"(\w+)\.path LIKE :prefix")


def rows(connection, sql, params):
    if connection.dialect.name == "sqlite" and "prefix" in params:
        # SQLite's LIKE ignores case and so uses no index: the subtree as a range of paths does
        # ("/1/27/" up to "/1/270", the character after "/"). PostgreSQL's LIKE uses ix_unit_path.
        sql = SUBTREE.sub(r"(\1.path >= :low AND \1.path < :high)", sql)
        params = dict(params, low=params["prefix"][:-1], high=params["prefix"][:-2] + "0")
    return connection.execute(sa.text(sql), params).all()


# --- The bare SQL of each page: (figures to compare, number of statements) -------------------------

def bare_list(connection, scope):
    scoped = "FROM candidate c JOIN unit b ON b.id = c.branch_id WHERE b.path LIKE :prefix"
    page = rows(connection, f"SELECT c.id, c.full_name, c.stage, c.stage_entered_on, b.name {scoped} "
                            "ORDER BY c.sort_given_first, c.id LIMIT :per_page", scope.params(per_page=scope.per_page))
    total = rows(connection, f"SELECT count(*) {scoped}", scope.params())[0][0]
    return {"ids": [r[0] for r in page], "total": total}, 2


def bare_stuck(connection, scope):
    scoped = (f"FROM candidate c JOIN unit b ON b.id = c.branch_id WHERE b.path LIKE :prefix "
              f"AND c.stage IN {scope.in_list(scope.open_stages)} AND ({scope.overdue()} OR {scope.too_long()})")
    page = rows(connection, f"SELECT c.id, c.full_name, c.stage, c.stage_entered_on, b.name {scoped} "
                            "ORDER BY c.stage_entered_on, c.id LIMIT :per_page", scope.params(per_page=scope.per_page))
    total = rows(connection, f"SELECT count(*) {scoped}", scope.params())[0][0]
    ids = [r[0] for r in page]
    if ids:  # why each is stuck: its passed deadlines
        rows(connection, f"SELECT candidate_id, key, due_on FROM case_deadline WHERE candidate_id IN "
                         f"({', '.join(map(str, ids))}) AND due_on < :today", scope.params())
    return {"ids": ids, "total": total}, 3 if ids else 2


def bare_home(connection, scope):
    """The deadlines falling due (three groups, the first ten of each) and the queue by stage."""
    due = rows(connection, """
        WITH due AS (
          SELECT d.id, d.candidate_id, c.full_name, b.name AS branch_name, d.key, d.due_on,
                 CASE WHEN d.due_on < :today THEN 0 WHEN d.due_on <= :week THEN 1 ELSE 2 END AS grp
          FROM case_deadline d JOIN candidate c ON c.id = d.candidate_id JOIN unit b ON b.id = c.branch_id
          WHERE b.path LIKE :prefix AND d.due_on <= :month)
        SELECT * FROM (SELECT due.*, row_number() OVER (PARTITION BY grp ORDER BY due_on, full_name, id) AS rank,
                              count(*) OVER (PARTITION BY grp) AS total FROM due) ranked
        WHERE rank <= 10 ORDER BY grp, rank""",
                scope.params(week=scope.day(scope.today + timedelta(days=7)),
                             month=scope.day(scope.today + timedelta(days=30))))
    totals = {key: 0 for key in ("overdue", "week", "month")}
    for row in due:
        totals[("overdue", "week", "month")[row.grp]] = row.total
    stages = scope.in_list(WAITING_STAGES.get(scope.subject.role, ()) or ("-",))
    waiting = (f"FROM candidate c JOIN unit b ON b.id = c.branch_id WHERE b.path LIKE :prefix AND c.stage IN {stages}")
    rows(connection, f"SELECT c.id, c.full_name, c.stage, b.name {waiting} ORDER BY c.stage_entered_on, c.id "
                     "LIMIT 10", scope.params())
    rows(connection, f"SELECT count(*) {waiting}", scope.params())
    return {"due": totals}, 3


def _per_case(scope):
    """Each open case of the scope: its row, stage, days in the stage, whether overdue, too long."""
    return f"""
        SELECT {scope.row_of()} AS row_id, c.stage AS stage, {scope.days('c.stage_entered_on')} AS days,
               CASE WHEN {scope.overdue()} THEN 1 ELSE 0 END AS overdue,
               CASE WHEN {scope.too_long()} THEN 1 ELSE 0 END AS too_long
        FROM candidate c JOIN unit b ON b.id = c.branch_id
        WHERE b.path LIKE :prefix AND c.stage IN {scope.in_list(scope.open_stages)}"""


MATRIX_PG = """
    WITH per_case AS ({per_case})
    SELECT GROUPING(row_id) AS is_total, row_id, stage, count(*) AS n,
           sum(CASE WHEN overdue = 1 OR too_long = 1 THEN 1 ELSE 0 END) AS stuck, sum(overdue) AS overdue,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median, max(days) AS longest
    FROM per_case GROUP BY GROUPING SETS ((row_id, stage), (stage))"""
# SQLite has neither GROUPING SETS nor a percentile: the middle values by rank, cells then totals.
MATRIX_SQLITE = """
    WITH per_case AS ({per_case}),
    cells AS (SELECT *, row_number() OVER (PARTITION BY row_id, stage ORDER BY days) AS rank,
                     count(*) OVER (PARTITION BY row_id, stage) AS size FROM per_case),
    stages AS (SELECT *, row_number() OVER (PARTITION BY stage ORDER BY days) AS rank,
                      count(*) OVER (PARTITION BY stage) AS size FROM per_case)
    SELECT 0 AS is_total, row_id, stage, count(*) AS n,
           sum(CASE WHEN overdue = 1 OR too_long = 1 THEN 1 ELSE 0 END) AS stuck, sum(overdue) AS overdue,
           avg(days) FILTER (WHERE rank IN ((size + 1) / 2, (size + 2) / 2)) AS median, max(days) AS longest
    FROM cells GROUP BY row_id, stage
    UNION ALL
    SELECT 1, NULL, stage, count(*), NULL, NULL,
           avg(days) FILTER (WHERE rank IN ((size + 1) / 2, (size + 2) / 2)), max(days)
    FROM stages GROUP BY stage"""


def bare_matrix(connection, scope):
    sql = MATRIX_SQLITE if scope.dialect == "sqlite" else MATRIX_PG
    cells, totals = {}, {}
    for row in rows(connection, sql.format(per_case=_per_case(scope)), scope.params()):
        if row.is_total:
            totals[row.stage] = (float(row.median), row.longest)
        else:
            cells[(row.row_id, row.stage)] = (row.n, int(row.stuck), int(row.overdue), float(row.median), row.longest)
    return {"cells": cells, "totals": totals}, 1


def _quota_figures(connection, scope):
    """The quotas' three statements: the lines and their quotas, the admissions, the pool by stage."""
    quotas = rows(connection, "SELECT u.id, q.minimum, q.maximum FROM unit u LEFT JOIN quota q "
                              "ON q.unit_id = u.id AND q.year = :year WHERE u.id = :root OR u.parent_id = :root",
                  scope.params())
    admitted = rows(connection, f"""
        SELECT {scope.row_of()} AS row_id, b.kind, count(*) AS n
        FROM case_event e JOIN candidate c ON c.id = e.candidate_id JOIN unit b ON b.id = c.branch_id
        WHERE b.path LIKE :prefix AND e.event = :act AND e.effective_date BETWEEN :year_start AND :today
          AND NOT EXISTS (SELECT 1 FROM case_event v WHERE v.candidate_id = e.candidate_id AND v.event = 'void_act'
                          AND {scope.voids_seq('v')} = e.seq)
        GROUP BY 1, 2""", scope.params(act=scope.admission_act))
    stages = rows(connection, f"SELECT {scope.row_of()} AS row_id, c.stage, count(*) AS n FROM candidate c "
                              "JOIN unit b ON b.id = c.branch_id WHERE b.path LIKE :prefix GROUP BY 1, 2",
                  scope.params())
    lines = {unit_id: {"target": (low, high) if low is not None else None, "admitted": 0, "pool": {}}
             for unit_id, low, high in quotas if unit_id != scope.subject.unit_id}
    by_kind, stage_counts = {}, {}
    for row_id, kind, n in admitted:
        by_kind[kind] = by_kind.get(kind, 0) + n
        if row_id in lines:
            lines[row_id]["admitted"] += n
    for row_id, stage, n in stages:
        stage_counts[stage] = stage_counts.get(stage, 0) + n
        bucket = scope.extra["bucket_of_stage"].get(stage)
        if row_id in lines and bucket:
            lines[row_id]["pool"][bucket] = lines[row_id]["pool"].get(bucket, 0) + n
    return {"lines": lines, "admitted": sum(by_kind.values()), "by_kind": by_kind, "stages": stage_counts}


def bare_quotas(connection, scope):
    return _quota_figures(connection, scope), 3


TIME_IN_STAGE_PG = """
    SELECT c.stage, count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY {days}) AS median, max({days}) AS longest
    FROM candidate c JOIN unit b ON b.id = c.branch_id
    WHERE b.path LIKE :prefix AND c.stage IN {stages} GROUP BY c.stage"""
TIME_IN_STAGE_SQLITE = """
    WITH ranked AS (
      SELECT c.stage, {days} AS days, row_number() OVER (PARTITION BY c.stage ORDER BY {days}) AS rank,
             count(*) OVER (PARTITION BY c.stage) AS size
      FROM candidate c JOIN unit b ON b.id = c.branch_id WHERE b.path LIKE :prefix AND c.stage IN {stages})
    SELECT stage, count(*) AS n, avg(days) FILTER (WHERE rank IN ((size + 1) / 2, (size + 2) / 2)) AS median,
           max(days) AS longest FROM ranked GROUP BY stage"""


def bare_report(connection, scope):
    """The quotas' figures, then the classes, the time in stage, the stuck cases (count, the 100 first)."""
    figures = _quota_figures(connection, scope)
    classes = rows(connection, """
        SELECT k.id, COALESCE(a.n, 0) AS n FROM training_class k JOIN unit o ON o.id = k.organiser_unit_id
        LEFT JOIN (SELECT e.class_id, count(*) AS n FROM enrolment e JOIN candidate c ON c.id = e.candidate_id
                   JOIN unit b ON b.id = c.branch_id WHERE b.path LIKE :prefix AND e.enrolled_on <= :today
                   GROUP BY e.class_id) a ON a.class_id = k.id
        WHERE k.starts_on BETWEEN :year_start AND :today AND (o.path LIKE :prefix OR a.n > 0)
        ORDER BY k.starts_on, k.id""", scope.params())
    sql = TIME_IN_STAGE_SQLITE if scope.dialect == "sqlite" else TIME_IN_STAGE_PG
    times = rows(connection, sql.format(days=scope.days("c.stage_entered_on"),
                                        stages=scope.in_list(scope.extra["road_stages"])), scope.params())
    stuck = (f"FROM candidate c JOIN unit b ON b.id = c.branch_id WHERE b.path LIKE :prefix "
             f"AND ({scope.overdue()} OR {scope.too_long()})")
    total = rows(connection, f"SELECT count(*) {stuck}", scope.params())[0][0]
    listed = rows(connection, f"SELECT c.id, c.full_name, b.name, c.stage, c.stage_entered_on {stuck} "
                              "ORDER BY c.stage_entered_on, c.id LIMIT 100", scope.params())
    if listed:
        rows(connection, f"SELECT candidate_id, key, due_on FROM case_deadline WHERE candidate_id IN "
                         f"({', '.join(str(r[0]) for r in listed)}) AND due_on < :today", scope.params())
    figures.update(classes=[(k, n) for k, n in classes], stuck_total=total,
                   time_in_stage={stage: (n, float(median), longest) for stage, n, median, longest in times})
    return figures, 7 + bool(listed)


BARE = {"home": bare_home, "list": bare_list, "matrix": bare_matrix, "stuck": bare_stuck, "quotas": bare_quotas,
        "report": bare_report}


# --- The page's own figures, to compare the bare SQL's with ---------------------------------------

def linked_ids(body):
    """The case ids a list page links to, in order."""
    return [int(found) for found in CASE_LINK.findall(body)]


def page_figures(key, unit, today, body):
    """The page's figures as its view computes them (the functions it calls), or read from it."""
    from werkzeug.datastructures import MultiDict
    if key in ("list", "stuck"):
        return {"ids": linked_ids(body)}
    if key == "home":
        from pipeline.dashboard.due_soon import due_soon
        return {"due": {group: total for group, (_items, total) in due_soon(unit, today).items()}}
    if key == "matrix":
        from pipeline.dashboard.filters import Filters
        from pipeline.dashboard.matrix import build_matrix
        built = build_matrix(unit, Filters.from_args(MultiDict(), today), today)
        cells = {(row.unit.id, stage): (cell.count, cell.stuck, cell.overdue, float(cell.median), cell.longest)
                 for row in built.rows for stage, cell in row.cells.items() if cell.count}
        totals = {stage: (float(cell.median), cell.longest) for stage, cell in built.totals.cells.items()
                  if cell.median is not None}
        return {"cells": cells, "totals": totals}
    from pipeline.quotas.rollup import rollup
    r = rollup(unit, today.year)
    lines = {line.unit.id: {"target": (line.target.minimum, line.target.maximum) if line.target else None,
                            "admitted": line.admitted, "pool": {b: n for b, n in line.pool.items() if n}}
             for line in r.children}
    found = {"lines": lines, "admitted": r.root.admitted, "by_kind": dict(r.by_branch_kind),
             "stages": dict(r.stage_counts)}
    if key == "report":
        from pipeline.reports.queries import year_report
        report = year_report(unit, today.year, None, today)
        found.update(classes=[(line.id, line.attendees) for line in report.classes], stuck_total=report.stuck_total,
                     time_in_stage={t.stage: (t.cases, float(t.median_days), t.max_days) for t in report.time_in_stage})
    return found


def compare(key, bare, page):
    """"same", or what differs (the first difference of each figure)."""
    differences = []
    for name, value in page.items():
        if name == "ids":
            # The page lists a page of cases; the bare SQL the same page.
            if value != bare["ids"][:len(value)] or (not value and bare["ids"]):
                differences.append(f"ids {value[:3]}… vs {bare['ids'][:3]}…")
        elif bare.get(name) != value:
            if isinstance(value, dict):
                keys = sorted(set(value) | set(bare.get(name, {})), key=str)
                first = next(k for k in keys if value.get(k) != bare[name].get(k))
                differences.append(f"{name}[{first}] page {value.get(first)} bare {bare[name].get(first)}")
            else:
                differences.append(f"{name}: page {value} bare {bare.get(name)}")
    return "same" if not differences else "differ: " + "; ".join(differences)


# --- Users, scopes, the run -----------------------------------------------------------------------

def cases_per_unit(connection):
    """unit id -> cases in its subtree, from the cases per branch (one GROUP BY, then the paths)."""
    found = {}
    for path, n in connection.execute(sa.text(
            "SELECT u.path, count(*) FROM candidate c JOIN unit u ON u.id = c.branch_id GROUP BY u.path")):
        for part in path.strip("/").split("/"):
            found[int(part)] = found.get(int(part), 0) + n
    return found


def accounts(connection):
    return connection.execute(sa.text(
        "SELECT a.username, a.role, u.id, u.name, u.path, u.depth, u.kind FROM user_account a "
        "JOIN unit u ON u.id = a.unit_id WHERE a.active AND a.role IN ('board', 'committee', 'secretary') "
        "ORDER BY a.id")).all()


def at_rank(candidates, counts, where=0.5):
    """The candidate whose case count is at `where` (0 the fewest, 0.5 the median, 1 the most)."""
    ranked = sorted(candidates, key=lambda a: (counts.get(a.id, 0), a.id))
    return ranked[min(len(ranked) - 1, int(where * len(ranked)))] if ranked else None


def pick_subjects(connection, commune_rank=0.5, chosen=None):
    """The four users: the top's board, a province's board, a commune's committee, a secretary
    (the province, commune and branch at the median of their cases; the commune at `commune_rank`).
    `chosen`: who -> username, to measure that account instead (the same commune in two databases)."""
    counts, found = cases_per_unit(connection), []
    everyone = accounts(connection)
    chosen = chosen or {}
    groups = {
        "top": [a for a in everyone if a.role == "board" and a.depth == 0],
        "province": [a for a in everyone if a.role == "board" and a.depth == 1],
        "commune": [a for a in everyone if a.role == "committee" and a.kind in LOCAL_KINDS and counts.get(a.id)],
        "secretary": [a for a in everyone if a.role == "secretary" and counts.get(a.id)],
    }
    for who, candidates in groups.items():
        if who in chosen:
            candidates = [a for a in everyone if a.username == chosen[who]]
            if not candidates:
                raise SystemExit(f"No account {chosen[who]!r} (board, committee or secretary) to measure as {who}")
        account = at_rank(candidates, counts, commune_rank if who == "commune" else 0.5)
        if account is not None:
            found.append(Subject(who, account.username, account.role, account.id, account.name, account.path,
                                 account.kind, counts.get(account.id, 0)))
    return found


def scope_of(subject, today, dialect, per_page):
    from pipeline.dashboard.filters import OPEN_STAGE_NAMES
    from pipeline.quotas.rollup import BUCKET_OF_STAGE, COUNT_BASIS_ACTS, count_basis
    from pipeline.reports.queries import ROAD_STAGES
    from pipeline.workflow.stuck import too_long_cutoffs
    return Scope(subject, today, dialect, per_page, tuple(OPEN_STAGE_NAMES), too_long_cutoffs(today),
                 COUNT_BASIS_ACTS[count_basis(today)],
                 extra={"bucket_of_stage": dict(BUCKET_OF_STAGE), "road_stages": tuple(ROAD_STAGES)})


def measure_subject(app, subject, today, runs, warm_up=True, pages=PAGES, check=True):
    """The Result of each page for one user."""
    from pipeline.units.models import Unit
    results = []
    dialect = db.engine.dialect.name
    scope = scope_of(subject, today, dialect, app.config["CANDIDATES_PER_PAGE"])
    with app.app_context():
        client = app.test_client()
        signed_in = client.post("/login", data={"username": subject.username, "password": "demo"})
        if signed_in.status_code != 302:
            raise SystemExit(f"{subject.username} could not sign in with the password \"demo\" "
                             f"({signed_in.status_code}): was the database made by `flask generate`?")
        for key, name, address in pages:
            path = address.format(year=today.year)
            status, statements, page_ms, body, cpu_ms = get_page(client, path, runs, warm_up)
            slowest = sorted(statements, key=lambda s: -s[2])[:SLOWEST_KEPT]

            def bare():
                with db.engine.connect() as connection:
                    return BARE[key](connection, scope)
            bare_ms, (figures, bare_statements) = median_ms(bare, runs, warm_up)
            verdict = "not compared"
            if check and status == 200:
                with app.test_request_context():
                    unit = db.session.get(Unit, subject.unit_id)
                    verdict = compare(key, figures, page_figures(key, unit, today, body))
                    db.session.remove()
            results.append(Result(subject.who, subject.username, subject.cases, name, path, status, len(statements),
                                  round(page_ms, 1), round(bare_ms, 1), bare_statements, verdict,
                                  round(sum(ms for _sql, _p, ms in statements), 1), round(cpu_ms, 1),
                                  [(round(ms, 1), " ".join(sql.split()), parameters)
                                   for sql, parameters, ms in slowest]))
        db.session.remove()
    return results


def explain_slowest(url, results, path, least_ms=20):
    """EXPLAIN ANALYZE of each page's slowest statement that took `least_ms` or more, written to
    `path` (PostgreSQL): where a page's time goes, for the report."""
    from measuring import bench_app
    app = bench_app(url, date.today())
    lines = []
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for r in results:
                if not r.slowest or r.slowest[0][0] < least_ms:
                    continue
                ms, sql, parameters = r.slowest[0]
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, parameters or None)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                lines.append(f"## {r.who} `{r.username}`, {r.page}: {ms:.0f} ms in the page\n\n{sql}\n\n{parameters}\n\n"
                             f"{plan}\n")
            raw.rollback()
        finally:
            raw.close()
        db.engine.dispose()
    Path(path).write_text("\n".join(lines))


def markdown_table(results):
    lines = ["| user | cases in scope | page | status | statements | page ms | its SQL ms | its CPU ms "
             "| bare SQL ms | ratio | figures |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        ratio = f"{r.ratio:.1f}×" if r.ratio is not None else "—"
        lines.append(f"| {r.who} `{r.username}` | {r.scope_cases:,} | {r.page} | {r.status} | {r.statements} | "
                     f"{r.page_ms:.0f} | {r.sql_ms:.0f} | {r.cpu_ms:.0f} | {r.bare_ms:.0f} | {ratio} | {r.figures} |")
    return "\n".join(lines)


def goals(results, times=True):
    """The issue's goals the run misses, one line each (the times' goals only when `times`)."""
    missed = []
    for r in results:
        if not times:
            pass
        elif r.ratio is not None and r.ratio > 1.5:
            missed.append(f"{r.who} {r.page}: {r.page_ms:.0f} ms is {r.ratio:.1f}× its bare SQL ({r.bare_ms:.0f} ms)")
        if times and r.who in ("commune", "secretary") and r.page_ms > 50:
            missed.append(f"{r.who} {r.page}: {r.page_ms:.0f} ms (goal ≤ 50 ms)")
        if r.status != 200 or r.figures.startswith("differ"):
            missed.append(f"{r.who} {r.page}: status {r.status}, figures {r.figures}")
    return missed


def database_summary(connection):
    """(units, cases) in the database."""
    return tuple(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                 for table in ("unit", "candidate"))


def guessed_today(connection):
    """The latest day a case entered its stage: the generator's --today or just before it."""
    found = connection.execute(sa.text("SELECT max(stage_entered_on) FROM candidate")).scalar_one()
    return date.fromisoformat(found) if isinstance(found, str) else found


def run(url, today=None, runs=5, quick=False, out=print, commune_rank=0.5, chosen=None, slowest=False,
        analyze=True, only=(), check=True, real_clock=False):
    """Measure the four users' pages; returns (subjects, results). Exits when the database holds no cases.
    `real_clock`: the application on the real clock, as deployed (no fixed day), and the bare SQL
    on the real today too; the data must not be dated after it."""
    app = bench_app(url, today or date.today())
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                units, cases = database_summary(connection)
                found_today = guessed_today(connection) if cases else None
        except sa.exc.DBAPIError as error:
            raise SystemExit(f"Cannot read {url}: {error.orig}. Generate it first: flask --app wsgi generate ...")
        if not cases:
            raise SystemExit(f"{url} holds no cases ({units} units). Generate them first, e.g. "
                             "KETNAP_SQLALCHEMY_DATABASE_URI=<url> flask --app wsgi generate --units 60000 "
                             "--cases 1000000 --today 2026-12-01")
        today = today or found_today
        app.config["TODAY"] = today
        if real_clock:
            app.config.pop("TODAY")
            if clock.today() < today:
                raise SystemExit(f"--real-clock: the data is dated up to {today}, after today ({clock.today()}).")
            today = clock.today()
        with db.engine.connect() as connection:
            subjects = pick_subjects(connection, commune_rank, chosen)
        dialect = db.engine.dialect.name
        if analyze:
            # Fresh statistics, as after any large load. SQLite keeps none until ANALYZE runs (the
            # generator and the application never run it): without them its planner reads a small
            # scope's cases through ix_candidate_stage, every open case of the country.
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        out(f"{dialect}: {units:,} units, {cases:,} cases, as of {today.isoformat()}; "
            f"{'quick, 1 request' if quick else f'median of {runs} requests after one warm-up'} per page"
            f"{'' if analyze else '; no ANALYZE'}")
        for s in subjects:
            out(f"- {s.who}: `{s.username}` ({s.role}), {s.unit_name}: {s.cases:,} cases")
        results = []
        for subject in subjects:
            if only and subject.who not in only:
                continue
            results += measure_subject(app, subject, today, QUICK_RUNS if quick else runs, warm_up=not quick,
                                       check=check)
        db.engine.dispose()
    out("")
    out(markdown_table(results))
    if slowest:
        out("")
        for r in results:
            out(f"{r.who} {r.page}: " + "; ".join(f"{ms:.0f} ms {sql[:160]}" for ms, sql, _p in r.slowest[:1]))
    missed = goals(results, times=not quick)
    out("")
    if quick:
        out("Quick mode: one cold request per page; the times are not measured against the goals.")
    done = "Every page answered with the bare SQL's figures." if quick else "Every goal met."
    out("Goals missed:\n" + "\n".join(f"- {line}" for line in missed) if missed else done)
    return subjects, results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a database `flask generate` filled")
    parser.add_argument("--today", type=date.fromisoformat, help="the generator's --today (default: guessed)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one request per page, no warm-up (CI)")
    parser.add_argument("--json", help="write the results to this file as well")
    parser.add_argument("--slowest", action="store_true", help="print each page's slowest statement")
    parser.add_argument("--only", default="", metavar="WHO,...",
                        help="measure only these of top, province, commune, secretary (the top takes longest)")
    parser.add_argument("--no-check", action="store_true",
                        help="do not compare the bare SQL's figures with the page's (saves computing them again)")
    parser.add_argument("--no-analyze", action="store_true",
                        help="measure without running ANALYZE first (the statistics as they are)")
    parser.add_argument("--explain", metavar="FILE", help="PostgreSQL: EXPLAIN ANALYZE each page's slowest "
                                                         "statement (20 ms or more) into FILE")
    parser.add_argument("--real-clock", action="store_true",
                        help="the application on the real clock, as deployed, not on the data's day (a fixed day "
                             "reads the tree of the day from its history; the real one from the units as they stand)")
    parser.add_argument("--user", action="append", default=[], metavar="WHO=USERNAME",
                        help="measure this account as top, province, commune or secretary (e.g. commune=p05-x0005)")
    args = parser.parse_args()
    chosen = dict(pair.split("=", 1) for pair in args.user)
    subjects, results = run(args.url, args.today, args.runs, args.quick, chosen=chosen, slowest=args.slowest,
                            analyze=not args.no_analyze, only=tuple(filter(None, args.only.split(","))),
                            check=not args.no_check, real_clock=args.real_clock)
    if args.explain:
        explain_slowest(args.url, results, args.explain)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"subjects": [asdict(s) for s in subjects],
             "results": [dict(asdict(r), ratio=r.ratio) for r in results]}, ensure_ascii=False, indent=1,
            default=str))  # dates among the statements' parameters


if __name__ == "__main__":
    main()
