"""The dashboard on the Điện Bàn 2022 demo, on its snapshot day: the organisation board sees every
stuck case with its reason; Hà Tây 2's secretary sees Hà Tây 2 only. One load per database."""
import re
from datetime import date

import sqlalchemy as sa

from dashboard_support import data_count, listed_case_ids, matrix_cells
from pages_support import pages, text  # noqa: F401  (pages is a fixture)
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.units.models import Unit
from pipeline.workflow.stuck import stuck_cases

SNAPSHOT = date(2022, 10, 31)


def unit(code):
    return db.session.execute(sa.select(Unit).filter_by(code=code)).scalar_one()


def test_the_demo_dashboard_shows_every_stuck_case_with_its_reason(app, demo, pages):
    app.config["TODAY"] = SNAPSHOT
    town, hatay2 = unit("dienban"), unit("hatay2")
    stuck = stuck_cases(town, SNAPSHOT)
    assert len(stuck) >= 40

    pages.login("btc", "demo")
    matrix = pages.get("/dashboard/")
    assert data_count(matrix, "total-stuck") == len(stuck) == matrix_cells(matrix)["total", "all"][1]
    listing = pages.get("/dashboard/cases?which=stuck&per_page=100")
    assert listed_case_ids(listing) == [case.case_id for case in stuck]  # the same order: longest first
    rows = re.findall(r'<tr data-case="\d+">(.*?)</tr>', listing.get_data(as_text=True), re.S)
    for case, row in zip(stuck, rows):
        assert case.full_name in row and case.branch_name in row
        assert 'class="reason reason-' in row and "stuck since" in row, case.full_name
        assert case.since.strftime("%d/%m/%Y") in row, case.full_name
    assert f"{len(stuck)} cases" in text(listing)

    pages.login("hatay2", "demo")
    matrix = pages.get("/dashboard/")
    cells = matrix_cells(matrix)
    assert {key[0] for key in cells} == {hatay2.id}
    hatay2_cases = set(db.session.execute(sa.select(Case.id).where(
        Case.branch_id == hatay2.id, Case.stage.not_in(
            ("official", "rejected", "withdrawn", "removed", "expired", "struck_off")))).scalars())
    assert cells[hatay2.id, "all"][0] == len(hatay2_cases)
    assert data_count(matrix, "total-stuck") == len(stuck_cases(hatay2, SNAPSHOT)) > 0
    listed = listed_case_ids(pages.get("/dashboard/cases?which=all&per_page=100"))
    assert set(listed) == hatay2_cases
    page = pages.get("/dashboard/cases?which=stuck").get_data(as_text=True)
    assert "Chi bộ thôn Hà Tây 2" in page and "Chi bộ thôn Hà Tây 1" not in page
    assert pages.get(f"/dashboard/?unit={town.id}").status_code == 404
    board = pages.get(f"/dashboard/branches/{hatay2.id}/board")
    assert board.status_code == 200 and "Board: Chi bộ thôn Hà Tây 2" in text(board)
    assert pages.get(f"/dashboard/branches/{unit('tankhai').id}/board").status_code == 404
    app.config.pop("TODAY")
