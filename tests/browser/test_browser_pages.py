"""The main pages as the organisation board reaches them from the menu, at 1440px and 375px,
photographed for a person to judge how they read (artifacts/screenshots/pages-<width>-*)."""
import pytest
from playwright.sync_api import expect

from browser.browser_support import assert_fits_screen, log_in, open_menu

# menu link, the page's heading, screenshot name
PAGES = [
    ("Hồ sơ", "Hồ sơ", "candidates"),
    ("Nơi hồ sơ bị tắc", "Nơi hồ sơ bị tắc", "dashboard"),
    ("Quy trình", "Quy trình", "process"),
    ("Báo cáo năm", "Báo cáo", "year-report"),
]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_main_pages_render_at_both_widths(device, request, shots):
    page = request.getfixturevalue(device)
    prefix = f"pages-{page.viewport_size['width']}"
    log_in(page, "btc")
    shots(page, prefix, "home")
    for link, heading, name in PAGES:
        open_menu(page)
        page.locator("#main-nav").get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        shots(page, prefix, name)
        assert_fits_screen(page)
        if name == "candidates":  # a case page: the demo's last ceremony of the year
            page.get_by_label("Họ tên", exact=True).fill("Phùng Tấn Thắng")
            page.locator("#filters").get_by_role("button").click()
            page.get_by_role("link", name="Phùng Tấn Thắng").first.click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Phùng Tấn Thắng")
            expect(page.locator("#timeline")).to_contain_text("08/10/2022")
            shots(page, prefix, "case")
            assert_fits_screen(page)
