"""The town's administrator merges a village branch into its neighbour, as a commune does when two
villages become one: the preview names every open case and the secretary's account that move,
nothing is written until the box is ticked, then the cases are in the neighbour's branch.

Named to run after the other scenarios: it changes the demo's tree that they read."""
from playwright.sync_api import expect

from browser.browser_support import log_in

SHOT = "admin-1440"


def test_an_administrator_merges_two_village_branches_after_a_preview(desktop, shots):
    page = desktop
    log_in(page, "admin")
    page.goto("/admin/units/")
    page.get_by_role("link", name="Chi bộ thôn Hà Tây 1").click()
    before = int(page.locator("#open-cases").inner_text())
    page.go_back()
    page.get_by_role("link", name="Chi bộ thôn Hà Tây 2").click()
    page.locator("#merge").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chi bộ thôn Hà Tây 2")
    into = page.locator("#into option", has_text="Chi bộ thôn Hà Tây 1").get_attribute("value")
    page.locator("#into").select_option(into)
    page.locator("#effective_date").fill("2022-10-01")
    page.locator("#reason").fill("Nghị quyết sáp nhập thôn Hà Tây 1 và Hà Tây 2")
    page.get_by_role("button", name="Xem trước").click()

    # The preview: what ends, each open case with both branches, the secretary's account.
    cases = page.locator("#plan-cases tbody tr")
    expect(cases.first).to_be_visible()
    moving = cases.count()
    assert moving > 0
    expect(cases.first).to_contain_text("Chi bộ thôn Hà Tây 1")
    expect(page.locator("#plan-accounts")).to_contain_text("hatay2")
    expect(page.locator("#plan-ending")).to_contain_text("30/09/2022")
    shots(page, SHOT, "merge-preview")

    page.locator("#confirmed").check()
    page.locator("#submit").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chi bộ thôn Hà Tây 1")
    expect(page.locator(".alert-success")).to_be_visible()
    shots(page, SHOT, "merged")

    # The branch it merged into now holds the cases that moved.
    expect(page.locator("#open-cases")).to_have_text(str(before + moving))
