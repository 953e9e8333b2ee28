"""The candidate list's unit filter is a search, not a list of every unit: the town's board types
part of a commune's name without accents, chooses the commune (a tap on a phone, the arrow keys
and Enter on a desktop) and the list keeps only that commune's candidates, in place."""
import re

import pytest
from playwright.sync_api import expect

from browser.browser_support import assert_fits_screen, log_in
from pipeline.demo.organisation import GRASSROOTS_BY_CODE

COMMUNE = "Đảng bộ xã Điện Hòa"
COMMUNE_BRANCHES = {branch.name for branch in GRASSROOTS_BY_CODE["dienhoa"].branches}


def listed_count(page):
    return int(re.search(r"\d+", page.locator("#count").inner_text().replace(".", "")).group())


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_typing_part_of_a_communes_name_and_choosing_it_filters_the_list(screen, request, shots):
    page = request.getfixturevalue(screen)
    log_in(page, "btc")
    page.goto("/candidates/")
    everyone = listed_count(page)
    assert page.locator("#filters option").count() < 40  # the stages only: no unit is an option
    page.evaluate("window.choseOnThisPage = true")  # gone if the browser loaded a new page

    picker = page.get_by_role("combobox", name="Đơn vị")
    picker.press_sequentially("dien hoa", delay=40)
    found = page.get_by_role("listbox", name="Các đơn vị tìm thấy").get_by_role("option")
    expect(found.first).to_contain_text(COMMUNE)
    expect(picker).to_have_attribute("aria-expanded", "true")
    # Each unit found says where it sits: the commune under the town, its branches under it.
    expect(found.filter(has_text="Chi bộ Trường THCS Điện Hòa")).to_contain_text("— " + COMMUNE)
    if screen == "phone":
        assert_fits_screen(page)
        shots(page, "unit-picker-375", "found")
        found.first.tap()
    else:
        picker.press("ArrowDown")
        expect(picker).to_have_attribute("aria-activedescendant", found.first.get_attribute("id"))
        picker.press("Enter")

    expect(page).to_have_url(re.compile(r"[?&]unit=\d+"))
    expect(picker).to_have_value(COMMUNE)
    expect(picker).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#count")).not_to_have_text(re.compile(rf"^{everyone}\b"))
    assert 0 < listed_count(page) < everyone
    branches = set(page.locator("#candidates tbody td:nth-child(3)").all_inner_texts())
    assert branches and branches <= COMMUNE_BRANCHES, branches - COMMUNE_BRANCHES
    assert page.evaluate("window.choseOnThisPage === true")  # the list changed in place
    shots(page, f"unit-picker-{375 if screen == 'phone' else 1440}", "filtered")

    # Emptying the field lifts the filter.
    picker.fill("")
    expect(page).not_to_have_url(re.compile(r"[?&]unit=\d"))
    expect(page.locator("#count")).to_contain_text(str(everyone).replace(",", "."))
