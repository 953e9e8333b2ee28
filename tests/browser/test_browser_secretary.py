"""Hà Tây 2's secretary, on a phone, takes a new candidate from spotting to the admission ceremony
through the pages a person would use, in Vietnamese; the committee of xã Điện Hòa and the town's
organisation board record their own acts in between. The demo stands on 31/10/2022, so every act
is dated earlier in 2022 (the class "khóa 1/2022" ran 18–29/04/2022)."""
import re

from playwright.sync_api import expect

from browser.browser_support import assert_fits_screen, log_in, log_out, open_menu
from pipeline.printing import pdf
from browser.walk_support import (NAME, act, case_page, dossier_item, open_case, record_training_certificate,
                          stage_badge)

SHOT = "secretary-375"


def test_a_secretary_walks_a_candidate_to_the_ceremony_on_a_phone(phone, shots):
    page = phone

    def snap(step):  # every step photographed, and none wider than the phone
        shots(page, SHOT, step)
        assert_fits_screen(page)

    log_in(page, "hatay2")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    snap("home")

    # 1. The new candidate, from the menu.
    open_menu(page)
    page.locator("#main-nav").get_by_role("link", name="Thêm quần chúng").click()
    page.get_by_label("Họ và tên").fill(NAME)
    page.get_by_label("Ngày sinh").fill("1998-05-20")
    page.get_by_label("Giới tính").select_option(label="Nữ")
    page.get_by_label("Trình độ học vấn").select_option(label="Trung học phổ thông")
    page.get_by_label("Đoàn viên Đoàn TN").check()
    page.get_by_label("Tổ chức giới thiệu").select_option(label="Đoàn TNCS Hồ Chí Minh (Đoàn TN)")
    page.get_by_label("Đảng viên giúp đỡ").fill("Nguyễn Văn Giúp")
    page.get_by_label("Ngày phát hiện, tạo nguồn").fill("2022-02-10")
    snap("new-candidate")
    page.get_by_role("button", name="Lập hồ sơ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(stage_badge(page)).to_have_text("Tạo nguồn, bồi dưỡng")
    case_url = page.url

    # A brand-new candidate is not offered to reopen a dossier it never had (no certificate).
    expect(page.locator("#actions")).to_contain_text("Cử đi học lớp bồi dưỡng nhận thức về Đảng")
    expect(page.locator("#actions")).not_to_contain_text("Mở lại hồ sơ")
    snap("case-spotted")

    # 2. Sent to the class: khóa 1/2022 ended in April, so on 31/10/2022 the case page offers
    # no class; the enrolment of March is recorded from the class's page. The board (the
    # class's organiser) records the certificate.
    open_menu(page)
    page.locator("#main-nav").get_by_role("link", name="Lớp bồi dưỡng", exact=True).click()
    page.get_by_role("link", name="khóa 1/2022").click()
    page.get_by_role("link", name="Ghi nhận việc cử đi học trước đây").first.click()
    page.get_by_label("Ngày cử đi học").fill("2022-03-15")
    page.get_by_label(NAME, exact=True).check()
    page.get_by_role("button", name="Cử các quần chúng đã chọn đi học").click()
    open_case(page, case_url)
    expect(stage_badge(page)).to_have_text("Học lớp bồi dưỡng nhận thức về Đảng")
    snap("in-training")
    log_out(page)
    log_in(page, "btc")
    record_training_certificate(page, "khóa 1/2022", "CN-K1/2022-901", "2022-04-29",
                                lambda: snap("certificate"))
    log_out(page)

    # 3. The dossier: "complete" is refused while documents are missing, and says which.
    log_in(page, "hatay2")
    open_case(page, case_url)
    expect(stage_badge(page)).to_have_text("Làm hồ sơ")
    blocked = page.locator("#actions .action-blocked", has_text="Hoàn thiện hồ sơ")
    expect(blocked.locator(".reasons")).to_contain_text("1-KNĐ")
    snap("dossier-blocked")
    page.get_by_role("link", name="Xem hồ sơ").click()
    dossier_item(page, "1-KNĐ", {"Ngày của tài liệu": "2022-05-05"})
    dossier_item(page, "2-KNĐ", {"Ngày của tài liệu": "2022-05-06"})
    dossier_item(page, "TTLL", {"Ngày thẩm tra lý lịch": "2022-05-20",
                                "Kết quả thẩm tra lý lịch": ("select", "clear")})
    dossier_item(page, "3-KNĐ:1", {"Ngày ghi trên giấy giới thiệu": "2022-05-10",
                                   "Đảng viên giới thiệu": "Lê Thị Giới",
                                   "Cùng công tác hoặc sinh sống với quần chúng từ ngày": "2020-01-01"})
    dossier_item(page, "4-KNĐ", {"Ngày của tài liệu": "2022-05-12", "Số": "07-NQ/ĐTN"})
    dossier_item(page, "5-KNĐ", {"Ngày của tài liệu": "2022-05-25"})
    expect(page.locator("#missing")).to_have_count(0)
    snap("dossier-received")
    page.get_by_role("link", name="Quay lại hồ sơ", exact=True).click()
    act(page, "Hoàn thiện hồ sơ", {"Ngày hoàn thiện hồ sơ": "2022-06-01"})
    expect(stage_badge(page)).to_have_text("Chờ chi bộ xét, biểu quyết")

    # 4. The branch vote: 17 of 20 official members for (at least 2/3 of all).
    act(page, "Ghi nhận kết quả chi bộ xét, biểu quyết", {
        "Ngày họp chi bộ": "2022-06-10", "Tổng số đảng viên chính thức của chi bộ": "20",
        "Số đảng viên chính thức có mặt": "18", "Số tán thành": "17", "Số không tán thành": "1"})
    expect(stage_badge(page)).to_have_text("Chờ đảng ủy cơ sở xét")
    snap("branch-voted")
    log_out(page)

    # 5. The committee of xã Điện Hòa reviews; 6. the board decides.
    log_in(page, "dienhoa")
    open_case(page, case_url)
    act(page, "Ghi nhận kết quả đảng ủy cơ sở xét", {
        "Ngày họp đảng ủy": "2022-06-24", "Tổng số đảng ủy viên": "15", "Số tán thành": "14",
        "Số không tán thành": "0"})
    expect(stage_badge(page)).to_have_text("Chờ quyết định kết nạp")
    log_out(page)
    log_in(page, "btc")
    open_case(page, case_url)
    act(page, "Ghi nhận quyết định kết nạp", {
        "Số quyết định (mẫu 9-KNĐ)": "321-QĐ/TU", "Ngày ký quyết định": "2022-07-15",
        "Ngày chi bộ nhận quyết định": "2022-07-20"})
    expect(stage_badge(page)).to_have_text("Chờ tổ chức lễ kết nạp")
    log_out(page)

    # 7. The ceremony: dated before the branch received the decision, it is refused with the
    # reason; dated after, the candidate becomes a probationary member.
    log_in(page, "hatay2")
    open_case(page, case_url)
    ceremony = {"Ngày tổ chức lễ kết nạp": "2022-07-18", "Địa điểm": "Nhà văn hóa thôn Hà Tây 2",
                "Tôi xác nhận: việc ghi nhận này không thể hủy bỏ.": ("check", None)}
    act(page, "Ghi nhận lễ kết nạp", ceremony, expect_refusal=True)
    expect(page.locator("#refused")).to_contain_text("Chưa ghi nhận được:")
    expect(page.locator("#refused li")).to_contain_text(re.compile("20/07/2022"))
    snap("ceremony-refused")
    act(page, None, dict(ceremony, **{"Ngày tổ chức lễ kết nạp": "2022-08-05"}))
    expect(stage_badge(page)).to_have_text("Đảng viên dự bị")
    expect(page.locator("#timeline")).to_contain_text("05/08/2022")
    snap("probation")

    # 8. The dossier checklist: its PDF, and the printable page with the name and the items.
    links = case_page(page).locator("#print-links")
    if pdf.available():  # (PDF rendering is required under CI by the PDF tests)
        response = page.request.get(links.get_by_role("link", name="PDF", exact=True).get_attribute("href"))
        assert response.ok and response.headers["content-type"] == "application/pdf"
        assert response.body().startswith(b"%PDF")
    links.get_by_role("link", name="In danh mục hồ sơ").click()
    expect(page.locator("body")).to_contain_text(NAME)
    for code in ("1-KNĐ", "3-KNĐ", "4-KNĐ", "6-KNĐ", "8-KNĐ", "9-KNĐ"):
        expect(page.locator("body")).to_contain_text(code)
    assert_fits_screen(page)  # the A4 columns stack on a phone; print keeps them
    shots(page, SHOT, "checklist-print")
