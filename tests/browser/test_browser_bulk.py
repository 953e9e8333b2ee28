"""A grassroots committee reviews two candidates at one meeting, on a desktop and on a phone, in
Vietnamese: from the list of its cases waiting for it to the bulk page, two rows ticked, the
meeting's vote given once; both cases move on to the admission decision. The demo stands on
31/10/2022: the meeting is that day."""
from datetime import date

import sqlalchemy as sa
from playwright.sync_api import expect

from browser.browser_support import assert_fits_screen, log_in

MEETING = "2022-10-31"


def two_waiting(served, username):
    """The names of two cases of the committee's unit waiting for its review: the demo's, and
    if it has fewer, cases whose branch vote the committee records first (as the branch may)."""
    from pipeline.accounts.models import User
    from pipeline.base.errors import ActBlocked
    from pipeline.cases.models import Case
    from pipeline.extensions import db
    from pipeline.units.models import Unit, subtree_filter
    from pipeline.workflow import operations
    with served["app"].app_context():
        user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one()

        def at(stage):
            return db.session.execute(
                sa.select(Case).join(Unit, Case.branch_id == Unit.id)
                .where(subtree_filter(user.unit), Case.stage == stage).order_by(Case.id)).scalars().all()

        for case in at("branch_vote")[:max(0, 2 - len(at("committee_review")))]:
            try:
                operations.record_act(case.id, "record_branch_vote", user, date(2022, 10, 31), {
                    "members_total": 20, "members_present": 18, "votes_for": 17, "votes_against": 1})
            except ActBlocked:
                pass
        names = [case.full_name for case in at("committee_review")][:2]
        db.session.remove()
    assert len(names) == 2, f"{username}: fewer than two cases to review"
    return names


def review_two_at_once(page, served, username, snap):
    names = two_waiting(served, username)
    log_in(page, username)
    # Where the committee sees the cases waiting for it: the list at that stage links the page.
    page.goto("/candidates/?stage=committee_review")
    page.get_by_role("link", name="Ghi nhận cùng lúc cho nhiều quần chúng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đảng ủy cơ sở xét kết nạp nhiều quần chúng")
    rows = page.locator("#waiting")
    for name in names:
        expect(rows).to_contain_text(name)
        expect(page.get_by_label(name, exact=True)).not_to_be_checked()  # none ticked, as the ceremony day
    snap("bulk-review")

    form = page.locator("main form")
    form.get_by_label("Ngày họp đảng ủy", exact=True).fill(MEETING)
    form.get_by_label("Tổng số đảng ủy viên", exact=True).fill("15")
    form.get_by_label("Số tán thành", exact=True).fill("13")
    form.get_by_label("Số không tán thành", exact=True).fill("1")
    for name in names:
        form.get_by_label(name, exact=True).check()
    snap("bulk-review-ticked")
    form.get_by_role("button", name="Ghi nhận kết quả đảng ủy cơ sở xét").click()

    # The summary names both; the list now shows them waiting for the decision.
    summary = page.get_by_role("alert").filter(has_text="đã chuyển sang “Chờ quyết định kết nạp”")
    expect(summary).to_contain_text("2 quần chúng")
    for name in names:
        expect(summary).to_contain_text(name)
        expect(page.locator("#candidates")).to_contain_text(name)
    snap("bulk-review-done")


def assert_content_fits(page):
    """The page's content (not the menu bar, tests/browser/test_browser_layout.py) is no wider
    than the screen: the table of rows with their fields fits a desktop."""
    page.wait_for_load_state("load")  # laid out with app.css, not by Bootstrap alone
    right = page.evaluate("Math.max(...Array.from(document.querySelectorAll('main *'), "
                          "e => e.getBoundingClientRect().right))")
    assert right <= page.viewport_size["width"], f"{page.url}: content reaches {right}px"


def test_a_committee_member_reviews_two_cases_at_once_on_a_desktop(desktop, served, shots):
    page = desktop

    def snap(step):
        shots(page, "bulk-1440", step)
        assert_content_fits(page)

    review_two_at_once(page, served, "diennamdong", snap)


def test_a_committee_member_reviews_two_cases_at_once_on_a_phone(phone, served, shots):
    page = phone

    def snap(step):
        shots(page, "bulk-375", step)
        assert_fits_screen(page)

    review_two_at_once(page, served, "dientien", snap)
