"""The dossier page: scoped like the case, recorded by the branch's roles, scans checked by size
and content before anything is written; the case page shows the same checklist."""
import io
import os
from datetime import date

import pytest

from conftest import record_documents
from pages_support import field_errors, fresh_case, log_rows, pages, section, text  # noqa: F401
from pipeline.dossier.models import DossierItem
from pipeline.extensions import db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200

SCOPE = {"sec_a1": "record", "com_a": "record", "board": "view", "admin": "view",
         "sec_a2": None, "sec_b1": None, "com_b": None}


def dossier_url(case_id, key=None, file=False):
    url = f"/candidates/{case_id}/dossier"
    if key:
        url += f"/{key}"
    return url + ("/file" if file else "")


def post_item(pages, case_id, key, **fields):
    data = {"version": str(fresh_case(case_id).version), "received": "y", "received_on": "2021-09-20",
            "note": ""} | fields
    return pages.post(dossier_url(case_id, key), data=data, content_type="multipart/form-data")


def uploaded_files(app):
    root = os.path.join(app.instance_path, "uploads")
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


def item(case_id, key):
    db.session.expire_all()
    return db.session.execute(db.select(DossierItem).filter_by(case_id=case_id, item_key=key)).scalar_one_or_none()


# --- scope and roles ---------------------------------------------------------------------------

@pytest.mark.parametrize("username", sorted(SCOPE))
def test_the_dossier_page_inside_scope_only(pages, world, make_case, username):
    case_id = make_case("dossier").id
    pages.login(username)
    before = log_rows(case_id)
    access = SCOPE[username]

    page = pages.get(dossier_url(case_id))
    assert page.status_code == (200 if access else 404)
    if access:
        assert "1-KNĐ" in section(page, "checklist-admission")
        assert ('href="/candidates/%d/dossier/1-KN%%C4%%90"' % case_id in page.get_data(as_text=True)) == (
            access == "record")
    else:
        assert "Phùng Tấn Thắng" not in text(page)

    form = pages.get(dossier_url(case_id, "1-KNĐ"))
    assert form.status_code == {"record": 200, "view": 403, None: 404}[access]
    response = post_item(pages, case_id, "1-KNĐ")
    assert response.status_code == {"record": 302, "view": 403, None: 404}[access]
    assert log_rows(case_id) == before + (1 if access == "record" else 0)
    assert (item(case_id, "1-KNĐ") is not None) == (access == "record")
    if access != "record":
        assert "Phùng Tấn Thắng" not in text(response)


def test_an_unknown_item_is_a_404(pages, world, make_case):
    case_id = make_case("dossier").id
    pages.login("sec_a1")
    assert pages.get(dossier_url(case_id, "7-KNĐ")).status_code == 404  # no sub-committee here
    assert pages.get(dossier_url(case_id, "99-KNĐ")).status_code == 404
    assert post_item(pages, case_id, "99-KNĐ").status_code == 404


def test_a_closed_case_keeps_its_dossier_read_only(pages, world, make_case):
    case_id = make_case("official").id
    pages.login("sec_a1")
    page = pages.get(dossier_url(case_id))
    assert page.status_code == 200 and "can no longer be changed" in section(page, "closed")
    before = log_rows(case_id)
    response = post_item(pages, case_id, "1-KNĐ")
    assert response.status_code == 302 and log_rows(case_id) == before


# --- recording through the page ---------------------------------------------------------------

def test_recording_an_introducer_through_the_page(pages, world, make_case):
    case_id = make_case("dossier").id
    pages.login("sec_a1")
    form = pages.get(dossier_url(case_id, "3-KNĐ:2"))
    assert "Introducing member" in text(form) and "Official party member" in text(form)
    response = post_item(pages, case_id, "3-KNĐ:2", received_on="2021-10-02", introducer_name="Trần Thị Hai",
                         official="y", known_since="2020-11-02", note="Cùng sinh hoạt chi đoàn")
    assert response.status_code == 302
    stored = item(case_id, "3-KNĐ:2")
    assert stored.details == {"introducer_name": "Trần Thị Hai", "official": True, "known_since": "2020-11-02"}
    assert stored.recorded_by.username == "sec_a1" and stored.note == "Cùng sinh hoạt chi đoàn"
    page = pages.get(dossier_url(case_id))
    assert "Recorded: 3-KNĐ Giấy giới thiệu người vào Đảng (2) — Letter of an introducing party member." in text(page)
    assert "Trần Thị Hai, known since 02/11/2020" in section(page, "checklist-admission")
    # Known 11 months 30 days on the day the page is read is no problem (it is years later), but
    # the missing documents are listed.
    assert "1-KNĐ Đơn xin vào Đảng — Application to join the Party (handwritten) has not been received" in section(page, "missing")


@pytest.mark.parametrize("fields, field, error", [
    ({"received_on": ""}, "received_on", "Give the date of the document"),
    ({"received_on": "2999-01-01"}, "received_on", "in the future"),
    ({"introducer_name": ""}, "introducer_name", "Give the name of the introducing member"),
    ({"known_since": ""}, "known_since", "Give the date since when"),
    ({"introducer_name": "Trần Thị 2"}, "introducer_name", "letters, spaces"),
    ({"note": "x" * 1001}, "note", "cannot be longer than"),
])
def test_bad_input_is_refused_beside_the_field_and_writes_nothing(pages, world, make_case, fields, field, error):
    case_id = make_case("dossier").id
    pages.login("sec_a1")
    before = log_rows(case_id)
    good = {"received_on": "2021-10-02", "introducer_name": "Trần Thị Hai", "official": "y",
            "known_since": "2019-06-01"}
    response = post_item(pages, case_id, "3-KNĐ:2", **(good | fields))
    assert response.status_code == 422
    assert error in field_errors(response, field)
    assert log_rows(case_id) == before and item(case_id, "3-KNĐ:2") is None


def test_the_verification_records_its_result(pages, world, make_case):
    case_id = make_case("dossier").id
    pages.login("com_a")
    response = post_item(pages, case_id, "TTLL", received_on="2021-10-25", verification_result="issues",
                         note="Khai thiếu quá trình công tác")
    assert response.status_code == 302
    assert item(case_id, "TTLL").details == {"verification_result": "issues"}
    page = pages.get(f"/candidates/{case_id}")
    assert "the résumé verification found problems: Khai thiếu quá trình công tác" in section(page, "dossier-checklist")
    assert "Problems found" in section(page, "timeline")


def test_a_stale_version_is_refused(pages, world, make_case):
    case_id = make_case("dossier").id
    pages.login("sec_a1")
    version = fresh_case(case_id).version
    assert post_item(pages, case_id, "1-KNĐ", version=str(version)).status_code == 302
    before = log_rows(case_id)
    response = post_item(pages, case_id, "2-KNĐ", version=str(version))
    assert response.status_code == 302
    assert "This case has changed in the meantime" in text(pages.get(dossier_url(case_id)))
    assert log_rows(case_id) == before


# --- scans ------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, name, mime_type", [
    (PDF, "Đơn xin vào Đảng.pdf", "application/pdf"),
    (PNG, "anh-chup.PNG", "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 64, "scan.jpeg", "image/jpeg"),
])
def test_a_scan_is_stored_in_the_instance_folder_and_downloaded_in_scope(app, pages, world, make_case, content,
                                                                         name, mime_type):
    case_id = make_case("dossier").id
    pages.login("sec_a1")
    response = post_item(pages, case_id, "1-KNĐ", scan=(io.BytesIO(content), name))
    assert response.status_code == 302, text(response)[:2000]
    stored = item(case_id, "1-KNĐ")
    assert (stored.file_name, stored.file_type, stored.file_size) == (name, mime_type, len(content))
    (path,) = uploaded_files(app)
    assert os.path.dirname(path) == os.path.join(app.instance_path, "uploads", str(case_id))
    assert name not in path  # stored under a random name
    with open(path, "rb") as fh:
        assert fh.read() == content
    row = db.session.execute(db.text("SELECT data FROM case_event WHERE candidate_id = :id ORDER BY seq DESC"),
                             {"id": case_id}).scalars().first()
    assert '"file_name"' in str(row) or "file_name" in row

    page = pages.get(dossier_url(case_id))
    assert name in section(page, "checklist-admission")
    download = pages.get(dossier_url(case_id, "1-KNĐ", file=True))
    assert download.status_code == 200 and download.data == content
    assert download.mimetype == mime_type and download.headers["X-Content-Type-Options"] == "nosniff"
    for username, status in (("com_a", 200), ("board", 200), ("sec_b1", 404), ("com_b", 404), ("sec_a2", 404)):
        pages.login(username)
        assert pages.get(dossier_url(case_id, "1-KNĐ", file=True)).status_code == status, username


def test_a_scan_that_is_not_a_pdf_jpeg_or_png_is_refused_and_nothing_is_written(app, pages, world, make_case):
    case_id = make_case("dossier").id
    pages.login("sec_a1")
    before = log_rows(case_id)
    for content, name in ((EXE, "don-xin-vao-dang.pdf"), (PDF, "don.exe"), (b"", "trong.pdf"),
                          (b"<html><script>alert(1)</script>", "trang.png")):
        response = post_item(pages, case_id, "1-KNĐ", scan=(io.BytesIO(content), name))
        assert response.status_code == 422, name
        assert name in field_errors(response, "scan"), name
        assert ("is empty" if not content else "is not a PDF, JPEG or PNG document") in field_errors(response, "scan")
    assert uploaded_files(app) == [] and log_rows(case_id) == before and item(case_id, "1-KNĐ") is None


def test_a_scan_over_the_limit_is_refused_with_a_sentence_and_nothing_is_written(app, pages, world, make_case):
    app.config["DOSSIER_UPLOAD_MAX_BYTES"] = 2048
    case_id = make_case("dossier").id
    pages.login("sec_a1")
    before = log_rows(case_id)
    exactly = PDF + b"0" * (2048 - len(PDF))
    response = post_item(pages, case_id, "1-KNĐ", scan=(io.BytesIO(exactly + b"0"), "lon.pdf"))
    assert response.status_code == 422
    assert "The file “lon.pdf” is larger than 2 KB" in field_errors(response, "scan")
    # Far over the limit: cut off before the form is read.
    response = post_item(pages, case_id, "1-KNĐ", scan=(io.BytesIO(exactly * 100), "rat-lon.pdf"))
    assert response.status_code == 413 and "larger than 2 KB and was not recorded" in text(response)
    assert uploaded_files(app) == [] and log_rows(case_id) == before and item(case_id, "1-KNĐ") is None

    assert post_item(pages, case_id, "1-KNĐ", scan=(io.BytesIO(exactly), "vua.pdf")).status_code == 302
    assert len(uploaded_files(app)) == 1 and item(case_id, "1-KNĐ").file_size == 2048


def test_a_scan_is_removed_again_when_the_transaction_fails(app, world, make_case, monkeypatch):
    from pipeline.dossier import operations as dossier_ops
    from pipeline.dossier.operations import DocumentEntry, Upload

    case = make_case("dossier")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(dossier_ops, "perform", broken)  # the act fails once the scan is stored
    with pytest.raises(RuntimeError):
        dossier_ops.record_document(case.id, world["sec_a1"], DocumentEntry("1-KNĐ", True, date(2021, 9, 20)),
                                    upload=Upload(PDF, "don.pdf", "application/pdf"))
    monkeypatch.undo()

    def fails_after_writing(case, state, calendar, before=None):
        real(case, state, calendar, before=before)
        raise RuntimeError("database gone")

    real = dossier_ops.project  # the entry and the item are written, then the transaction fails
    monkeypatch.setattr(dossier_ops, "project", fails_after_writing)
    with pytest.raises(RuntimeError):
        dossier_ops.record_document(case.id, world["sec_a1"], DocumentEntry("1-KNĐ", True, date(2021, 9, 20)),
                                    upload=Upload(PDF, "don.pdf", "application/pdf"))
    assert uploaded_files(app) == [] and item(case.id, "1-KNĐ") is None


def test_a_download_without_a_scan_is_a_404(pages, world, make_case):
    case_id = make_case("dossier").id
    pages.login("sec_a1")
    assert pages.get(dossier_url(case_id, "1-KNĐ", file=True)).status_code == 404
    post_item(pages, case_id, "1-KNĐ")
    assert pages.get(dossier_url(case_id, "1-KNĐ", file=True)).status_code == 404


# --- the case page ------------------------------------------------------------------------------

def test_the_case_page_shows_the_checklist_with_a_link_to_the_dossier(pages, world, make_case):
    case_id = make_case("dossier", youth_union_member=True, date_of_birth=date(2000, 3, 15)).id  # of youth age
    record_documents(world, case_id, "complete_dossier", skip=("5-KNĐ",))
    pages.login("sec_a1")
    page = pages.get(f"/candidates/{case_id}")
    checklist = section(page, "dossier-checklist")
    assert "☑ Received: 1-KNĐ Đơn xin vào Đảng (Application to join the Party (handwritten)) · 20/09/2021" in checklist
    assert "☐ Not received: 5-KNĐ" in checklist
    assert "4-KNĐ" in checklist and "3-KNĐ" in checklist and "(2)" not in checklist
    assert "6-KNĐ" in checklist and "10-KNĐ" not in checklist  # recognition documents come later
    assert f'href="/candidates/{case_id}/dossier"' in page.get_data(as_text=True)
    # The guard's reason on the same page says the same.
    assert "5-KNĐ Tổng hợp ý kiến" in section(page, "actions")
    assert "Record a dossier document" in section(page, "timeline")


def test_the_case_page_flags_stale_documents(pages, world, make_case):
    case_id = make_case("branch_vote").id
    pages.login("sec_a1")
    checklist = section(pages.get(f"/candidates/{case_id}"), "dossier-checklist")
    assert "too old" in checklist and "2-KNĐ Lý lịch của người xin vào Đảng — Résumé of the applicant of 25/09/2021 is more than 12 months" in checklist


def test_the_case_page_reads_the_dossier_from_the_log_without_a_query_of_its_own(pages, world, make_case):
    import sqlalchemy as sa
    fewer = make_case("ceremony").id  # 6 documents
    more = make_case("official").id  # 10 documents and 3 resolutions from the log
    pages.login("board")
    counts = []
    for case_id in (fewer, more):
        pages.get(f"/candidates/{case_id}")
        statements = []

        def seen(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert pages.get(f"/candidates/{case_id}").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)
        # The checklist is the log's (which the page reads for its history): the items' table is not read.
        assert len([s for s in statements if "dossier_item" in s]) == 0
        counts.append(len(statements))
    assert counts[0] == counts[1]


# --- on a phone: compact lines, and back to the item saved ---------------------------------------

def test_saving_an_item_comes_back_to_its_line(pages, world, make_case):
    """The secretary keeps their place: the page comes back to the line of the item just saved
    (its anchor), and the item's form leads back to that line too."""
    import re
    case_id = make_case("dossier").id
    pages.login("sec_a1")
    response = post_item(pages, case_id, "3-KNĐ:2", received_on="2021-10-02", introducer_name="Trần Thị Hai",
                         official="y", known_since="2019-06-01")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/candidates/{case_id}/dossier#item-3-knd-2")
    body = pages.get(dossier_url(case_id)).get_data(as_text=True)
    assert 'data-key="3-KNĐ:2" id="item-3-knd-2"' in body
    anchors = re.findall(r'<tr class="checklist-line[^"]*" data-key="[^"]+" id="([^"]+)"', body)
    assert len(anchors) == body.count('<tr class="checklist-line') and len(set(anchors)) == len(anchors)
    form = pages.get(dossier_url(case_id, "1-KNĐ")).get_data(as_text=True)
    assert f'href="/candidates/{case_id}/dossier#item-1-knd"' in form  # Cancel, and the breadcrumb
    # A stale page is sent to the top, where the warning says what happened.
    stale = post_item(pages, case_id, "2-KNĐ", version="1")
    assert stale.status_code == 302 and stale.headers["Location"].endswith(f"/candidates/{case_id}/dossier")


def test_an_empty_document_is_one_line_without_empty_fields(pages, world, make_case):
    """A document not received yet shows its form, name, status and action; the date, who
    recorded it and the note are left out (on a phone) until there is something to show."""
    import re
    case_id = make_case("dossier").id
    pages.login("sec_a1")
    post_item(pages, case_id, "1-KNĐ", note="Bản viết tay")
    body = pages.get(dossier_url(case_id)).get_data(as_text=True)

    def cells(key):
        row = re.search(r'<tr [^>]*data-key="%s".*?</tr>' % re.escape(key), body, re.S).group(0)
        return re.findall(r'<td class="([^"]*)"', row)

    assert cells("2-KNĐ") == ["line-code", "line-document", "line-status"] + ["line-detail line-empty"] * 3 + [
        "line-action"]
    assert cells("1-KNĐ")[3:6] == ["line-detail"] * 3  # its date, who recorded it, its note
