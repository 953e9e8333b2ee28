"""On a phone the candidate list follows the search as it is typed (htmx): no page load, the
address kept in step so Back and a shared link show the same list."""
import re

from playwright.sync_api import expect

from browser.browser_support import assert_fits_screen, log_in, open_menu
from pipeline.base.text import fold


def test_typing_a_name_without_accents_narrows_the_list_in_place(phone, shots):
    page = phone
    log_in(page, "hatay2")
    open_menu(page)
    page.locator("#main-nav").get_by_role("link", name="Hồ sơ", exact=True).click()
    rows = page.locator("#candidates tbody tr")
    expect(rows.first).to_be_visible()
    everyone = rows.count()
    page.evaluate("window.typedOnThisPage = true")  # gone if the browser loaded a new page
    page.get_by_label("Họ tên", exact=True).press_sequentially("thi", delay=50)
    expect(page).to_have_url(re.compile(r"[?&]q=thi\b"))
    narrowed = rows.count()
    assert 0 < narrowed < everyone
    assert all("thi" in fold(name) for name in rows.locator("td:first-child a").all_inner_texts())
    assert page.evaluate("window.typedOnThisPage === true")
    assert_fits_screen(page)
    shots(page, "search-375", "typed")
    # A name nobody has: the empty state says so and offers to clear the filters.
    page.get_by_label("Họ tên", exact=True).fill("zzzz")
    expect(page.locator("#empty")).to_contain_text("Không có")
    assert page.evaluate("window.typedOnThisPage === true")
