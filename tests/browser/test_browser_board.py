"""The town's organisation board, on a desktop, finds where cases are stuck on the demo as of
31/10/2022 (the demo has stuck cases in several communes) and opens the list behind a number."""
from playwright.sync_api import expect

from browser.browser_support import log_in

SHOT = "board-1440"


def test_a_board_member_drills_into_a_stuck_cell_of_the_dashboard(desktop, shots):
    page = desktop
    log_in(page, "btc")
    page.locator("#main-nav").get_by_role("link", name="Nơi hồ sơ bị tắc").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nơi hồ sơ bị tắc: Đảng bộ thị xã Điện Bàn")
    shots(page, SHOT, "dashboard-town")

    # One level down: the first commune or ward with stuck cases.
    stuck_row = page.locator("#matrix tbody tr").filter(has=page.locator('td[data-stage="all"] .cell-stuck')).first
    unit_name = stuck_row.locator(".row-expand").inner_text()
    stuck_row.locator(".row-expand").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(unit_name)
    shots(page, SHOT, "dashboard-unit")

    # A stage's stuck count opens exactly those cases, each with why it is stuck.
    cell = page.locator('#matrix tbody td[data-stage]:not([data-stage="all"])').filter(
        has=page.locator(".cell-stuck")).first
    stuck = int(cell.get_attribute("data-stuck"))
    stage_label = cell.get_attribute("data-label")
    assert stuck > 0
    cell.locator(".cell-stuck").click()
    rows = page.locator("#cases tbody tr")
    expect(rows).to_have_count(min(stuck, 50))  # 50 a page
    expect(page.locator("#count")).to_contain_text(str(stuck))
    for row in rows.all():
        expect(row.locator('td[data-label="Giai đoạn"]')).to_have_text(stage_label)
        expect(row).to_contain_text("bị tắc từ ngày")
    shots(page, SHOT, "stuck-cases")
