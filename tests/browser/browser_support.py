"""Helpers for the browser tests: console watching, screenshots, logging in."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

PASSWORD = "demo"  # every demo account's


class ConsoleWatch:
    """Collects console errors (CSP violations among them) and uncaught page errors."""

    def __init__(self, page):
        self.errors = []
        page.on("console", lambda message: self.console(page, message))
        page.on("pageerror", lambda error: self.errors.append(f"page error on {page.url}: {error}"))

    def console(self, page, message):
        if message.type != "error":
            return
        # A refused form is answered 422 with the form and its reasons: Chromium logs the
        # document's status, which is the app working as meant. Any other failure counts.
        if ("status of 422" in message.text and message.location.get("url") == page.url):
            return
        self.errors.append(f"console error on {page.url}: {message.text}")

    def assert_clean(self):
        if self.errors:
            pytest.fail("The browser reported errors:\n" + "\n".join(self.errors), pytrace=False)


class Shots:
    """Full-page screenshots named `<scenario>-NN-<step>.png`, so they sort in the order taken."""

    def __init__(self, folder, timeout=60_000):
        self.folder, self.timeout = Path(folder), timeout
        self.counts = {}

    def __call__(self, page, scenario, step):
        self.folder.mkdir(parents=True, exist_ok=True)
        number = self.counts[scenario] = self.counts.get(scenario, 0) + 1
        page.screenshot(path=self.folder / f"{scenario}-{number:02d}-{step}.png", full_page=True,
                        timeout=self.timeout)


def assert_fits_screen(page):
    """Nothing makes the page wider than the screen (a phone would scroll it sideways), measured
    once the stylesheets have loaded (before app.css, the bar is laid out by Bootstrap alone)."""
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide on a {page.viewport_size['width']}px screen"


def open_menu(page):
    """On a narrow screen the navigation sits behind the menu button."""
    toggler = page.locator(".navbar-toggler")
    # Bootstrap's script is deferred: a click before it has run opens nothing (the menu stayed
    # closed once beside another worker).
    page.wait_for_load_state("load")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        # Bootstrap animates the menu open ("collapsing"); click inside it once it is "show".
        expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))


def log_in(page, username, lang=None):
    """Log in through the form (Vietnamese labels unless `lang`); lands on the to-do list."""
    page.goto("/login" + (f"?lang={lang}" if lang else ""))
    labels = {"en": ("Username", "Password", "Log in")}.get(lang, ("Tên đăng nhập", "Mật khẩu", "Đăng nhập"))
    page.get_by_label(labels[0]).fill(username)
    page.get_by_label(labels[1]).fill(PASSWORD)
    page.get_by_role("button", name=labels[2]).click()
    expect(page.locator("#who")).to_have_count(1)  # the bar names who is logged in
    page.wait_for_load_state("load")  # its scripts run, as a person would wait for the page


def log_out(page):
    open_menu(page)
    page.locator("#main-nav").get_by_role("button", name=re.compile("Đăng xuất|Log out")).click()
    expect(page.locator("#who")).to_have_count(0)
