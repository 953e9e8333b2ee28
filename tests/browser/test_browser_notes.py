"""Issue 15, on a 375 px phone in Vietnamese: Hà Tây 2's secretary adds a note to a case and finds
it in the case's history; on the dossier page each document not yet received is one line, and
saving a document brings the page back to that document's line, not to the top."""
import re

from playwright.sync_api import expect

from browser.browser_support import assert_fits_screen, log_in
from browser.walk_support import case_page

NOTE = "Quần chúng đã tham gia đầy đủ buổi sinh hoạt chi đoàn tháng 10, được nhân dân tín nhiệm."
SIMPLE_DOCUMENTS = ("5-KNĐ", "2-KNĐ", "1-KNĐ")  # dated documents with no other required field
SHOT = "notes-375"


def _case_urls(page):
    page.goto("/candidates")
    return page.locator("#candidates a.fw-semibold").evaluate_all("links => links.map(a => a.href)")


def test_a_note_added_on_a_phone_shows_in_the_history(phone, shots):
    page = phone
    log_in(page, "hatay2")
    page.goto(_case_urls(page)[0])
    case_page(page)
    form = page.locator("#note-form")
    form.get_by_role("button", name="Thêm ghi chú").click()  # nothing typed: refused, said in Vietnamese
    expect(page.locator("#note-form")).to_contain_text("Đồng chí chưa nhập nội dung ghi chú.")
    page.locator("#note-form").get_by_label("Ghi chú", exact=True).fill(NOTE)
    page.locator("#note-form").get_by_role("button", name="Thêm ghi chú").click()
    expect(page).to_have_url(re.compile(r"/candidates/\d+#note-\d+$"))
    note = page.locator("#timeline .timeline-note").last
    expect(note).to_contain_text(NOTE)
    expect(note).to_contain_text("31/10/2022")  # the demo's today
    expect(note).to_contain_text("Ghi chú")
    expect(page.locator(".alert", has_text="Đã thêm ghi chú vào diễn biến hồ sơ.")).to_be_visible()
    shots(page, SHOT, "note-in-history")
    assert_fits_screen(page)


def _a_dossier_with_a_simple_document_missing(page):
    """A case of the branch whose dossier page offers to record one of SIMPLE_DOCUMENTS: its row."""
    for url in _case_urls(page):
        page.goto(url + "/dossier")
        for key in SIMPLE_DOCUMENTS:
            row = page.locator(f'tr.checklist-missing[data-key="{key}"]')
            if row.count() and row.get_by_role("link", name="Ghi nhận", exact=True).count():
                return row
    raise AssertionError("no case of Hà Tây 2 lacks a simple document")


def test_the_dossier_is_compact_and_saving_returns_to_the_item(phone, shots):
    page = phone
    log_in(page, "hatay2")
    row = _a_dossier_with_a_simple_document_missing(page)
    key = row.get_attribute("data-key")
    shots(page, SHOT, "dossier")
    assert_fits_screen(page)
    # A document not received is one line: its form, its name and the action side by side, its
    # status under the name, and no empty fields.
    lines = [line for line in page.locator("tr.checklist-missing").all() if line.is_visible()]
    assert lines
    for line in lines:
        code, name, status, action = (line.locator(f".line-{part}").bounding_box()
                                      for part in ("code", "document", "status", "action"))
        assert abs(code["y"] - name["y"]) < 8 and abs(action["y"] - name["y"]) < 12, line.inner_text()
        assert line.bounding_box()["height"] < name["height"] + status["height"] + 24, line.inner_text()
        expect(line.locator(".line-detail")).to_have_count(3)
        for detail in line.locator(".line-detail").all():
            expect(detail).to_be_hidden()
    row.get_by_role("link", name="Ghi nhận", exact=True).click()
    form = page.locator("main form")
    form.get_by_label("Đã nhận", exact=True).check()
    form.get_by_label("Ngày của tài liệu", exact=True).fill("2022-10-20")
    form.get_by_role("button", name="Ghi nhận", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dossier#item-[a-z0-9-]+$"))
    saved = page.locator(f'tr[data-key="{key}"]')
    expect(saved).to_contain_text("Đã nhận")
    expect(saved).to_contain_text("20/10/2022")
    expect(saved).to_have_attribute("id", page.url.rsplit("#", 1)[1])
    expect(saved).to_be_in_viewport()  # the page came back to it
    page.screenshot(path=shots.folder / f"{SHOT}-dossier-saved.png", timeout=shots.timeout)  # what the phone shows: the item
    assert_fits_screen(page)
