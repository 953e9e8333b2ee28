"""Vietnamese by default; EN switches the page to English, VI back, before and after logging in."""
import re

from playwright.sync_api import expect

from browser.browser_support import log_in, log_out

SHOT = "language-1440"


def switch(page, code):
    page.get_by_role("group", name=re.compile("Ngôn ngữ|Language")).get_by_role("button", name=code, exact=True).click()


def test_the_language_switch_changes_the_page_and_back(desktop, shots):
    page = desktop
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    switch(page, "EN")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_label("Username")).to_be_visible()
    shots(page, SHOT, "login-en")
    switch(page, "VI")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")

    # Logged in, the switch keeps the page: the candidate list, in English, then Vietnamese.
    log_in(page, "tankhai")
    page.locator("#main-nav").get_by_role("link", name="Hồ sơ", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ")
    switch(page, "EN")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    expect(page.locator("#main-nav")).to_contain_text("Where cases are stuck")
    shots(page, SHOT, "candidates-en")
    # The choice belongs to the account: logging in again from a Vietnamese login page (a shared
    # office computer) brings English back.
    log_out(page)
    switch(page, "VI")
    log_in(page, "tankhai")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#main-nav")).to_contain_text("Where cases are stuck")
    page.locator("#main-nav").get_by_role("link", name="Cases", exact=True).click()
    switch(page, "VI")  # also leaves the account in Vietnamese for later logins
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ")
    expect(page.locator("#main-nav")).to_contain_text("Nơi hồ sơ bị tắc")
    shots(page, SHOT, "candidates-vi")
