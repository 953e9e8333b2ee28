"""Issue 15: Hà Tây 2's secretary, on a phone, types 51 official members instead of 15 in a branch
vote; the form shows the vote fails and asks before recording it; the case falls back to
nurturing. She voids the vote from the history, with a reason, and the case is back waiting for
its branch vote; the vote stays in the history, struck through. On a desktop, the committee of
xã Điện Hòa reads the same history."""
import re

from playwright.sync_api import expect

from browser.browser_support import assert_fits_screen, log_in, log_out
from browser.walk_support import case_page, fill, stage_badge

WAITING = "Chờ chi bộ xét, biểu quyết"
MISTYPED = {"Ngày họp chi bộ": "2022-10-20", "Tổng số đảng viên chính thức của chi bộ": "51",
            "Số đảng viên chính thức có mặt": "14", "Số tán thành": "13", "Số không tán thành": "1"}
REASON = "Gõ nhầm 51 thay vì 15 đảng viên chính thức"


def test_a_mistyped_vote_is_voided_and_the_case_is_back_where_it_was(phone, desktop):
    page = phone
    log_in(page, "hatay2")
    page.goto("/candidates/?stage=branch_vote")
    page.locator("#candidates a.fw-semibold").first.click()
    case_page(page)
    expect(stage_badge(page)).to_have_text(WAITING)
    case_url = page.url

    page.locator("#actions").get_by_role("link", name="Ghi nhận kết quả chi bộ xét, biểu quyết", exact=True).click()
    form = page.locator("main form")
    fill(form, MISTYPED)
    form.get_by_role("button", name="Ghi nhận", exact=True).click()
    # Nothing recorded yet: the result as the rules compute it, and a question.
    expect(page.locator("#vote-result")).to_contain_text("13")
    expect(page.locator("#vote-result")).to_contain_text("Tạo nguồn, bồi dưỡng")
    page.get_by_label("Tôi xác nhận: ghi nhận kết quả biểu quyết không được thông qua này.").check()
    page.locator("main form").get_by_role("button", name="Ghi nhận", exact=True).click()
    case_page(page)
    expect(stage_badge(page)).to_have_text("Tạo nguồn, bồi dưỡng")

    vote = page.locator('#timeline .timeline-entry[data-event="record_branch_vote"]').last
    vote.get_by_role("link", name="Hủy", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hủy việc ghi nhầm")
    expect(page.locator("#void-result")).to_contain_text(WAITING)
    assert_fits_screen(page)
    page.get_by_label("Lý do hủy").fill(REASON)
    page.get_by_label("Tôi xác nhận hủy việc này").check()
    page.get_by_role("button", name="Hủy việc này").click()

    case_page(page)
    expect(stage_badge(page)).to_have_text(WAITING)
    voided = page.locator('#timeline .timeline-entry.voided[data-event="record_branch_vote"]')
    expect(voided).to_have_count(1)
    expect(voided).to_contain_text("Đã hủy")
    expect(voided).to_contain_text(REASON)
    expect(voided.locator("del")).to_be_visible()
    assert_fits_screen(page)
    log_out(page)

    log_in(desktop, "dienhoa")
    desktop.goto(case_url)
    case_page(desktop)
    expect(stage_badge(desktop)).to_have_text(WAITING)
    voided = desktop.locator('#timeline .timeline-entry.voided[data-event="record_branch_vote"]')
    expect(voided).to_contain_text(REASON)
    desktop.wait_for_load_state("load")  # the line-through is app.css's
    style = voided.locator(".event-data").evaluate("node => getComputedStyle(node).textDecorationLine")
    assert re.search("line-through", style), style
