"""The browser's defences and the login's: security headers on every response, no inline script
or style anywhere, session cookies HttpOnly, SameSite=Lax and Secure over HTTPS, refused logins
limited per address and per account, and passwords kept only as hashes."""
import os
import re

import pytest
import sqlalchemy as sa

from conftest import PASSWORD
from pages_support import pages, text  # noqa: F401  (pages is a fixture)
from pipeline.app import PROJECT_DIR
from pipeline.accounts.limits import limiter_of
from pipeline.extensions import db
from pipeline.web.security import CONTENT_SECURITY_POLICY

TEMPLATES_DIR = os.path.join(PROJECT_DIR, "templates")


def assert_security_headers(response):
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]


def login_from(pages, username, password=PASSWORD, address="10.0.0.1"):
    return pages.post("/login?lang=en", data={"username": username, "password": password},
                      environ_base={"REMOTE_ADDR": address})


# --- headers -----------------------------------------------------------------------------------

def test_the_policy_allows_only_the_sites_own_files():
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
                      "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"):
        assert directive in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_every_kind_of_response_carries_the_security_headers(pages, world, make_case):
    case_id = make_case().id
    assert_security_headers(pages.get("/login"))  # logged out
    assert_security_headers(pages.get("/candidates/"))  # the redirect to the login page
    pages.login("sec_a1")
    for url in ["/", f"/candidates/{case_id}", "/candidates/999999", "/static/app.css", "/favicon.ico",
                "/reports/year"]:
        response = pages.get(url)
        assert_security_headers(response)
        response.close()
    export = pages.get("/candidates/?format=csv")
    assert_security_headers(export)
    assert export.headers["Cache-Control"] == "private, no-store"  # the download's own header stays


def test_no_template_has_an_inline_script_style_or_event_handler():
    """What the policy forbids the browser would refuse silently: keep it out of every template."""
    problems = []
    for folder, _dirs, files in os.walk(TEMPLATES_DIR):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as fh:
                source = fh.read()
            relative = os.path.relpath(path, TEMPLATES_DIR)
            for tag in re.findall(r"<script\b[^>]*>", source):
                if "src=" not in tag and 'type="application/json"' not in tag:
                    problems.append(f"{relative}: inline script {tag}")
            if re.search(r"<style\b", source):
                problems.append(f"{relative}: <style> element")
            if re.search(r"\sstyle=", source):
                problems.append(f"{relative}: style attribute")
            for handler in re.findall(r"\son[a-z]+\s*=", source):
                problems.append(f"{relative}: event handler attribute{handler}")
            if "javascript:" in source:
                problems.append(f"{relative}: javascript: URL")
    assert not problems, "\n".join(problems)


# --- cookies -----------------------------------------------------------------------------------

def session_cookie(response):
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie set"
    return cookies[-1]


def test_the_session_cookie_is_httponly_lax_and_secure_over_https_only(app, world):
    over_https = app.test_client().post("/login", data={"username": "sec_a1", "password": PASSWORD},
                                        base_url="https://localhost")
    assert over_https.status_code == 302
    cookie = session_cookie(over_https)
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie

    over_http = app.test_client().post("/login", data={"username": "sec_a1", "password": PASSWORD})
    cookie = session_cookie(over_http)
    assert "; Secure" not in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_can_be_forced(app, world):
    app.config["SESSION_COOKIE_SECURE"] = True
    response = app.test_client().post("/login", data={"username": "sec_a1", "password": PASSWORD})
    assert "; Secure" in session_cookie(response)


@pytest.mark.parametrize("proxy_fix", [False, True])
def test_a_proxys_https_counts_only_when_it_is_trusted(database_url, tmp_path, proxy_fix):
    from pipeline.app import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test", "LOG_KEY": "test log key",
                      "TESTING": True, "WTF_CSRF_ENABLED": False, "PROXY_FIX": proxy_fix})
    response = app.test_client().get("/login?lang=en", headers={"X-Forwarded-Proto": "https",
                                                                "X-Forwarded-For": "203.0.113.9"})
    assert ("; Secure" in session_cookie(response)) == proxy_fix
    with app.app_context():
        db.engine.dispose()


# --- the login's limits ------------------------------------------------------------------------

def test_refused_logins_are_limited_per_account(app, pages, world):
    # Five wrong passwords for one account, each from another address: the sixth attempt is
    # refused before the password is even checked, the right password included.
    for attempt in range(5):
        assert login_from(pages, "sec_a1", "wrong", address=f"10.0.1.{attempt}").status_code == 422
    response = login_from(pages, "sec_a1", PASSWORD, address="10.0.1.99")
    assert response.status_code == 429
    page = text(response)
    assert "Too many failed attempts to log in. Please wait 1 minute and try again." in page
    assert 'value="sec_a1"' in response.get_data(as_text=True)  # what was typed stays
    assert 0 < int(response.headers["Retry-After"]) <= 60
    # Another account is not affected, nor is the page itself.
    assert login_from(pages, "sec_a2", address="10.0.1.99").status_code == 302
    assert pages.get("/login").status_code in (200, 302)
    # Once the window has passed (here: the counts reset), the account logs in again.
    limiter_of(app).reset()
    assert login_from(pages, "sec_a1", address="10.0.1.99").status_code == 302


def test_refused_logins_are_limited_per_address(pages, world):
    for attempt in range(10):
        assert login_from(pages, f"nobody{attempt}", "wrong", address="10.0.2.1").status_code == 422
    assert login_from(pages, "sec_a1", address="10.0.2.1").status_code == 429
    assert login_from(pages, "sec_a1", address="10.0.2.2").status_code == 302  # another address


def test_successful_logins_and_page_views_do_not_count(pages, world):
    """A commune office behind one address logs in all day long."""
    for _ in range(15):
        assert login_from(pages, "sec_a1", address="10.0.3.1").status_code == 302
        assert pages.post("/logout").status_code == 302
    for _ in range(15):
        assert pages.get("/login", environ_base={"REMOTE_ADDR": "10.0.3.1"}).status_code == 200
    assert login_from(pages, "sec_a1", "wrong", address="10.0.3.1").status_code == 422


def test_the_limits_come_from_the_configuration(app, pages, world):
    app.config["LOGIN_LIMITS_PER_ACCOUNT"] = "2 per hour"
    for _ in range(2):
        assert login_from(pages, "sec_a1", "wrong").status_code == 422
    response = login_from(pages, "sec_a1", "wrong")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 60
    assert "Please wait 60 minutes" in text(response)


def test_the_limit_message_speaks_vietnamese_by_default(pages, world):
    for _ in range(5):
        pages.post("/login", data={"username": "sec_a1", "password": "wrong"})
    response = pages.post("/login", data={"username": "sec_a1", "password": "wrong"})
    assert response.status_code == 429
    assert '<html lang="vi">' in response.get_data(as_text=True)


# --- passwords ---------------------------------------------------------------------------------

def test_passwords_are_werkzeug_hashes_and_never_stored_in_clear(app, pages, world):
    new_password = "Mật khẩu rất dài 2024"
    pages.login("admin")
    response = pages.post("/admin/users/new", data={
        "username": "thu.ky", "display_name": "Thư Ký", "role": "secretary", "unit_id": world.branch_a2.id,
        "password": new_password, "confirm": new_password})
    assert response.status_code == 302
    user_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert pages.post(f"/admin/users/{user_id}/password", data={
        "password": new_password + "!", "confirm": new_password + "!"}).status_code == 302

    stored = db.session.execute(sa.text("SELECT password_hash FROM user_account WHERE username = 'thu.ky'")).scalar_one()
    assert stored.split(":", 1)[0] in ("scrypt", "pbkdf2")
    # No column of any table holds either password, in any form a query can read as text.
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).all():
            for value in row:
                assert new_password not in str(value), table.name
    # Neither does any page the administrator sees.
    page = pages.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert new_password not in page and stored not in page


def test_a_username_with_a_control_character_is_refused_with_a_message(client, world):
    response = client.post("/login?lang=en", data={"username": "sec_a1\x01", "password": "x"})
    assert response.status_code == 422
    assert "Remove the invisible control characters" in response.get_data(as_text=True)
    # A NUL reached PostgreSQL and failed there (500) before the form checked it.
    response = client.post("/login?lang=en", data={"username": "sec_a1\x00", "password": "x"})
    assert response.status_code == 422
    assert "Remove the invisible control characters" in response.get_data(as_text=True)
