"""The printable dossier checklist: the HTML page, the PDF of a case, the PDF of a branch's open
cases; scoping like the case page. PDFs are read back with pypdf.

Rendering needs WeasyPrint's system libraries (Pango): without them the PDF tests are skipped
with the reason, except under CI=true, where that is a failure."""
import unicodedata
from io import BytesIO

from pipeline.base import clock
from pipeline.cases.models import Case
from pipeline.workflow.checklist import checklist_for, phases_for
from pipeline.workflow.replay import replay
from pipeline.extensions import db
from pipeline.printing import pdf
from pipeline.workflow.log import load_log

HEADING = "ĐẢNG CỘNG SẢN VIỆT NAM"


def nfc(text):
    return unicodedata.normalize("NFC", text)


def pdf_text(body):
    from pypdf import PdfReader
    reader = PdfReader(BytesIO(body))
    return nfc("\n".join(page.extract_text() or "" for page in reader.pages)), len(reader.pages)


def squash(text):
    """Text extraction may break lines inside a cell: compare without whitespace."""
    return "".join(text.split())


def codes_due(case):
    """The form codes the case page shows for the case (the same definition the guards use)."""
    case = db.session.get(Case, case.id)
    lines = checklist_for(case, replay(load_log(case.id)), clock.today())
    return {line.code for line in lines if line.phase in phases_for(case.stage) and line.required}


def test_html_page_has_heading_name_and_each_form_code(world, make_case, login, client):
    case = make_case("branch_vote", full_name="Phùng Tấn Thắng")
    codes = codes_due(case)
    assert {"1-KNĐ", "2-KNĐ", "3-KNĐ", "5-KNĐ"} <= codes
    login("sec_a1")
    response = client.get(f"/candidates/{case.id}/checklist?lang=en")
    assert response.status_code == 200
    page = nfc(response.get_data(as_text=True))
    assert HEADING in page
    assert "Phùng Tấn Thắng" in page
    assert world.branch_a1.name.upper() in page
    today = clock.today()
    assert f"day {today.day:02d} month {today.month:02d} year {today.year}" in page
    for code in codes:
        assert f'<td class="code">{code}</td>' in page
    assert "☑" in page
    assert "print.css" in page
    assert "ON BEHALF OF THE BRANCH COMMITTEE" in page


def test_case_page_links_to_the_printouts(world, make_case, login, client):
    case = make_case("dossier")
    login("sec_a1")
    page = client.get(f"/candidates/{case.id}").get_data(as_text=True)
    assert f"/candidates/{case.id}/checklist" in page
    assert f"/candidates/{case.id}/checklist.pdf" in page
    assert f"/branches/{world.branch_a1.id}/checklists.pdf" in page


def test_pdf_has_name_with_diacritics_and_every_form_code(world, make_case, login, client, needs_pdf):
    # Decomposed input: the name is stored in NFC, and compared in NFC.
    case = make_case("probation", full_name=unicodedata.normalize("NFD", "Phùng Tấn Thắng"))
    codes = codes_due(case)
    assert {"10-KNĐ", "11-KNĐ", "9-KNĐ"} <= codes
    login("sec_a1")
    response = client.get(f"/candidates/{case.id}/checklist.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert 'filename=checklist-phung-tan-thang.pdf' in response.headers["Content-Disposition"]
    text, pages = pdf_text(response.data)
    assert "Phùng Tấn Thắng" in text
    assert HEADING in text
    for code in codes:
        assert code in squash(text), code


def test_branch_pdf_has_every_open_case_and_no_other(world, make_case, login, client, needs_pdf):
    open_names = ["Nguyễn Thị Ánh", "Trần Văn Bảo", "Lê Đức Cường"]
    make_case("spotted", full_name=open_names[0])
    make_case("dossier", full_name=open_names[1])
    make_case("probation", full_name=open_names[2])
    make_case("official", full_name="Võ Minh Đã Xong")
    other = make_case("dossier", branch=world.branch_a2, full_name="Đặng Ở Trường Khác")
    login("com_a")
    response = client.get(f"/branches/{world.branch_a1.id}/checklists.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text, pages = pdf_text(response.data)
    assert pages >= 3
    for name in open_names:
        assert name in text
    assert "Võ Minh Đã Xong" not in text
    assert other.full_name not in text


def test_branch_pdf_without_open_cases(world, login, client, needs_pdf):
    login("sec_a1")
    response = client.get(f"/branches/{world.branch_a1.id}/checklists.pdf")
    assert response.status_code == 200
    assert pdf_text(response.data)[1] == 1


def test_outside_scope_is_404(world, make_case, login, client):
    case = make_case("dossier", branch=world.branch_b1)
    login("sec_a1")
    assert client.get(f"/candidates/{case.id}/checklist").status_code == 404
    assert client.get(f"/candidates/{case.id}/checklist.pdf").status_code == 404
    assert client.get(f"/branches/{world.branch_b1.id}/checklists.pdf").status_code == 404
    # A branch's neighbour, a committee above it, and a unit that is not a branch.
    assert client.get(f"/branches/{world.branch_a2.id}/checklists.pdf").status_code == 404
    client.post("/logout")
    login("com_a")
    assert client.get(f"/branches/{world.commune_a.id}/checklists.pdf").status_code == 404
    assert client.get(f"/branches/{world.branch_b1.id}/checklists.pdf").status_code == 404
    assert client.get("/candidates/999999/checklist").status_code == 404


def test_logged_out_is_sent_to_login(world, make_case, client):
    case = make_case("dossier")
    for url in (f"/candidates/{case.id}/checklist", f"/candidates/{case.id}/checklist.pdf",
                f"/branches/{world.branch_a1.id}/checklists.pdf"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_without_pango_the_pdf_routes_say_so(world, make_case, login, client, monkeypatch):
    case = make_case("dossier")
    monkeypatch.setattr(pdf, "_weasyprint", lambda: (None, "OSError: no pango"))
    login("sec_a1")
    assert client.get(f"/candidates/{case.id}/checklist.pdf").status_code == 503
    assert client.get(f"/candidates/{case.id}/checklist").status_code == 200


def test_the_fetcher_serves_static_files_only(app, tmp_path):
    static = app.static_folder
    base = "http://localhost/"
    assert pdf.static_file_for("http://localhost/static/print.css", base, "/static", static)
    assert pdf.static_file_for("http://localhost/static/../pipeline/__init__.py", base, "/static", static) is None
    assert pdf.static_file_for("http://localhost/static/nope.css", base, "/static", static) is None
    assert pdf.static_file_for("https://cdn.example.com/static/print.css", base, "/static", static) is None
    assert pdf.static_file_for("file:///etc/passwd", base, "/static", static) is None
    assert pdf.static_file_for("http://localhost/candidates/1", base, "/static", static) is None
