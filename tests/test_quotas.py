"""Quotas against plan (pipeline.quotas): admissions counted from the log by the rulebook's count
basis, percent and above/below against a number or a range, the pool behind, the quota form
(who may set which quota, bad input), scope, the export, and a fixed number of statements."""
from datetime import date

import pytest
import sqlalchemy as sa

from figures_support import add_quota, admitted_2022, as_page_cells, direct_actors, row_of, unit_rows, xlsx_rows  # noqa: F401
from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.extensions import db
from pipeline.quotas import rollup as rollup_module
from pipeline.quotas.models import Quota, QuotaChange
from pipeline.quotas.operations import may_set_quota
from pipeline.quotas.rollup import Achievement, Target, percent, rollup

POOL = ["training", "dossier", "voted"]


def quota_of(unit, year):
    row = db.session.execute(sa.select(Quota.minimum, Quota.maximum)
                             .where(Quota.unit_id == unit.id, Quota.year == year)).one_or_none()
    return tuple(row) if row else None


def figures(achievement):
    return (achievement.percent, achievement.difference, achievement.state, achievement.compared_to)


def test_achievement_against_a_number_and_a_range():
    """One rule for the percentage and the difference: above a range both are of its upper end,
    below it both of its lower end, within it the percentage of the lower end and no difference."""
    assert figures(Achievement(12, Target(6, 8))) == (150, 4, "above", "upper")  # Điện Hòa: 12 of 6–8
    assert figures(Achievement(11, Target(8, 8))) == (138, 3, "above", "single")  # 137.5 rounds up
    assert figures(Achievement(7, Target(6, 8))) == (117, 0, "within", "lower")
    assert figures(Achievement(8, Target(6, 8))) == (133, 0, "within", "lower")
    assert figures(Achievement(6, Target(6, 8))) == (100, 0, "within", "lower")
    assert figures(Achievement(5, Target(6, 8))) == (83, -1, "below", "lower")
    assert figures(Achievement(9, Target(6, 8))) == (113, 1, "above", "upper")
    assert figures(Achievement(134, Target(100, 100))) == (134, 34, "above", "single")
    assert figures(Achievement(0, Target(0, 2))) == (None, 0, "within", "lower")  # nothing to divide by
    nothing = Achievement(3, None)
    assert (nothing.percent, nothing.difference, nothing.state) == (None, None, None)
    assert percent(1, 0) is None and Target(6, 8).label == "6–8" and Target(8, 8).label == "8"


def test_rollup_counts_ceremonies_of_the_subtree_in_the_period(admitted_2022, app):
    world = admitted_2022
    r = rollup(world.town, 2022)
    assert (r.basis, r.root.admitted, r.root.target, r.root.achievement.percent) == ("ceremony", 5, Target(4, 4), 125)
    by_code = {line.unit.code: line for line in r.children}
    assert {code: line.admitted for code, line in by_code.items()} == {
        "commune_a": 3, "commune_b": 1, "branch_direct": 1}
    assert by_code["commune_a"].pool == {"training": 1, "dossier": 1, "voted": 0}
    assert by_code["commune_b"].pool == {"training": 0, "dossier": 0, "voted": 1}
    assert r.root.pool == {"training": 1, "dossier": 1, "voted": 1}
    assert [(g.key, g.admitted, g.units) for g in r.split] == [("local", 4, 2), ("direct", 1, 1)]
    assert r.by_branch_kind == {"village": 2, "school": 1, "quarter": 1, "police": 1}
    assert r.children_target == Target(3, 4)  # 1–2 plus 2; the direct branch has none
    # The period: nothing before the ceremonies, nothing in another year.
    assert rollup(world.town, 2022, until=date(2022, 2, 9)).root.admitted == 0
    assert rollup(world.town, 2022, until=date(2022, 2, 10)).root.admitted == 5
    assert rollup(world.town, 2021).root.admitted == 0
    # A commune's rollup: its branches only.
    commune = rollup(world.commune_a, 2022)
    assert commune.root.admitted == 3 and commune.split == []
    assert {line.unit.code: line.admitted for line in commune.children} == {"branch_a1": 2, "branch_a2": 1}
    # The quota as planned is untouched by the achievements.
    assert quota_of(world.commune_a, 2022) == (1, 2)


def test_the_count_basis_is_the_rulebooks(world, make_case, app, monkeypatch):
    make_case("ceremony")  # decided on 20/01/2022, no ceremony yet
    make_case("probation")  # decided 20/01/2022, ceremony 10/02/2022
    assert rollup(world.town, 2022).root.admitted == 1
    monkeypatch.setattr(rollup_module, "count_basis", lambda day: "decision")
    assert rollup(world.town, 2022).root.admitted == 2
    assert rollup(world.town, 2022, until=date(2022, 1, 19)).root.admitted == 0


def test_quota_page_shows_plan_and_actual_per_unit(admitted_2022, pages):
    pages.login("board")
    response = pages.get("/quotas/?year=2022")
    assert response.status_code == 200
    rows = unit_rows(response)
    # The range's row says which end its percentage and its excess are of.
    assert rows["commune_a"][2:] == ["1–2", "3", "150% of the upper end (2)", "1 above the upper end", "1", "1", "0"]
    assert rows["commune_b"][2:] == ["2", "1", "50%", "1 below", "0", "0", "1"]
    assert rows["branch_direct"][2:] == ["—", "1", "—", "—", "0", "0", "0"]
    assert rows["town"][2:] == ["4", "5", "125%", "1 above", "1", "1", "1"]
    summary = section(response, "summary")
    assert "125%" in summary and "1 above" in summary
    assert "add up to 3–4" in section(response, "children-quotas")
    assert "by the date of the admission ceremony" in section(response, "basis")
    assert "01/01/2022 to 31/12/2022" in section(response, "basis")
    kinds = section(response, "by-branch-kind")
    assert "Village branch 2" in kinds and "Total 5" in kinds
    # Drilling down: the commune's own page lists its branches.
    drill = pages.get(f"/quotas/?unit={admitted_2022.commune_a.id}&year=2022")
    assert set(unit_rows(drill)) == {"branch_a1", "branch_a2", "commune_a"}
    assert "Đảng bộ thị xã Thử" in section(drill, "trail")


def test_a_committee_never_sees_or_counts_another_commune(admitted_2022, pages):
    world = admitted_2022
    pages.login("com_a")
    response = pages.get("/quotas/?year=2022")
    assert response.status_code == 200
    rows = unit_rows(response)
    assert set(rows) == {"branch_a1", "branch_a2", "commune_a"}
    assert rows["commune_a"][2:6] == ["1–2", "3", "150% of the upper end (2)", "1 above the upper end"]
    assert "Đảng bộ phường B" not in text(response) and "khối phố B1" not in text(response)
    for unit in (world.commune_b, world.branch_b1, world.town, world.branch_direct):
        assert pages.get(f"/quotas/?unit={unit.id}&year=2022").status_code == 404
        assert pages.get(f"/quotas/?unit={unit.id}&year=2022&format=xlsx").status_code == 404
    assert pages.get("/quotas/?unit=999999").status_code == 404
    assert pages.get("/quotas/?unit=abc").status_code == 404
    # A secretary: their branch and nothing else.
    pages.login("sec_b1")
    response = pages.get("/quotas/?year=2022")
    assert response.status_code == 200 and "Chi bộ khối phố B1" in text(response)
    assert section(response, "summary").split()[:4] == ["Quota", "—", "Admitted", "1"]
    assert pages.get(f"/quotas/?unit={world.branch_a1.id}").status_code == 404


def test_who_may_set_which_quota(world, app):
    board, com_a, sec_a1, admin = world["board"], world["com_a"], world["sec_a1"], world["admin"]
    assert may_set_quota(board, world.commune_a) and may_set_quota(board, world.branch_b1)
    assert not may_set_quota(board, world.town)  # nobody sets their own unit's quota
    assert may_set_quota(com_a, world.branch_a1) and not may_set_quota(com_a, world.commune_a)
    assert not may_set_quota(com_a, world.branch_b1) and not may_set_quota(com_a, world.town)
    assert not may_set_quota(sec_a1, world.branch_a1)
    # The administrator enters the top unit's quota, which comes from outside the system.
    assert may_set_quota(admin, world.town) and may_set_quota(admin, world.commune_b)


def test_setting_a_quota_inserts_then_replaces(world, pages):
    pages.login("board")
    page = pages.get("/quotas/?year=2022")
    assert 'id="set-quota"' in page.get_data(as_text=True)
    options = section(page, "unit_id")
    assert "Đảng bộ xã A" in options and "Đảng bộ thị xã Thử" not in options
    response = pages.post(f"/quotas/?unit={world.town.id}&year=2022",
                          data={"unit_id": world.commune_a.id, "year": 2022, "minimum": 6, "maximum": 8},
                          follow_redirects=True)
    assert response.status_code == 200 and "Quota of Đảng bộ xã A for 2022: 6–8." in text(response)
    assert quota_of(world.commune_a, 2022) == (6, 8)
    assert row_of(response, "commune_a")[2] == "6–8"
    # Set again: replaced, one row; an empty upper end means a single number.
    pages.post(f"/quotas/?unit={world.town.id}&year=2022",
               data={"unit_id": world.commune_a.id, "year": 2022, "minimum": 7, "maximum": ""})
    assert quota_of(world.commune_a, 2022) == (7, 7)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Quota)).scalar() == 1
    stored = db.session.execute(sa.select(Quota)).scalar_one()
    assert stored.set_by_unit_id == world.town.id
    # Another year is another row.
    pages.post(f"/quotas/?unit={world.town.id}&year=2022",
               data={"unit_id": world.commune_a.id, "year": 2023, "minimum": 9})
    assert quota_of(world.commune_a, 2023) == (9, 9) and quota_of(world.commune_a, 2022) == (7, 7)


@pytest.mark.parametrize("data, field, message", [
    ({"minimum": -1}, "minimum", "A quota cannot be negative."),
    ({"minimum": 8, "maximum": 6}, "maximum", "The upper end of the range cannot be below the lower end."),
    ({"minimum": 3, "maximum": -2}, "maximum", "A quota cannot be negative."),
    ({"minimum": ""}, "minimum", "This field is required."),
    ({"minimum": "sáu"}, "minimum", "Not a valid integer value."),
    ({"minimum": 3, "year": 1900}, "year", "Number must be between 2000 and 2100."),
])
def test_bad_quotas_are_refused_with_a_message(world, pages, data, field, message):
    pages.login("board")
    response = pages.post(f"/quotas/?unit={world.town.id}&year=2022",
                          data={"unit_id": world.commune_a.id, "year": 2022, **data})
    assert response.status_code == 422
    assert message in section(response, f"{field}-errors")
    assert db.session.execute(sa.select(sa.func.count()).select_from(Quota)).scalar() == 0


def test_quotas_outside_ones_reach_are_refused(world, pages):
    pages.login("com_a")
    # Its own unit is not among the choices; another commune's page is not there at all.
    response = pages.post(f"/quotas/?unit={world.commune_a.id}&year=2022",
                          data={"unit_id": world.commune_a.id, "year": 2022, "minimum": 5})
    assert response.status_code == 422 and "Not a valid choice." in section(response, "unit_id-errors")
    assert pages.post(f"/quotas/?unit={world.commune_b.id}&year=2022",
                      data={"unit_id": world.branch_b1.id, "year": 2022, "minimum": 5}).status_code == 404
    assert pages.post(f"/quotas/?unit={world.commune_a.id}&year=2022",
                      data={"unit_id": world.branch_a1.id, "year": 2022, "minimum": 1}).status_code == 302
    assert quota_of(world.branch_a1, 2022) == (1, 1) and quota_of(world.commune_a, 2022) is None
    pages.login("sec_a1")
    assert 'id="set-quota"' not in pages.get("/quotas/").get_data(as_text=True)
    assert pages.post(f"/quotas/?unit={world.branch_a1.id}",
                      data={"unit_id": world.branch_a1.id, "year": 2022, "minimum": 1}).status_code == 403


def test_the_export_has_the_rows_of_the_page(admitted_2022, pages):
    pages.login("board")
    page = unit_rows(pages.get("/quotas/?year=2022"))
    for fmt in ("xlsx", "csv"):
        response = pages.get(f"/quotas/?year=2022&format={fmt}")
        assert response.status_code == 200 and response.data  # read: the body is streamed
        assert "Quotas-2022" in response.headers["Content-Disposition"]
    header, rows = xlsx_rows(pages.get("/quotas/?year=2022&format=xlsx"))
    assert header[:5] == ["Unit", "Kind", "Quota (lower end)", "Quota (upper end)", "Admitted, 01/01/2022–31/12/2022"]
    assert header[6] == "Compared against" and header[8] == "In training, as of 31/12/2022"
    assert rows[0][:8] == ["Đảng bộ xã A", "Commune party committee", 1, 2, 3, 1.5, "upper end (2)", 1]
    assert [as_page_cells(row) for row in rows] == list(page.values())
    assert pages.get("/quotas/?year=2022&format=pdf").status_code == 404


def test_the_page_runs_the_same_statements_for_ten_times_the_data(world, direct_actors, make_case, pages,
                                                                   count_statements):
    branches = [world.branch_a1, world.branch_a2, world.branch_b1, world.branch_direct]

    def grow(n):
        for i in range(n):
            make_case("probation" if i % 2 else "dossier", branch=branches[i % 4])

    add_quota(world.commune_a, 2022, 1, 2)
    grow(3)
    pages.login("board")
    pages.get("/quotas/?year=2022")  # warm up whatever is cached per process
    with count_statements() as few:
        assert pages.get("/quotas/?year=2022").status_code == 200
    grow(27)
    with count_statements() as many:
        response = pages.get("/quotas/?year=2022")
    assert row_of(response, "town")[3] == "14"  # 1 + 13 ceremonies
    assert many.count == few.count <= 7  # the user, the rollup's five, nothing per row
    print(f"quota page: {few.count} statements for 3 cases, {many.count} for 30")


def test_every_quota_set_is_kept_with_the_one_it_replaced(world, pages):
    pages.login("board")
    for minimum, maximum in ((6, 8), (7, "")):
        pages.post(f"/quotas/?unit={world.town.id}&year=2022",
                   data={"unit_id": world.commune_a.id, "year": 2022, "minimum": minimum, "maximum": maximum})
    changes = db.session.execute(sa.select(QuotaChange).order_by(QuotaChange.id)).scalars().all()
    assert [(c.minimum, c.maximum, c.previous_minimum, c.previous_maximum) for c in changes] == [
        (6, 8, None, None), (7, 7, 6, 8)]
    assert {c.set_by_user_id for c in changes} == {world["board"].id}
    history = section(pages.get(f"/quotas/?unit={world.town.id}&year=2022"), "quota-history")
    # Newest first: the adjustment to 7 says it replaced 6–8; the original plan says so.
    assert history.index("7") < history.index("(original plan)")
    assert "6–8" in history and world["board"].display_name in history


def test_the_history_of_quotas_cannot_be_rewritten(world, pages):
    pages.login("board")
    pages.post(f"/quotas/?unit={world.town.id}&year=2022",
               data={"unit_id": world.commune_a.id, "year": 2022, "minimum": 6, "maximum": 8})
    for statement in ("UPDATE quota_change SET minimum = 1", "DELETE FROM quota_change"):
        with pytest.raises(sa.exc.DBAPIError):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert db.session.execute(sa.select(QuotaChange.minimum)).scalars().all() == [6]


def test_a_range_row_says_which_end_it_is_compared_with(admitted_2022, pages):
    """Commune A admitted 3: against 4–6 it is short of the lower end, against 2–4 within the
    range; both the percentage and the difference are of the end the row names, on the page,
    in the summary and in the export."""
    world = admitted_2022
    pages.login("board")
    for (low, high), cells, exported in (
            ((4, 6), ["4–6", "3", "75% of the lower end (4)", "1 below the lower end"], [4, 6, 3, 0.75, "lower end (4)", -1]),
            ((2, 4), ["2–4", "3", "150% of the lower end (2)", "within the range"], [2, 4, 3, 1.5, "lower end (2)", 0]),
            ((1, 2), ["1–2", "3", "150% of the upper end (2)", "1 above the upper end"], [1, 2, 3, 1.5, "upper end (2)", 1])):
        pages.post(f"/quotas/?unit={world.town.id}&year=2022",
                   data={"unit_id": world.commune_a.id, "year": 2022, "minimum": low, "maximum": high})
        assert row_of(pages.get("/quotas/?year=2022"), "commune_a")[2:6] == cells
        own = pages.get(f"/quotas/?unit={world.commune_a.id}&year=2022")
        assert f"Percent of the quota {cells[2]} Above or below {cells[3]}" in section(own, "summary")
        header, rows = xlsx_rows(pages.get("/quotas/?year=2022&format=xlsx"))
        assert {row[0]: row for row in rows}["Đảng bộ xã A"][2:8] == exported
    report = section(pages.get(f"/reports/year?year=2022&unit={world.commune_a.id}"), "headline")
    assert "3 new members admitted, 150% of the upper end of the quota (1–2)." in report
    assert "1 above the upper end of the quota." in report
    assert "the percentage and the excess are of its upper end" in section(pages.get("/quotas/?year=2022"), "basis")
