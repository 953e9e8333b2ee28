"""Markup typed into any free-text field is shown as text, never run: on every page and in every
PDF that shows it, for every role. (Flask-Babel's lazy strings once printed their interpolated
values raw: a secretary's note reached the board's pages as a live <meta refresh>, and a <style>
in a PDF hid the real chain head.)"""
import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from pages_support import fresh_case, pages, text  # noqa: F401
from pipeline.extensions import db
from pipeline.training.models import TrainingClass

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ATTACK = '<meta http-equiv="refresh" content="0;url=//x.test"><style>*{display:none}</style>'
RAW = re.compile(r'<i data-p=|<meta http-equiv|<style>\*')


def marker(field):
    return f"<i data-p={field}>"  # no quotes: a file name cannot carry them in a form post


def escaped_markers(page_html):
    """The fields whose marker the page shows as text."""
    return set(re.findall(r"&lt;i data-p=([a-z_]+)&gt;", page_html))


def plant(pages, world, make_case):
    """Every free-text field a user can fill, filled with markup, through the pages where they
    accept it (the particulars as the import would store them). Returns the ids of three cases (one with a
    dossier, one removed from the pool, one to enrol) and of the class."""
    dossier = make_case("dossier", occupation=marker("occupation"), residence=marker("residence"),
                        ethnicity=marker("ethnicity"))
    spotted, to_enrol = make_case("spotted"), make_case("spotted")
    pages.login("admin")
    secretary = world["sec_a1"]
    assert pages.post(f"/admin/users/{secretary.id}", data={
        "display_name": marker("display_name"), "role": "secretary", "unit_id": str(secretary.unit_id),
    }).status_code == 302
    assert pages.post("/admin/calendar", data={"day": "2021-11-15", "kind": "off",
                                         "note": marker("workday_note")}).status_code == 302
    pages.login("board")
    assert pages.post("/training/new", data={
        "name": marker("class_name"), "organiser_unit_id": str(world.town.id),
        "organiser_name": marker("organiser"), "place": marker("place"),
        "starts_on": "2021-11-01", "ends_on": "2021-11-05"}).status_code == 302
    class_id = db.session.execute(select(TrainingClass.id).order_by(TrainingClass.id.desc()).limit(1)).scalar_one()

    pages.login("sec_a1")
    key = "1-KNĐ"
    response = pages.post(f"/candidates/{dossier.id}/dossier/{key}", content_type="multipart/form-data", data={
        "version": str(fresh_case(dossier.id).version), "received": "y", "received_on": "2021-09-20",
        "note": marker("note") + ATTACK, "scan": (io.BytesIO(PDF), marker("file_name") + ".pdf")})
    assert response.status_code == 302, text(response)
    refused = pages.post(f"/candidates/{dossier.id}/dossier/{key}", content_type="multipart/form-data", data={
        "version": str(fresh_case(dossier.id).version), "received": "y", "received_on": "2021-09-20",
        "note": "", "scan": (io.BytesIO(b"plain text"), marker("bad_file") + ".pdf")})
    assert refused.status_code == 422, (refused.headers.get("Location"), text(pages.get(refused.headers["Location"]))[-3000:])
    assert "bad_file" in escaped_markers(refused.get_data(as_text=True))
    assert not RAW.search(refused.get_data(as_text=True))
    removed = pages.post(f"/candidates/{spotted.id}/act/remove_from_pool", data={
        "version": str(fresh_case(spotted.id).version), "effective_date": "2021-10-01", "confirmed": "y",
        "reason": marker("reason") + ATTACK})
    assert removed.status_code == 302, text(removed)[-1500:]
    assert pages.post(f"/audit/cases/{dossier.id}/correct", data={
        "version": str(fresh_case(dossier.id).version), "corrects_seq": "1", "what": marker("what"),
        "corrected_value": marker("corrected_value"), "effective_date": "2021-10-02",
        "reason": marker("correction_reason")}).status_code == 302
    return dossier.id, spotted.id, to_enrol.id, class_id


def pdf_text(response):
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


ROLES = ("sec_a1", "com_a", "board", "admin")
PLANTED = {"occupation", "residence", "ethnicity", "display_name", "workday_note", "class_name", "organiser",
           "place", "note", "file_name", "reason", "what", "corrected_value", "correction_reason"}


def test_markup_in_every_free_text_field_is_shown_as_text_on_every_page_and_pdf(pages, world, make_case,
                                                                                 needs_pdf):
    dossier_id, spotted_id, to_enrol_id, class_id = plant(pages, world, make_case)
    urls = ["/", "/dashboard/", "/dashboard/cases", "/dashboard/deadlines", "/candidates/",
            f"/candidates/{dossier_id}", f"/candidates/{spotted_id}", f"/candidates/{dossier_id}/dossier",
            f"/candidates/{dossier_id}/dossier/1-KNĐ", f"/candidates/{dossier_id}/checklist",
            f"/candidates/{to_enrol_id}/act/enrol_training", "/training/", f"/training/{class_id}",
            f"/training/{class_id}/enrol", f"/training/{class_id}/results", "/admin/calendar?year=2021", "/audit/",
            f"/audit/cases/{dossier_id}", f"/audit/cases/{spotted_id}", f"/audit/cases/{dossier_id}/correct",
            "/audit/anomalies", "/admin/users/", f"/admin/users/{world['sec_a1'].id}", "/reports/year",
            "/quotas/", "/process", f"/ceremony-day/{world.branch_a1.id}"]
    pdfs = [f"/candidates/{dossier_id}/checklist.pdf", f"/branches/{world.branch_a1.id}/checklists.pdf",
            "/reports/year.pdf"]
    seen_on_pages, seen_in_pdfs = set(), set()
    for username in ROLES:
        pages.login(username)
        for url in urls:
            response = pages.get(url)
            assert response.status_code in (200, 403, 404), (username, url, response.status_code)
            page = response.get_data(as_text=True)
            assert not RAW.search(page), (username, url, RAW.search(page).group(0))
            seen_on_pages |= escaped_markers(page)
        for url in pdfs:
            response = pages.get(url)
            assert response.status_code in (200, 403, 404), (username, url, response.status_code)
            if response.status_code == 200:
                printed = pdf_text(response).replace("\n", "")  # narrow cells wrap the text
                seen_in_pdfs |= set(re.findall(r"<i data-p=([a-z_]+)>", printed))
                # The attack's text is printed, so it hid nothing and styled nothing.
                if "data-p=note" in printed:
                    assert "<style>*{display:none}</style>" in printed
    assert seen_on_pages >= PLANTED, PLANTED - seen_on_pages
    assert {"occupation", "residence", "note"} <= seen_in_pdfs, seen_in_pdfs


def test_a_translated_message_escapes_the_value_it_names(app):
    """The unit under the pages: a lazy translated string with a user's text in it."""
    from flask import render_template_string
    from flask_babel import force_locale

    from pipeline.base.i18n import lazy_gettext as _l, lazy_ngettext
    with app.test_request_context(), force_locale("en"):
        rendered = render_template_string("{{ one }}|{{ many }}", one=_l("The file “%(name)s” is empty.", name="<b>x"),
                                          many=lazy_ngettext("%(num)d row", "%(num)d rows", 2))
    assert rendered == "The file “&lt;b&gt;x” is empty.|2 rows"


def test_no_module_takes_the_unescaped_lazy_strings():
    """Every lazy string comes from pipeline.base.i18n (Flask-Babel's would print values raw)."""
    import os
    root = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pipeline")
    offenders = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith(".py") and path != os.path.join(root, "base", "i18n.py"):
                with open(path, encoding="utf-8") as fh:
                    source = fh.read()
                if re.search(r"from flask_babel import [^\n]*lazy_", source) or "flask_babel.lazy_" in source:
                    offenders.append(os.path.relpath(path, root))
    assert offenders == []
