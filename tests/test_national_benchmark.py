"""CI's run of the national benchmark (benchmarks/national.py, issue 16): the generator at a small
size, then the benchmark in its quick mode, on SQLite and PostgreSQL. What a reader of its table
relies on: every page of the four users answers, the bare SQL computes the figures the page shows
(else its ratio means nothing), a page sends as many statements for a commune with many cases as
for one with few, and the table has a row per user and page."""
import sys
from datetime import date
from pathlib import Path

import pytest

from databases import PG_DB_NAME, TEST_CONFIG, drop_pg_database, fresh_pg_database
from pipeline.app import create_app
from pipeline.extensions import db

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import national  # noqa: E402

TODAY = date(2026, 12, 1)
SIZE = ["--units", "80", "--cases", "500", "--seed", "2"]  # a few seconds to generate


@pytest.fixture(scope="module")
def generated(backend, tmp_path_factory):
    """(url, printed lines, subjects, results): a small national database generated once per
    database kind, and the benchmark's quick run on it."""
    name = f"{PG_DB_NAME}_national"
    if backend.kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('national') / 'national.sqlite'}"
    else:
        url = fresh_pg_database(name)
    app = create_app(dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["generate", *SIZE, "--today", TODAY.isoformat()])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()
    printed = []
    subjects, results = national.run(url, TODAY, quick=True, out=printed.append)
    yield url, printed, subjects, results
    if backend.kind == "postgresql":
        drop_pg_database(name)


def test_every_page_of_the_four_users_answers_with_the_bare_sql_figures(generated):
    _url, _printed, subjects, results = generated
    assert [s.who for s in subjects] == ["top", "province", "commune", "secretary"]
    assert all(s.cases > 0 for s in subjects)
    assert len(results) == 4 * len(national.PAGES)
    for r in results:
        assert r.status == 200, (r.who, r.page)
        assert r.figures == "same", (r.who, r.page, r.figures)
        assert r.page_ms > 0 and r.bare_ms > 0 and r.statements > 0


def test_a_commune_with_more_cases_sends_the_same_statements(generated):
    url, _printed, subjects, results = generated
    app = national.bench_app(url, TODAY)
    with app.app_context():
        with db.engine.connect() as connection:
            small, large = (national.pick_subjects(connection, rank)[2] for rank in (0, 1))
        assert large.cases > small.cases
        counted = {s.username: {r.page: r.statements for r in national.measure_subject(
            app, s, TODAY, runs=1, warm_up=False, check=False)} for s in (small, large)}
        db.engine.dispose()
    assert counted[small.username] == counted[large.username]


def test_the_table_has_a_row_per_user_and_page(generated):
    _url, printed, subjects, _results = generated
    table = [line for line in "\n".join(printed).splitlines() if line.startswith("| ") and "`" in line]
    for subject in subjects:
        for _key, name, _path in national.PAGES:
            assert sum(f"`{subject.username}`" in line and f"| {name} |" in line for line in table) == 1, \
                (subject.username, name)
    assert any(f"{s.cases:,} cases" in line for s in subjects for line in printed)
