"""Each role signs in on the Điện Bàn demo as of 31/10/2022, in Vietnamese, and finds what waits for
it: on its home page, behind "Việc chờ tôi" in the bar with the same count on every page (on a
phone without opening the menu), each row with its act one tap away; on a desktop and on a phone."""
import re

import pytest
from playwright.sync_api import expect

from browser.browser_support import assert_fits_screen, log_in, log_out

# username, what the role finds among its rows: (branch, act's label); a secretary also sees her
# branch's other cases, each with who records its next act.
ROLES = {
    "tankhai": ("Chi bộ khối phố Tân Khai", None),
    "dienduong": ("Chi bộ khối phố Tân Khai", "Ghi nhận kết quả đảng ủy cơ sở xét"),
    "btc": (None, "Ghi nhận quyết định kết nạp"),
}


def count_in_menu(page):
    badge = page.locator("#queue-count")
    expect(badge).to_have_text(re.compile(r"^\d+$"))  # on other pages it comes once the page has loaded
    return int(badge.inner_text())


@pytest.mark.parametrize("device", ["desktop", "phone"])
@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_finds_what_waits_for_it(request, shots, device, username):
    page = request.getfixturevalue(device)
    branch, act_label = ROLES[username]
    scenario = f"queue-{username}-{'1440' if device == 'desktop' else '375'}"
    log_in(page, username)

    # The home page: the queue first, its count as in the menu.
    home = page.locator("#home-queue")
    expect(home.get_by_role("heading", name=re.compile("Việc chờ tôi"))).to_be_visible()
    total = int(page.locator("#home-queue-count").inner_text())
    assert total > 0, f"nothing waits for {username} on the demo"
    assert count_in_menu(page) == total
    expect(home.locator(".queue-row")).to_have_count(min(total, 10))
    if device == "phone":
        assert_fits_screen(page)
    shots(page, scenario, "home")

    # Another page asks for the count once loaded: the same number.
    page.goto("/candidates/")
    assert count_in_menu(page) == total
    if device == "phone":
        assert_fits_screen(page)

    # The queue from the menu: every row with its branch and its act, the oldest first.
    page.get_by_role("link", name=re.compile("Việc chờ tôi")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Việc chờ tôi")
    expect(page.locator("#queue-total")).to_have_text(str(total))
    mine = page.locator(".queue-rows").first.locator(".queue-row")
    expect(mine).to_have_count(min(total, 50))
    if act_label:
        expect(mine.filter(has_text=act_label).first).to_be_visible()
    if branch:
        expect(mine.filter(has_text=branch).first).to_be_visible()
    first = mine.first
    expect(first.locator(".queue-act")).to_be_visible()
    if device == "phone":
        assert_fits_screen(page)
    shots(page, scenario, "queue")

    if username == "tankhai":
        # Her branch's case before the ward committee: who records its next act.
        others = page.locator("#queue-others")
        expect(others.locator(".queue-row").filter(has_text="Người ghi nhận: Đảng ủy cơ sở").first).to_be_visible()

    # A row's act opens its form on that case.
    label = first.locator(".queue-act").inner_text()
    first.locator(".queue-act").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(label)
    log_out(page)
