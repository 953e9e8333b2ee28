"""Issue 15: the page frame holds for long texts. A committee whose account bears a long title
("Phó Bí thư Thường trực Đảng ủy xã Điện Hòa") keeps the menu in one line on a desktop; a scan's
fingerprint does not widen a case page on a phone. (Named to run before test_browser_zz_*,
which reorganises the demo's units.)"""
import base64
import re

from playwright.sync_api import expect

from browser.browser_support import assert_fits_screen, log_in, log_out
from browser.walk_support import case_page

LONG_TITLE = "Phó Bí thư Thường trực Đảng ủy xã Điện Hòa"  # the demo's committee of Điện Hòa
# A 1×1 PNG: the smallest scan the dossier takes.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def _bar_height(page):
    """The bar's height once the page and both its stylesheets have loaded: beside another worker,
    a box read earlier was the unstyled bar's (254 px once in CI) or the bar styled by Bootstrap
    alone, before app.css narrowed it (81 px once in CI; 69.5 px in full)."""
    page.wait_for_load_state("load")
    return page.locator("nav.navbar").bounding_box()["height"]


def test_a_long_title_leaves_the_menu_in_one_line_on_a_desktop(desktop):
    page = desktop
    log_in(page, "dienhoa")
    height = _bar_height(page)
    assert height < 80, f"the bar is {height}px tall"
    tops = {round(box["y"]) for box in (item.bounding_box() for item in page.locator("#main-nav .nav-item").all())}
    assert len(tops) == 1, f"the menu runs over {len(tops)} lines"
    expect(page.locator("#who strong")).to_have_attribute("title", LONG_TITLE)  # the whole, where the bar cuts it
    assert_fits_screen(page)


def test_every_role_s_bar_fits_a_desktop(desktop):
    """The bar holds every role's menu, its queue and its account within 1440 px."""
    page = desktop
    for username in ("hatay2", "diennamdong", "btc", "admin"):
        log_in(page, username)
        height = _bar_height(page)
        assert_fits_screen(page)
        assert height < 80, f"{username}: the bar is {height}px tall"
        log_out(page)


def _record_a_scan(page):
    """As Hà Tây 2's secretary: attach a PNG to the first document of a case one may record;
    the case's URL."""
    page.goto("/candidates")
    for url in page.locator("#candidates a.fw-semibold").evaluate_all("links => links.map(a => a.href)"):
        page.goto(url + "/dossier")
        record = page.locator("main tr[data-key]").get_by_role("link", name="Ghi nhận", exact=True)
        if record.count():
            record.first.click()
            page.locator("main form input[type=file]").set_input_files(
                {"name": "ban-scan-giay-to.png", "mimeType": "image/png", "buffer": PNG})
            page.locator("main form").get_by_role("button", name="Ghi nhận", exact=True).click()
            expect(page.locator("main .scan-link").first).to_be_visible()
            return url
    raise AssertionError("no case of Hà Tây 2 takes a scan")


def test_a_scan_in_the_history_fits_a_phone(phone):
    page = phone
    log_in(page, "hatay2")
    url = _record_a_scan(page)
    page.goto(url)
    case_page(page)
    entry = page.locator("#timeline .timeline-entry").filter(has_text="ban-scan-giay-to.png").last
    expect(entry).to_contain_text("PNG")
    expect(entry).not_to_contain_text("image/png")
    expect(entry).to_contain_text("1 KB")  # a few bytes, not "69"
    fingerprint = entry.locator(".shortened")
    expect(fingerprint).to_have_attribute("title", re.compile(r"^[0-9a-f]{64}$"))
    expect(fingerprint).to_have_text(re.compile(r"^[0-9a-f]{12}…$"))
    assert_fits_screen(page)
