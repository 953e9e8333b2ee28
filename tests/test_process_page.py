"""The process page (`/process`): the state diagram drawn from the live workflow table, with the
cases of the user's scope per stage (scope, counts, a fixed number of statements, a strict CSP)."""
import html
import re

import pytest

from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.workflow.definition import MOVES
from pipeline.workflow.stages import STAGES


def diagram_counts(response):
    """stage name -> the count its box in the diagram shows."""
    page = response.get_data(as_text=True)
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r'class="process-stage" data-stage="(\w+)" data-count="(\d+)"', page)}


def table_counts(response):
    page = response.get_data(as_text=True)
    return {m.group(1): int(m.group(2)) for m in re.finditer(
        r'<tr data-stage="(\w+)">.*?data-count="(\d+)"', page, re.S)}


def test_the_page_shows_every_stage_and_every_act_of_the_table(pages, world):
    pages.login("sec_a1")
    response = pages.get("/process")
    assert response.status_code == 200
    page = text(response)
    table = section(response, "process-table")
    for stage in STAGES:
        assert str(stage.label) in table
        assert f'data-stage="{stage.name}"' in response.get_data(as_text=True)
    for act in MOVES:
        assert str(act.label) in table
        assert str(act.label) in section(response, "diagram")  # at least in its arrow's tooltip
        for guard in act.specific_guards:
            # Each check in words (every guard carries its label), its code name only as data.
            assert str(guard.label) and str(guard.label) in page
            assert f'data-guard="{guard.name}"' in response.get_data(as_text=True)
            assert guard.name not in page.replace(f'data-guard="{guard.name}"', "")
    # Every stage box links to the candidate list filtered on its stage.
    raw = html.unescape(response.get_data(as_text=True))
    for stage in STAGES:
        assert f'href="/candidates/?stage={stage.name}"' in raw


def test_the_nav_links_to_the_page_for_every_role(pages, world):
    for username in ("sec_a1", "com_a", "board", "admin"):
        pages.login(username)
        assert 'href="/process"' in pages.get("/").get_data(as_text=True)


def test_the_counts_are_the_cases_in_scope(pages, world, make_case):
    make_case("spotted", branch=world.branch_a1)
    make_case("spotted", branch=world.branch_a1)
    make_case("dossier", branch=world.branch_a1)
    make_case("spotted", branch=world.branch_b1)
    make_case("branch_vote", branch=world.branch_b1)
    pages.login("com_a")
    response = pages.get("/process")
    expected = {s.name: 0 for s in STAGES} | {"spotted": 2, "dossier": 1}
    assert diagram_counts(response) == expected
    assert table_counts(response) == expected
    pages.login("board")
    expected = {s.name: 0 for s in STAGES} | {"spotted": 3, "dossier": 1, "branch_vote": 1}
    assert diagram_counts(pages.get("/process")) == expected
    pages.login("sec_b1")
    expected = {s.name: 0 for s in STAGES} | {"spotted": 1, "branch_vote": 1}
    assert table_counts(pages.get("/process")) == expected


def test_the_page_follows_the_table(pages, world, monkeypatch):
    """A change to the workflow table changes the page: nothing is drawn from a copy of it."""
    from dataclasses import replace

    from pipeline.process import diagram, views
    from pipeline.workflow import definition
    changed = tuple(replace(t, label="Một hành vi mới") if t.name == "complete_dossier" else t
                    for t in definition.MOVES)
    monkeypatch.setattr(diagram, "MOVES", changed)
    monkeypatch.setattr(views, "MOVES", changed)
    monkeypatch.setattr(views, "acts_from", lambda stage: [t for t in changed if stage in t.sources])
    pages.login("sec_a1")
    page = text(pages.get("/process"))
    assert "Một hành vi mới" in page and "Dossier complete" not in page


@pytest.mark.parametrize("username", ["com_a", "board"])
def test_a_fixed_number_of_statements_for_one_and_ten_cases(pages, world, make_case, count_statements, username):
    make_case("spotted", branch=world.branch_a1)
    pages.login(username)
    pages.get("/process")  # warm up whatever is cached per process
    with count_statements() as one:
        assert pages.get("/process").status_code == 200
    for i in range(9):
        make_case(("spotted", "training", "dossier")[i % 3], branch=(world.branch_a1, world.branch_b1)[i % 2])
    with count_statements() as ten:
        assert pages.get("/process").status_code == 200
    # The logged-in user, then the one GROUP BY of the counts.
    assert one.count == ten.count == 2, (one.count, ten.count)


def test_no_inline_style_or_script(pages, world, make_case):
    make_case("spotted")
    pages.login("board")
    page = pages.get("/process").get_data(as_text=True)
    assert "<svg" in page
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "<script" not in page[page.index("<svg"):]
