"""Long downloads say they are under way: the branch's checklist PDF and the exports.

The page's script (static/app.js) follows a link marked data-long-download with a token in the
query; the answer, the file or an error page, sets a cookie named after the token whose value is
its status, and the page clears its indicator when it sees it. Here: the server's side and the
links' markup. Without a token (no JavaScript) nothing changes."""
import html
import re
from http.cookies import SimpleCookie

import pytest

from pages_support import pages  # noqa: F401  (a fixture)
from pipeline.exports.progress import COOKIE_PREFIX, COOKIE_SECONDS, TOKEN_ARG
from pipeline.printing import pdf

TOKEN = "k3Y_9-aZ"
# A space, a cookie's separators, a quote, a letter outside ASCII, too long, nothing at all.
BAD_TOKENS = ["a b", "a;b=c", 'a"b', "là", "x" * 41, ""]


def token_cookies(response):
    """The download cookies the response sets: name -> (value, its attributes as sent)."""
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            if name.startswith(COOKIE_PREFIX):
                found[name] = (morsel.value, header)
    return found


def assert_token_cookie(response, status):
    cookies = token_cookies(response)
    assert list(cookies) == [COOKIE_PREFIX + TOKEN]
    value, header = cookies[COOKIE_PREFIX + TOKEN]
    assert value == str(status)
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in header.split(";")[1:]}
    assert attributes["path"] == "Path=/"
    assert attributes["samesite"] == "SameSite=Lax"
    assert attributes["max-age"] == f"Max-Age={COOKIE_SECONDS}"
    assert "httponly" not in attributes  # the page's script reads it


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_with_a_token_sets_its_cookie_with_the_file(pages, world, make_case, fmt):
    make_case(full_name="Phùng Tấn Thắng")
    pages.login("sec_a1")
    response = pages.get(f"/candidates/?format={fmt}&{TOKEN_ARG}={TOKEN}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert_token_cookie(response, 200)
    assert len(response.get_data()) > 0  # the file itself is as without a token
    plain = pages.get(f"/candidates/?format={fmt}")
    assert token_cookies(plain) == {}
    assert plain.get_data() == response.get_data() or fmt == "xlsx"  # an XLSX zip carries its time


def test_a_refused_export_also_ends_the_wait(pages, world, make_case):
    make_case()
    pages.login("sec_a1")
    response = pages.get(f"/candidates/?format=pdf&{TOKEN_ARG}={TOKEN}")
    assert response.status_code == 404
    assert_token_cookie(response, 404)


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_a_token_that_is_not_short_and_plain_is_ignored(pages, world, make_case, token):
    make_case()
    pages.login("sec_a1")
    response = pages.get("/candidates/", query_string={"format": "csv", TOKEN_ARG: token})
    assert response.status_code == 200
    assert token_cookies(response) == {}
    response = pages.get(f"/branches/{world.branch_b1.id}/checklists.pdf", query_string={TOKEN_ARG: token})
    assert response.status_code == 404
    assert token_cookies(response) == {}


def test_the_branch_pdf_with_a_token_sets_its_cookie(pages, world, make_case, needs_pdf):
    make_case("dossier")
    pages.login("sec_a1")
    response = pages.get(f"/branches/{world.branch_a1.id}/checklists.pdf?{TOKEN_ARG}={TOKEN}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert_token_cookie(response, 200)
    assert token_cookies(pages.get(f"/branches/{world.branch_a1.id}/checklists.pdf")) == {}


def test_the_branch_pdf_sets_its_cookie_on_a_refusal_and_when_pdfs_cannot_be_made(pages, world, make_case,
                                                                                 monkeypatch):
    make_case("dossier")
    pages.login("sec_a1")
    outside = pages.get(f"/branches/{world.branch_b1.id}/checklists.pdf?{TOKEN_ARG}={TOKEN}")
    assert outside.status_code == 404
    assert_token_cookie(outside, 404)
    monkeypatch.setattr(pdf, "_weasyprint", lambda: (None, "OSError: no pango"))
    unavailable = pages.get(f"/branches/{world.branch_a1.id}/checklists.pdf?{TOKEN_ARG}={TOKEN}")
    assert unavailable.status_code == 503
    assert_token_cookie(unavailable, 503)


def long_download_links(page):
    """(href, message) of each link marked as a long download."""
    return [(html.unescape(href), html.unescape(message)) for href, message in
            re.findall(r'<a[^>]*href="([^"]*)"[^>]*data-long-download="([^"]*)"', page)]


def status_regions(page):
    return re.findall(r'<span class="long-download-status[^"]*" role="status" aria-live="polite"[^>]*>', page)


def test_the_case_page_says_how_many_cases_the_branch_pdf_has(pages, world, make_case):
    case = make_case("dossier")
    make_case("spotted", full_name="Trần Văn Bảo")
    make_case("official", full_name="Võ Minh Đã Xong")  # not open: no sheet
    make_case("dossier", branch=world.branch_a2)  # another branch
    pages.login("sec_a1")
    page = pages.get(f"/candidates/{case.id}").get_data(as_text=True)
    assert long_download_links(page) == [
        (f"/branches/{world.branch_a1.id}/checklists.pdf",
         "Preparing the PDF of 2 cases… this can take a minute.")]
    # The one case's PDF is quick: a plain link.
    assert re.search(rf'href="/candidates/{case.id}/checklist.pdf"(?![^>]*data-long-download)', page)
    (region,) = status_regions(page)
    assert 'data-done="The download has started."' in region and "data-failed=" in region


def test_the_export_links_are_long_downloads_with_a_status_line(pages, world, make_case):
    make_case()
    pages.login("sec_a1")
    page = pages.get("/candidates/?q=ph").get_data(as_text=True)
    links = long_download_links(page)
    assert [message for _, message in links] == ["Preparing the Excel file… this can take a minute.",
                                                 "Preparing the CSV file… this can take a minute."]
    assert all("format=" in href and "q=ph" in href and TOKEN_ARG not in href for href, _ in links)
    assert len(status_regions(page)) == 1
