"""Hardening against what a browser never sends but an attacker or a broken client may: bodies
too large to read (refused before a byte is read), page numbers beyond any list, NUL and other
control characters in addresses and forms, names in every script (they fit their columns),
forms carrying tens of thousands of rows; and what stays behind: no page cached by a browser or
proxy, HSTS over HTTPS, the key, the scans and the backups readable by their owner only."""
import io
import os
import stat
import tarfile
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from pages_support import pages, text  # noqa: F401  (pages is a fixture)
from pipeline.app import _instance_secret
from pipeline.base.text import fold, name_sort_key
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.web.inbound import FORM_MARGIN_BYTES
from pipeline.web.security import STRICT_TRANSPORT_SECURITY
from pipeline.workflow.models import LogEntry

GLOBAL_LIMIT = 10 * 1024 * 1024 + FORM_MARGIN_BYTES


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def error_message(response):
    """The error page's title and explanation (templates/error.html)."""
    return text(response)


class CountingStream:
    """A request body of `size` bytes (generated, never held in memory) that counts what is read."""

    def __init__(self, size):
        self.size, self.read_bytes = size, 0

    def read(self, n=-1):
        left = self.size - self.read_bytes
        n = left if n is None or n < 0 else min(n, left)
        self.read_bytes += n
        return b"a" * n

    def readline(self, n=-1):
        return self.read(n if n and n > 0 else 65536)


def post_body(client, path, body, declared=None, chunked=False):
    """POST `body` as a form, with `declared` as its Content-Length (a client may declare
    anything), or chunked, without any length, from a server that terminates the stream."""
    environ = {"wsgi.input": body, "CONTENT_LENGTH": str(body.size if declared is None else declared)}
    if chunked:
        environ |= {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True}
    return client.post(path, data=b"", content_type="application/x-www-form-urlencoded", environ_overrides=environ)


# --- request bodies ------------------------------------------------------------------------------

@pytest.mark.parametrize("csrf", [True, False])
def test_a_huge_declared_body_is_refused_before_a_byte_is_read(app, client, csrf):
    app.config["WTF_CSRF_ENABLED"] = csrf  # CSRFProtect reads the form in its own hook: ours runs first
    body = CountingStream(10**10)
    response = post_body(client, "/login?lang=en", body)
    assert response.status_code == 413
    assert body.read_bytes == 0
    assert "Request too large" in text(response) and "was not read" in text(response)


def test_the_refusal_of_a_huge_body_is_in_vietnamese_by_default(app, client):
    response = post_body(client, "/login", CountingStream(10**9))
    assert response.status_code == 413 and 'lang="vi"' in response.get_data(as_text=True)
    assert '<p class="text-body-secondary mb-1">' in response.get_data(as_text=True)  # the error page


def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit(app, client):
    body = CountingStream(GLOBAL_LIMIT * 3)
    response = post_body(client, "/login?lang=en", body, chunked=True)
    assert response.status_code == 413
    assert body.read_bytes <= GLOBAL_LIMIT + 64 * 1024  # read up to the limit, not to the end


def test_the_limit_follows_the_scans_and_a_configured_one_wins(app, client):
    app.config["DOSSIER_UPLOAD_MAX_BYTES"] = 1000
    body = CountingStream(1000 + FORM_MARGIN_BYTES + 1)
    assert post_body(client, "/login", body).status_code == 413
    assert body.read_bytes == 0
    app.config["MAX_CONTENT_LENGTH"] = 100
    body = CountingStream(101)
    assert post_body(client, "/login", body).status_code == 413


def test_a_multipart_form_of_too_many_parts_is_refused(client, world):
    """Flask's MAX_FORM_PARTS (1,000) bounds what a multipart form makes the parser build."""
    data = {f"field{i}": "x" for i in range(1001)} | {"scan": (io.BytesIO(b"x"), "x.pdf")}
    response = client.post("/login?lang=en", data=data, content_type="multipart/form-data")
    assert response.status_code == 413 and "Request too large" in text(response)


# --- bulk forms ----------------------------------------------------------------------------------

def test_a_ceremony_day_with_forty_thousand_ids_is_refused_at_once_naming_the_limit(pages, world, make_case):
    case_id = make_case("ceremony").id
    pages.login("sec_a1")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry))
    form = [("effective_date", "2022-02-10"), ("place", "Hội trường"), ("confirmed", "y")]
    form += [("case_ids", str(case_id + i)) for i in range(40_000)]
    response = pages.post(f"/ceremony-day/{world.branch_a1.id}?lang=en", data=MultiDict(form))
    assert response.status_code == 413
    assert "The form carries 40,000 rows; at most 500 can be sent at once." in text(response)
    assert len(response.get_data()) < 50_000  # not echoed back
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)) == before


def test_the_limit_is_a_setting_and_the_selection_within_it_goes_through(app, pages, world, make_case):
    case_id = make_case("ceremony").id
    app.config["BULK_ROWS_MAX"] = 3
    pages.login("sec_a1")
    form = [("effective_date", "2022-02-10"), ("place", "Hội trường"), ("confirmed", "y")]
    refused = pages.post(f"/ceremony-day/{world.branch_a1.id}?lang=en",
                         data=MultiDict(form + [("case_ids", str(case_id))] * 4))
    assert refused.status_code == 413 and "at most 3 can be sent" in text(refused)
    done = pages.post(f"/ceremony-day/{world.branch_a1.id}?lang=en", data=MultiDict(form + [("case_ids", str(case_id))] * 3))
    assert done.status_code == 302


def test_results_with_more_rows_than_the_limit_are_refused(app, pages, world):
    app.config["BULK_ROWS_MAX"] = 10
    pages.login("board")
    form = [("results_on", "2021-09-10")] + [(f"rows-{i}-result", "passed") for i in range(11)]
    response = pages.post(f"/training/{world.training_class.id}/results?lang=en", data=MultiDict(form))
    assert response.status_code == 413 and "The form carries 11 rows; at most 10" in text(response)


def test_an_enrolment_of_too_many_is_refused(app, pages, world, make_case):
    app.config["BULK_ROWS_MAX"] = 2
    pages.login("sec_a1")
    ids = [str(make_case("spotted", full_name=n).id) for n in ("Lê Văn An", "Trần Thị Bình", "Ngô Văn Cường")]
    response = pages.post(f"/training/{world.training_class.id}/enrol?lang=en",
                          data=MultiDict([("enrolled_on", "2021-09-01")] + [("case_ids", i) for i in ids]))
    assert response.status_code == 413 and "at most 2 can be sent" in text(response)


# --- page numbers and characters no one types ---------------------------------------------------

@pytest.mark.parametrize("path", ["/audit/", "/admin/users/", "/candidates/", "/dashboard/cases",
                                  "/dashboard/deadlines"])
@pytest.mark.parametrize("page", [str(10**20), str(2**63), "-3", "0"])
def test_a_page_number_beyond_any_list_is_not_found(pages, world, path, page):
    pages.login("admin")
    response = pages.get(f"{path}?lang=en&page={page}")
    assert response.status_code == 404 and "Not found" in text(response)


@pytest.mark.parametrize("query", ["q=%00", "q=Nguy%00n", "unit=1%00", "page=1%00", "lang=%00", "%00=1",
                                   "q=a%01b", "order=%1b"])
@pytest.mark.parametrize("path", ["/admin/users/", "/candidates/", "/audit/", "/dashboard/"])
def test_a_nul_or_a_control_character_in_the_address_is_refused_with_a_sentence(pages, world, path, query):
    pages.login("admin")
    response = pages.get(f"{path}?{query}&lang=en")
    assert response.status_code == 400
    assert "The address contains a character that cannot be used." in text(response)


def test_a_nul_in_a_form_is_refused_beside_its_field_and_nothing_is_written(pages, world):
    response = pages.post("/login?lang=en", data={"username": "admin\x00", "password": "x"})
    assert response.status_code == 422
    assert "Remove the invisible control characters from this text." in text(response)
    pages.login("sec_a1")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
    response = pages.post("/candidates/new?lang=en", data={"full_name": "Lê\x00Văn", "occupation": "Nông dân",
                                                          "branch_id": world.branch_a1.id})
    assert response.status_code == 422
    assert "Remove the invisible control characters from this text." in text(response)
    assert 'value="Nông dân"' in response.get_data(as_text=True)  # what was typed is kept
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == before


def test_other_control_characters_in_a_form_get_the_fields_own_message(pages, world):
    """Pasted from a PDF (a form feed): the form is shown again with what was typed."""
    pages.login("sec_a1")
    response = pages.post("/candidates/new?lang=en", data={"full_name": "Lê\x0cVăn", "residence": "Thôn\x0b1",
                                                          "branch_id": world.branch_a1.id})
    assert response.status_code == 422
    assert "Remove the invisible control characters from this text." in text(response)


def test_line_breaks_stay_allowed_in_forms(pages, world):
    """A text area may hold them: the forms' own validators decide, field by field."""
    pages.login("admin")
    response = pages.post("/admin/calendar?lang=en", data={"day": "2022-01-08", "kind": "working",
                                                           "note": "Làm bù\r\ncho ngày 3/1"})
    assert response.status_code != 400


# --- names in every script ---------------------------------------------------------------------

NAMES = {
    "hangul": "한" * 120,
    "hangul_long": "김민준 " * 50,
    "cjk": "王小明" * 66,
    "arabic": "مُحَمَّد " * 22,
    "combining": "Nguyê\u0303\u0300\u0301n " * 20,
    "devanagari": "क़" * 100,
    "vietnamese_nfd": "Nguye\u0302\u0303n Thi\u0323 A\u0301nh Tuye\u0302\u0301t " * 7,
}


@pytest.mark.parametrize("script", sorted(NAMES))
def test_a_name_in_any_script_fits_every_column_derived_from_it(pages, world, script):
    name = NAMES[script].strip()
    pages.login("sec_a1")
    response = pages.post("/candidates/new?lang=en", data={
        "full_name": name, "date_of_birth": "1998-05-20", "sex": "male", "ethnicity": "Kinh",
        "education": "upper_secondary", "occupation": "Nông dân", "residence": "Thôn 1", "youth_union_member": "y",
        "source_organisation": "youth_union", "helper_member": "Lê Văn Giúp", "effective_date": "2022-03-01"})
    assert response.status_code in (302, 422), text(response)[:500]
    if response.status_code == 422:  # too long as NFC: the form says so
        assert "Field cannot be longer than 200 characters." in text(response)
        return
    db.session.rollback()
    case = db.session.execute(sa.select(Case).order_by(Case.id.desc()).limit(1)).scalar_one()
    columns = Case.__table__.c
    for column in ("full_name", "name_folded", "sort_given_first", "sort_full_name"):
        value = getattr(case, column)
        assert value and len(value) <= columns[column].type.length, (column, len(value))


@pytest.mark.parametrize("name", [value.strip() for value in NAMES.values()] + ["İstanbul", "👍🏽" * 100])
def test_folding_and_sort_keys_never_outgrow_the_name(name):
    import unicodedata
    length = len(unicodedata.normalize("NFC", name))
    assert len(fold(name)) <= length
    for given_first in (True, False):
        assert len(name_sort_key(name, given_first)) <= 2 * length + 2


def test_folding_strips_marks_of_latin_letters_only():
    assert fold("Phùng Tấn THẮNG") == "phung tan thang" == fold("Phu\u0300ng Tâ\u0301n Tha\u0306\u0301ng")
    assert fold("ĐẶNG Văn Được") == "dang van duoc"
    assert fold("김민준") == "김민준"  # a Hangul syllable is kept whole, not split into jamo
    assert fold("مُحَمَّد") == "مُحَمَّد"  # Arabic keeps its vowel marks
    assert fold("İstanbul") == "istanbul"


# --- headers -------------------------------------------------------------------------------------

def test_hsts_over_https_only(pages, world):
    secure = pages.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == STRICT_TRANSPORT_SECURITY == \
        "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in pages.get("/login").headers


def test_no_page_is_stored_by_a_browser_or_a_proxy_but_the_static_files(pages, world, make_case):
    login = pages.get("/login")
    assert login.headers["Cache-Control"] == "no-store" and login.headers["Pragma"] == "no-cache"
    pages.login("sec_a1")
    case_id = make_case("spotted").id
    for path in ("/", "/candidates/", f"/candidates/{case_id}", "/candidates/?format=csv", "/nothing-here",
                 f"/candidates/{case_id}/checklist"):
        response = pages.get(path)
        response.get_data()
        assert "no-store" in response.headers["Cache-Control"], path
        assert response.headers["Pragma"] == "no-cache", path
    static = pages.get("/static/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_a_download_keeps_its_own_cache_control_only_when_it_forbids_storing(app):
    from flask import Response
    from pipeline.web.security import forbid_caching
    for own, sent in (("public, max-age=3600", "no-store"), ("private, max-age=0", "no-store"),
                      ("no-cache", "no-store"), ("private, no-store", "private, no-store")):
        response = Response(b"x", headers={"Cache-Control": own})
        forbid_caching(response)
        assert response.headers["Cache-Control"] == sent and response.headers["Pragma"] == "no-cache"


# --- files ---------------------------------------------------------------------------------------

@pytest.fixture
def open_umask():
    """A service's usual umask: what the files' own modes must not depend on."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_instance_secret_is_readable_by_its_owner_only(tmp_path, open_umask):
    secret = _instance_secret(str(tmp_path))
    assert len(secret) == 64 and mode(tmp_path / "secret_key") == 0o600
    assert _instance_secret(str(tmp_path)) == secret


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n"


def test_a_scan_and_its_folders_are_readable_by_their_owner_only(app, pages, world, make_case, open_umask):
    case = make_case("dossier")
    pages.login("sec_a1")
    response = pages.post(f"/candidates/{case.id}/dossier/1-KNĐ", data={
        "received": "y", "received_on": "2021-09-20", "note": "", "version": str(case.version),
        "scan": (io.BytesIO(PDF), "don.pdf")})
    assert response.status_code == 302
    root = os.path.join(app.instance_path, "uploads")
    folder = os.path.join(root, str(case.id))
    (name,) = os.listdir(folder)
    assert mode(root) == 0o700 and mode(folder) == 0o700 and mode(os.path.join(folder, name)) == 0o600


@pytest.mark.real_database
def test_a_backup_its_scans_and_its_folder_are_readable_by_their_owner_only(app, world, make_case, tmp_path,
                                                                           database_url, open_umask):
    import shutil
    if database_url.startswith("postgresql") and not shutil.which("pg_dump"):
        pytest.skip("NOTICE: pg_dump not installed")
    from pipeline.dossier.operations import DocumentEntry, Upload, record_document
    case = make_case("dossier")
    record_document(case.id, world["sec_a1"], DocumentEntry("1-KNĐ", received=True, received_on=date(2021, 9, 20)),
                    upload=Upload(PDF, "don.pdf", "application/pdf"))
    db.session.commit()
    path = tmp_path / "new-folder" / "copy.bak"
    db.session.rollback()
    made = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert made.exit_code == 0, made.output
    archive = tmp_path / "new-folder" / "copy.uploads.tar"
    assert mode(path) == 0o600 and mode(archive) == 0o600 and mode(path.parent) == 0o700


def test_restoring_scans_from_an_archive_with_open_modes_makes_them_private(tmp_path, open_umask):
    from pipeline.backup import uploads
    source = tmp_path / "source" / "uploads" / "7"
    source.mkdir(parents=True)
    (source / "scan.pdf").write_bytes(PDF)
    os.chmod(source / "scan.pdf", 0o644)
    archive = tmp_path / "old.uploads.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(source / "scan.pdf", arcname="uploads/7/scan.pdf")
    instance = tmp_path / "instance"
    instance.mkdir()
    assert uploads.restore(str(archive), str(instance)) == 1
    assert mode(instance / "uploads" / "7" / "scan.pdf") == 0o600
    assert mode(instance / "uploads" / "7") == 0o700 and mode(instance / "uploads") == 0o700
