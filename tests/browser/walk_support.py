"""Steps of a case's walk through the pages, as a person does them (Vietnamese labels)."""
import re

from playwright.sync_api import expect

from browser.browser_support import open_menu

NAME = "Trần Thị Thử"  # the candidate the secretary opens (not in the demo)
CASE_URL = re.compile(r"/candidates/\d+(#[\w-]+)?$")  # an anchor: back at the entry acted on


def stage_badge(page):
    return page.locator("#current-stage .badge").first


def case_page(page):
    expect(page).to_have_url(CASE_URL)
    return page.locator("main")


def open_case(page, url):
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)


def fill(scope, fields):
    """label -> value: text and dates are typed, ("select", option label, value or pattern) chosen,
    ("check", None) ticked."""
    for label, value in fields.items():
        control = scope.get_by_label(label, exact=True)
        if isinstance(value, tuple) and value[0] == "check":
            control.check()
        elif isinstance(value, tuple) and value[0] == "select":
            choose(control, value[1])
        else:
            control.fill(value)


def choose(select, wanted):
    """Choose an option by its value, its label or a pattern of its label."""
    if isinstance(wanted, re.Pattern):
        labels = [text.strip() for text in select.locator("option").all_inner_texts()]
        wanted = next(text for text in labels if wanted.search(text))
        select.select_option(label=wanted)
    else:
        values = select.locator("option").evaluate_all("options => options.map(o => o.value)")
        select.select_option(value=wanted) if wanted in values else select.select_option(label=wanted)


def act(page, label, fields, expect_refusal=False):
    """From the case page, open the act `label` (None: stay on the act form shown), fill it and
    record it; back on the case page unless the act is refused."""
    if label is not None:
        page.locator("#actions").get_by_role("link", name=label, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(label)
    fill(page.locator("main form"), fields)
    page.locator("main form").get_by_role("button", name="Ghi nhận", exact=True).click()
    if expect_refusal:
        expect(page.locator("#refused")).to_be_visible()
    else:
        case_page(page)


def dossier_item(page, key, fields):
    """On the dossier page: record the document `key` as received, with its details."""
    page.locator(f'tr[data-key="{key}"]').get_by_role("link", name="Ghi nhận", exact=True).click()
    form = page.locator("main form")
    form.get_by_label("Đã nhận", exact=True).check()
    fill(form, fields)
    form.get_by_role("button", name="Ghi nhận", exact=True).click()
    expect(page.locator(f'tr[data-key="{key}"]')).to_contain_text("Đã nhận")


def record_training_certificate(page, class_hint, number, day, before_submit=lambda: None):
    """The class's organiser records the candidate's pass and certificate on the class's page."""
    open_menu(page)
    page.locator("#main-nav").get_by_role("link", name="Lớp bồi dưỡng", exact=True).click()
    page.get_by_role("link", name=class_hint).click()  # a part of its name
    page.get_by_role("link", name="Ghi nhận kết quả và giấy chứng nhận").click()
    row = page.locator("tr.result-row", has_text=NAME)
    choose(row.get_by_label("Kết quả", exact=True), "passed")
    row.get_by_label("Số giấy chứng nhận", exact=True).fill(number)
    row.get_by_label("Ngày cấp giấy chứng nhận", exact=True).fill(day)
    before_submit()
    page.get_by_role("button", name="Ghi nhận", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="1 giấy chứng nhận")).to_be_visible()
