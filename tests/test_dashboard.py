"""The stuck-where dashboard: the matrix of units × stages and the list behind each of its numbers
(scope, counts, the stuck rules at their edges, filters, exports, a fixed number of statements)."""
import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conftest import fresh
from dashboard_support import (TODAY, data_count, grow, listed_case_ids, matrix_cells, quick_case,
                               scoped_ids)
from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from xlsx_support import sheet_table
from pipeline.dashboard.filters import OPEN_STAGE_NAMES
from pipeline.extensions import db
from pipeline.workflow import operations
from pipeline.workflow.models import CaseDeadline
from pipeline.workflow.stuck import stuck_condition


@pytest.fixture
def on_snapshot(app):
    app.config["TODAY"] = TODAY
    yield TODAY
    app.config.pop("TODAY", None)


@pytest.fixture
def spread(world, on_snapshot):
    """Twelve cases over the four branches and the open stages, a third with a deadline."""
    return grow(world, 12)


# --- scope ---------------------------------------------------------------------------------

def test_a_committee_never_counts_another_commune(pages, world, spread):
    pages.login("com_a")
    cells = matrix_cells(pages.get("/dashboard/"))
    rows = {key[0] for key in cells}
    assert rows == {world.branch_a1.id, world.branch_a2.id, "total"}
    in_a = scoped_ids(world.commune_a)
    assert cells["total", "all"][0] == len(in_a) < len(scoped_ids(world.town))
    for stage in OPEN_STAGE_NAMES:
        assert cells["total", stage][0] == cells[world.branch_a1.id, stage][0] + cells[world.branch_a2.id, stage][0]
    # Commune B's cases appear nowhere, not even in the list behind the total.
    listed = set(listed_case_ids(pages.get("/dashboard/cases?per_page=100")))
    assert listed == in_a and not listed & scoped_ids(world.commune_b)


def test_the_board_sees_every_unit_below_it_as_rows(pages, world, spread):
    pages.login("board")
    cells = matrix_cells(pages.get("/dashboard/"))
    assert {key[0] for key in cells} == {world.commune_a.id, world.commune_b.id, world.branch_direct.id, "total"}
    assert cells["total", "all"][0] == len(scoped_ids(world.town)) == 12
    assert cells[world.commune_a.id, "all"][0] == len(scoped_ids(world.commune_a))
    # Expanding a commune roots the matrix there, with the way back up.
    response = pages.get(f"/dashboard/?unit={world.commune_a.id}")
    assert {key[0] for key in matrix_cells(response)} == {world.branch_a1.id, world.branch_a2.id, "total"}
    assert section(response, "breadcrumb") == "Đảng bộ thị xã Thử Đảng bộ xã A"


def test_a_secretary_sees_only_their_branch(pages, world, spread):
    pages.login("sec_a1")
    response = pages.get("/dashboard/")
    cells = matrix_cells(response)
    assert {key[0] for key in cells} == {world.branch_a1.id}
    assert cells[world.branch_a1.id, "all"][0] == len(scoped_ids(world.branch_a1))
    assert f'/dashboard/branches/{world.branch_a1.id}/board' in response.get_data(as_text=True)
    # The breadcrumb starts at the user's own unit, never above it.
    assert section(response, "breadcrumb") == "Chi bộ thôn A1"


@pytest.mark.parametrize("username, outside", [("com_a", "commune_b"), ("com_a", "branch_b1"), ("sec_a1", "branch_a2"),
                                                ("sec_a1", "commune_a"), ("com_b", "town")])
def test_units_outside_scope_are_not_found(pages, world, spread, username, outside):
    unit = getattr(world, outside)
    pages.login(username)
    assert pages.get(f"/dashboard/?unit={unit.id}").status_code == 404
    assert pages.get(f"/dashboard/cases?unit={unit.id}").status_code == 404
    assert pages.get(f"/dashboard/?unit={unit.id}&format=csv").status_code == 404
    assert pages.get(f"/dashboard/cases?unit={unit.id}&format=xlsx").status_code == 404
    if unit.is_branch:
        assert pages.get(f"/dashboard/branches/{unit.id}/board").status_code == 404
    assert pages.get("/dashboard/?unit=999999").status_code == 404


# --- every number is the list of exactly those cases ---------------------------------------

def test_every_number_links_to_exactly_those_cases(pages, world, spread):
    pages.login("board")
    for root in (world.town, world.commune_a):
        cells = matrix_cells(pages.get(f"/dashboard/?unit={root.id}"))
        for (row, stage), (count, stuck, overdue) in cells.items():
            unit_id = root.id if row == "total" else row
            stage_arg = "" if stage == "all" else f"&stage={stage}"
            for which, expected in (("all", count), ("stuck", stuck), ("overdue", overdue)):
                listed = listed_case_ids(pages.get(f"/dashboard/cases?unit={unit_id}{stage_arg}&which={which}"
                                                   "&per_page=100"))
                assert len(listed) == expected, (row, stage, which)


def test_the_counts_are_the_stuck_rules(pages, world, spread):
    pages.login("board")
    response = pages.get("/dashboard/")
    stuck = scoped_ids(world.town, stuck_condition(TODAY))
    overdue = {row.case_id for row in db.session.execute(
        select(CaseDeadline).where(CaseDeadline.due_on < TODAY)).scalars()}
    assert matrix_cells(response)["total", "all"] == (12, len(stuck), len(overdue))
    assert data_count(response, "total-stuck") == len(stuck) > len(overdue) > 0


def test_median_and_longest_days_in_a_cell(pages, world, on_snapshot):
    for days, name in [(10, "Một"), (20, "Hai"), (35, "Ba"), (100, "Bốn")]:
        quick_case(world, world.branch_a1, "dossier", TODAY - timedelta(days=days), f"Nguyễn {name}")
    pages.login("sec_a1")
    cell = section(pages.get("/dashboard/"), "matrix")
    assert "median 27.5 · longest 100 days" in cell  # (20 + 35) / 2


def test_the_list_says_why_and_since_when(pages, world, on_snapshot):
    late = quick_case(world, world.branch_a1, "decision", date(2022, 7, 1), "Trần Quá Hạn", due_on=date(2022, 10, 20))
    slow = quick_case(world, world.branch_a1, "spotted", date(2021, 9, 1), "Lê Chậm Chạp")
    quick_case(world, world.branch_a1, "spotted", date(2022, 9, 1), "Phạm Đúng Hạn")
    pages.login("sec_a1")
    response = pages.get("/dashboard/cases?which=stuck")
    assert listed_case_ids(response) == [slow.id, late.id]  # the longest in their stage first
    rows = section(response, "cases")
    assert "Phạm Đúng Hạn" not in rows
    assert ("Admission decision, within 60 working days of the branch resolution · due 20/10/2022 "
            "· stuck since 21/10/2022") in rows
    assert "In “Spotted, being nurtured” for more than 12 months · stuck since 02/09/2022" in rows
    assert "Stuck cases · Chi bộ thôn A1" in text(response)
    assert f'href="/candidates/{late.id}"' in response.get_data(as_text=True)


def test_the_list_is_paginated_in_sql(pages, world, on_snapshot):
    for n in range(7):
        quick_case(world, world.branch_a1, "spotted", date(2021, 1, 1) + timedelta(days=n), f"Nguyễn {n}")
    pages.login("sec_a1")
    first = listed_case_ids(pages.get("/dashboard/cases?which=stuck&per_page=5"))
    second = listed_case_ids(pages.get("/dashboard/cases?which=stuck&per_page=5&page=2"))
    assert len(first) == 5 and len(second) == 2 and not set(first) & set(second)
    assert "page 1 of 2" in text(pages.get("/dashboard/cases?which=stuck&per_page=5"))
    assert pages.get("/dashboard/cases?which=stuck&per_page=5&page=9").status_code == 404


# --- the stuck rules at their edges ---------------------------------------------------------

def stuck_listed(pages, which="stuck"):
    return listed_case_ids(pages.get(f"/dashboard/cases?which={which}"))


def test_a_deadline_is_overdue_the_day_after_its_due_day(app, pages, world, make_case):
    case = make_case("ceremony")  # the ceremony deadline runs from the decision's receipt
    (row,) = db.session.execute(select(CaseDeadline).where(CaseDeadline.case_id == case.id)).scalars()
    pages.login("sec_a1")
    app.config["TODAY"] = row.due_on
    assert stuck_listed(pages, "overdue") == [] and stuck_listed(pages) == []
    assert matrix_cells(pages.get("/dashboard/"))[world.branch_a1.id, "all"] == (1, 0, 0)
    app.config["TODAY"] = row.due_on + timedelta(days=1)
    assert stuck_listed(pages, "overdue") == [case.id] == stuck_listed(pages)
    assert matrix_cells(pages.get("/dashboard/"))[world.branch_a1.id, "all"] == (1, 1, 1)
    since = (row.due_on + timedelta(days=1)).strftime("%d/%m/%Y")
    assert f"stuck since {since}" in section(pages.get("/dashboard/cases?which=overdue"), "cases")
    # The ceremony, held late: the act rewrites the case's deadline rows, it is no longer overdue.
    operations.record_act(case.id, "hold_ceremony", world["sec_a1"], row.due_on + timedelta(days=1),
                           {"place": "Hội trường thôn"})
    assert fresh(case.id).stage == "probation"
    assert stuck_listed(pages, "overdue") == [] and stuck_listed(pages) == []
    assert matrix_cells(pages.get("/dashboard/"))[world.branch_a1.id, "probation"] == (1, 0, 0)
    app.config.pop("TODAY")


@pytest.mark.parametrize("stage, months", [("spotted", 12), ("training", 6), ("dossier", 6), ("branch_vote", 3)])
def test_a_case_is_in_its_stage_too_long_from_the_day_after_the_expected_months(app, pages, world, stage, months):
    entered = date(2021, 6, 1)
    limit = date(2021 + (6 + months - 1) // 12, (6 + months - 1) % 12 + 1, 1)  # entered + months
    case = quick_case(world, world.branch_a1, stage, entered, "Phùng Tấn Thắng")
    pages.login("sec_a1")
    app.config["TODAY"] = limit
    assert stuck_listed(pages) == [] and matrix_cells(pages.get("/dashboard/"))[world.branch_a1.id, stage] == (1, 0, 0)
    app.config["TODAY"] = limit + timedelta(days=1)
    assert stuck_listed(pages) == [case.id] and matrix_cells(pages.get("/dashboard/"))[world.branch_a1.id, stage] == (1, 1, 0)
    assert stuck_listed(pages, "overdue") == []
    assert f"stuck since {(limit + timedelta(days=1)):%d/%m/%Y}" in section(pages.get("/dashboard/cases?which=stuck"),
                                                                           "cases")
    app.config.pop("TODAY")


def test_probation_is_never_too_long_only_overdue(app, pages, world):
    quick_case(world, world.branch_a1, "probation", date(2020, 1, 1), "Phùng Tấn Thắng")
    app.config["TODAY"] = TODAY
    pages.login("sec_a1")
    assert stuck_listed(pages) == []
    app.config.pop("TODAY")


# --- filters --------------------------------------------------------------------------------

def test_filters_by_year_spotted_branch_kind_and_source(pages, world, on_snapshot):
    old = quick_case(world, world.branch_a1, "dossier", date(2022, 3, 1), "Nguyễn Cũ", spotted_on=date(2021, 5, 1))
    new = quick_case(world, world.branch_a1, "spotted", date(2022, 2, 1), "Nguyễn Mới",
                     source_organisation="womens_union")
    school = quick_case(world, world.branch_a2, "spotted", date(2022, 2, 1), "Nguyễn Trường")
    pages.login("com_a")

    def listed(query):
        return set(listed_case_ids(pages.get("/dashboard/cases?" + query)))

    assert listed("year=2021") == {old.id}  # the year of the first act, not of the current stage
    assert listed("year=2022") == {new.id, school.id}
    assert listed("kind=school") == {school.id}
    assert listed("kind=village&year=2022") == {new.id}
    assert listed("source=womens_union") == {new.id}
    assert listed("year=nonsense&kind=castle&source=x") == {old.id, new.id, school.id}  # ignored
    cells = matrix_cells(pages.get("/dashboard/?year=2022"))
    assert cells["total", "all"][0] == 2 and cells[world.branch_a1.id, "dossier"][0] == 0
    # A kind filter leaves out the branches of other kinds.
    assert {key[0] for key in matrix_cells(pages.get("/dashboard/?kind=school"))} == {world.branch_a2.id, "total"}
    # The numbers link with the filters kept.
    summary = re.search(r'id="summary".*?</p>', pages.get("/dashboard/?year=2022").get_data(as_text=True), re.S)
    assert summary.group(0).count("year=2022") == 3
    assert "the year the case was spotted" in text(pages.get("/dashboard/"))


# --- exports --------------------------------------------------------------------------------

def test_the_matrix_exports_as_the_page_shows_it(pages, world, spread):
    pages.login("com_a")
    cells = matrix_cells(pages.get("/dashboard/?lang=en"))
    response = pages.get("/dashboard/?format=xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    lines = sheet_table(response.get_data())
    header = lines[0]
    assert header[:2] == ["Unit", "Figure"] and header[-1] == "All stages"
    assert len(header) == 2 + len(OPEN_STAGE_NAMES) + 1 and header[2].startswith("1. ")
    # Units down, the stages across, a line for each figure the page shows in a cell, the totals last.
    assert [line[0] for line in lines[1::5]] == ["Chi bộ thôn A1", "Chi bộ trường A2", "Total"]
    figures = {(line[0], line[1]): line[2:] for line in lines[1:]}
    for name, key in (("Chi bộ thôn A1", world.branch_a1.id), ("Chi bộ trường A2", world.branch_a2.id),
                      ("Total", "total")):
        for index, figure in enumerate(("Cases", "Stuck", "Overdue")):
            assert figures[name, figure] == [cells[key, stage][index] for stage in (*OPEN_STAGE_NAMES, "all")]
        assert figures[name, "Median days in the stage"][-1] is None  # the page has no median over all stages
    assert "Chi bộ khối phố B1" not in {line[0] for line in lines}
    response = pages.get("/dashboard/?format=csv")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == header and len(rows) == len(lines)
    assert rows[1][:3] == ["Chi bộ thôn A1", "Cases", str(cells[world.branch_a1.id, OPEN_STAGE_NAMES[0]][0])]


def test_the_case_list_exports_every_case_with_its_reasons(pages, world, on_snapshot):
    late = quick_case(world, world.branch_a1, "decision", date(2022, 7, 1), "Trần Quá Hạn", due_on=date(2022, 10, 20))
    quick_case(world, world.branch_a1, "spotted", date(2021, 9, 1), "Lê Chậm Chạp")
    for n in range(6):
        quick_case(world, world.branch_a1, "spotted", date(2022, 9, 1), f"Nguyễn Văn Số {n}")
    pages.login("sec_a1")
    response = pages.get("/dashboard/cases?which=all&per_page=2&page=2&format=xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    lines = [tuple(line) for line in sheet_table(response.get_data())]  # the table under the title rows
    assert lines[0] == ("Full name", "Branch", "Stage", "In the stage since", "Days in the stage", "Stuck since",
                        "Why it is stuck")
    assert len(lines) == 1 + 8  # every case, not the page
    slow = lines[1]
    assert slow[:3] == ("Lê Chậm Chạp", "Chi bộ thôn A1", "Spotted, being nurtured")
    assert slow[3].date() == date(2021, 9, 1) and slow[4] == 425 and slow[5].date() == date(2022, 9, 2)
    assert slow[6] == "In “Spotted, being nurtured” for more than 12 months (stuck since 02/09/2022)"
    overdue = next(line for line in lines if line[0] == "Trần Quá Hạn")
    assert overdue[6] == ("Admission decision, within 60 working days of the branch resolution "
                          "(due 20/10/2022, stuck since 21/10/2022)")
    assert all(line[6] is None and line[5] is None for line in lines if line[0].startswith("Nguyễn"))
    rows = list(csv.reader(io.StringIO(pages.get("/dashboard/cases?which=stuck&format=csv").get_data()
                                       .decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["Lê Chậm Chạp", "Trần Quá Hạn"]
    assert rows[1][3] == "2021-09-01" and rows[1][5] == "2022-09-02"
    assert late.id  # the overdue case is the second: longest in its stage first


def test_an_unknown_export_format_is_not_found(pages, world, on_snapshot):
    pages.login("sec_a1")
    assert pages.get("/dashboard/?format=pdf").status_code == 404
    assert pages.get("/dashboard/cases?format=ods").status_code == 404


# --- a fixed number of statements -----------------------------------------------------------

@pytest.mark.parametrize("username, path", [
    ("board", "/dashboard/"), ("board", "/dashboard/?year=2022&kind=village&source=youth_union"),
    ("com_a", "/dashboard/?unit={commune_a}"), ("sec_a1", "/dashboard/"),
    ("board", "/dashboard/cases?which=stuck"), ("com_a", "/dashboard/cases?which=all&stage=spotted&year=2022"),
    ("board", "/dashboard/cases?which=stuck&format=xlsx"),
])
def test_the_pages_run_the_same_statements_for_n_and_ten_times_n_cases(pages, world, on_snapshot,
                                                                       count_statements, username, path):
    path = path.format(commune_a=world.commune_a.id)
    grow(world, 6)
    pages.login(username)
    pages.get(path)  # warm up whatever is cached per process
    with count_statements() as few:
        response = pages.get(path)
        assert response.status_code == 200
        response.get_data()
    grow(world, 54, start=6)
    with count_statements() as many:
        response = pages.get(path)
        assert response.status_code == 200
        response.get_data()  # an export is read while it streams
    assert many.count == few.count, (few.count, many.count)
    assert few.count <= 8


def test_an_export_reads_the_reasons_chunk_by_chunk_while_the_cases_stream(pages, world, on_snapshot, monkeypatch,
                                                                         count_statements):
    from pipeline.dashboard import cases
    monkeypatch.setattr(cases, "EXPORT_CHUNK", 3)
    for n in range(8):
        quick_case(world, world.branch_a1, "spotted", date(2021, 1, 1) + timedelta(days=n), f"Nguyễn Văn Số {n}",
                   due_on=date(2022, 10, 1) if n % 2 else None)
    pages.login("sec_a1")
    with count_statements() as counter:
        response = pages.get("/dashboard/cases?which=stuck&format=csv")
        rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [f"Nguyễn Văn Số {n}" for n in range(8)]
    assert all("12 months" in row[6] for row in rows[1:])
    assert [row[6].count("Admission decision") for row in rows[1:]] == [n % 2 for n in range(8)]
    assert counter.count <= 2 + 3 * 2  # the user; the cases in 3 chunks, each with its reasons
