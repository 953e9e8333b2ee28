"""Issue 15, on a phone, in Vietnamese: the town's organisation board opens a class; Hà Tây 2's
secretary sends a candidate to it from the case's page, where only the classes still taking
attendees are offered, none chosen, each readable whole on the phone; she sends a second one from
the class's page. A week later the board records "all passed", the certificate numbers counted
from the first one it gives, and the cases move on to their dossier.

The demo stands on 31/10/2022, when every class of the story has ended; the scenario runs in
November (the app's `TODAY`, put back at the end), so the reports to 31/10/2022 do not see it."""
from datetime import date

from playwright.sync_api import expect

from browser.browser_support import assert_fits_screen, log_in, log_out, open_menu
from browser.walk_support import stage_badge

SHOT = "training-375"
CLASS = "Lớp bồi dưỡng nhận thức về Đảng khóa 3/2022"
ENROL = "Cử đi học lớp bồi dưỡng nhận thức về Đảng"


def open_class(page):
    open_menu(page)
    page.locator("#main-nav").get_by_role("link", name="Lớp bồi dưỡng", exact=True).click()
    page.get_by_role("link", name=CLASS).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CLASS)


def test_enrolment_in_an_open_class_then_all_passed(phone, served, shots):
    page, app = phone, served["app"]

    def snap(step):
        shots(page, SHOT, step)
        assert_fits_screen(page)

    snapshot = app.config["TODAY"]
    try:
        app.config["TODAY"] = date(2022, 11, 7)
        # 1. The board opens the class; the page says who opens classes and who records results.
        log_in(page, "btc")
        open_menu(page)
        page.locator("#main-nav").get_by_role("link", name="Lớp bồi dưỡng", exact=True).click()
        who = page.locator("#who-does-what")
        expect(who).to_contain_text("Mở lớp: Đảng ủy cơ sở có thẩm quyền quyết định kết nạp hoặc Ban Tổ chức")
        expect(who).to_contain_text("Ghi nhận kết quả và giấy chứng nhận:")
        page.get_by_role("link", name="Thêm lớp", exact=True).click()
        form = page.locator("main form")
        form.get_by_label("Tên lớp", exact=True).fill(CLASS)
        form.get_by_label("Đơn vị tổ chức (trung tâm chính trị)").fill("Trung tâm Chính trị thị xã Điện Bàn")
        form.get_by_label("Địa điểm", exact=True).fill("Hội trường Trung tâm Chính trị thị xã Điện Bàn")
        form.get_by_label("Ngày khai giảng").fill("2022-11-07")
        form.get_by_label("Ngày bế giảng").fill("2022-11-11")
        form.get_by_role("button", name="Tạo lớp").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(CLASS)
        expect(page.locator("#enrolment-status")).to_have_text("Nhận học viên đến 11/11/2022")
        log_out(page)

        # 2. The secretary sends a candidate from the case's page: only the open class, none chosen.
        log_in(page, "hatay2")
        page.goto("/candidates/?stage=spotted")
        candidates = page.locator("#candidates a.fw-semibold")
        expect(candidates.nth(1)).to_be_visible()  # Hà Tây 2 has two candidates waiting for a class
        first, second = candidates.nth(0).inner_text().strip(), candidates.nth(1).inner_text().strip()
        candidates.nth(0).click()
        case_url = page.url
        page.locator("#actions").get_by_role("link", name=ENROL, exact=True).click()
        choice = page.locator("#class_id")
        expect(choice.locator(".class-option")).to_have_count(1)  # khóa 1/2022 and 2/2022 have ended
        expect(choice.locator(".class-option")).to_contain_text(CLASS)
        expect(choice.locator(".class-option")).to_contain_text("07/11/2022–11/11/2022")
        expect(choice.get_by_role("radio", checked=True)).to_have_count(0)
        expect(choice.locator("#class-who")).to_contain_text("Mở lớp:")
        # The whole name is readable on the phone: the card wraps instead of cutting it.
        name = choice.locator(".class-option .fw-semibold")
        page.wait_for_load_state("load")  # laid out with app.css, not by Bootstrap alone
        assert name.evaluate("el => el.scrollWidth <= el.clientWidth")
        box = name.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        expect(page.get_by_label("Ngày cử đi học")).to_have_value("2022-11-07")
        snap("enrol-form")
        choice.get_by_role("radio", name=CLASS).check()
        page.locator("main form").get_by_role("button", name="Ghi nhận", exact=True).click()
        expect(stage_badge(page)).to_have_text("Học lớp bồi dưỡng nhận thức về Đảng")
        snap("in-training")

        # The second one from the class's page.
        open_class(page)
        page.get_by_role("link", name="Cử quần chúng đi học").first.click()
        page.get_by_label(second, exact=True).check()
        page.get_by_role("button", name="Cử các quần chúng đã chọn đi học").click()
        expect(page.locator("#attendees")).to_contain_text(first)
        expect(page.locator("#attendees")).to_contain_text(second)
        log_out(page)

        # 3. A week later the board records "all passed", numbered from 12/CN-TTCT.
        app.config["TODAY"] = date(2022, 11, 14)
        log_in(page, "btc")
        open_class(page)
        page.get_by_role("link", name="Ghi nhận kết quả và giấy chứng nhận").click()
        all_passed = page.locator("#all-passed")
        expect(all_passed.get_by_label("Ngày cấp giấy chứng nhận")).to_have_value("2022-11-11")  # the last day
        expect(all_passed).to_contain_text("12/CN-TTCT, 13/CN-TTCT, 14/CN-TTCT")  # how a suffix counts
        all_passed.get_by_label("Số giấy chứng nhận đầu tiên").fill("12/CN-TTCT")
        all_passed.get_by_role("button", name="Điền: tất cả đạt").click()
        expect(page.locator("#filled")).to_contain_text("từ số 12/CN-TTCT đến số 13/CN-TTCT")
        rows = page.locator("tr.result-row")
        expect(rows).to_have_count(2)
        for index, number in enumerate(("12/CN-TTCT", "13/CN-TTCT")):  # editable, row by row
            expect(rows.nth(index).get_by_label("Kết quả", exact=True)).to_have_value("passed")
            expect(rows.nth(index).get_by_label("Số giấy chứng nhận", exact=True)).to_have_value(number)
            expect(rows.nth(index).get_by_label("Ngày cấp giấy chứng nhận", exact=True)).to_have_value("2022-11-11")
        snap("all-passed")
        page.locator("#results-form").get_by_role("button", name="Ghi nhận", exact=True).click()
        expect(page.get_by_role("alert").filter(has_text="2 giấy chứng nhận")).to_be_visible()
        attendees = page.locator("#attendees")
        expect(attendees).to_contain_text("12/CN-TTCT · 11/11/2022")
        expect(attendees).to_contain_text("13/CN-TTCT · 11/11/2022")
        snap("certificates")

        # The case moved on to its dossier.
        page.goto(case_url)
        expect(stage_badge(page)).to_have_text("Làm hồ sơ")
    finally:
        app.config["TODAY"] = snapshot
