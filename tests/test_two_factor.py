"""Two-factor sign-in (TOTP): a user enrols on their account page (a QR code drawn here, the
secret as text, a code to confirm), keeps 10 one-time recovery codes shown once; the login then
asks for a code after the password, limited like the password. Roles named by
TWO_FACTOR_REQUIRED_ROLES enrol before using any other page. An administrator can reset it."""
import base64
import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from conftest import PASSWORD
from pages_support import Pages, field_errors, text
from pipeline.accounts.models import AccountChange, RecoveryCode, User
from pipeline.extensions import db


def browser(app, username=None, password=PASSWORD):
    pages = Pages(app.test_client())
    if username:
        pages.login(username, password)
    return pages


def account(username):
    db.session.expire_all()
    return db.session.execute(sa.select(User).filter_by(username=username)).scalar_one()


def actions(username):
    db.session.expire_all()
    return [c.action for c in db.session.execute(
        sa.select(AccountChange).join(AccountChange.user).where(User.username == username)
        .order_by(AccountChange.id)).scalars()]


def code_at(secret, offset_steps=0):
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + offset_steps * totp.interval)


def enrol(pages):
    """Enrol on the account page as a user does: read the key shown, type the app's code.
    Returns (secret, recovery codes shown)."""
    page = pages.get("/account/two-factor?lang=en").get_data(as_text=True)
    secret = re.search(r'<code[^>]*id="secret">([^<]+)</code>', page).group(1).replace(" ", "")
    response = pages.post("/account/two-factor?lang=en", data={"code": code_at(secret)})
    assert response.status_code == 200, text(response)
    codes = re.findall(r"<li>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</li>", response.get_data(as_text=True))
    return secret, codes


def password_step(pages, username, password=PASSWORD):
    return pages.post("/login?lang=en", data={"username": username, "password": password})


def logged_in(pages):
    return pages.get("/candidates/").status_code == 200


def test_enrolling_shows_a_local_qr_code_and_the_key_and_needs_a_code(app, world):
    pages = browser(app, "sec_a1")
    assert 'href="/account/two-factor"' in pages.get("/account").get_data(as_text=True)
    response = pages.get("/account/two-factor?lang=en")
    page = response.get_data(as_text=True)
    qr = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert qr and b"<svg" in base64.b64decode(qr.group(1))
    assert " style=" not in page and "<script>" not in page  # the CSP forbids inline styles and scripts
    secret = re.search(r'id="secret">([^<]+)<', page).group(1).replace(" ", "")
    assert len(secret) == 32
    # The same key while the page is reloaded; nothing written yet.
    assert secret in pages.get("/account/two-factor").get_data(as_text=True).replace(" ", "")
    assert not account("sec_a1").two_factor_enabled

    refused = pages.post("/account/two-factor?lang=en", data={"code": "000000" if code_at(secret) != "000000" else "111111"})
    assert refused.status_code == 422 and "This code is not right" in field_errors(refused, "code")
    assert not account("sec_a1").two_factor_enabled

    response = pages.post("/account/two-factor?lang=en", data={"code": code_at(secret)})
    assert response.status_code == 200
    codes = re.findall(r"<li>([A-Z0-9-]{19})</li>", response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "they are shown only this once" in text(response)
    user = account("sec_a1")
    assert user.totp_secret == secret and actions("sec_a1")[-1] == "two_factor_enabled"
    # Only hashes of the recovery codes are kept.
    stored = db.session.execute(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).scalars().all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert not any(code.replace("-", "") in hashed for code in codes for hashed in stored)
    # Shown once: the account page tells how many are left, never the codes.
    page = pages.get("/account?lang=en")
    assert "10 recovery codes left." in text(page) and codes[0] not in page.get_data(as_text=True)


def test_the_login_asks_for_the_code_after_the_password(app, world):
    secret, _codes = enrol(browser(app, "sec_a1"))
    pages = browser(app)
    response = password_step(pages, "sec_a1")
    assert response.status_code == 302 and response.headers["Location"] == "/login/two-factor"
    assert not logged_in(pages)  # the password alone logs nobody in
    assert "Type the 6-digit code" in text(pages.get("/login/two-factor?lang=en"))
    wrong = "000000" if code_at(secret) != "000000" else "111111"
    refused = pages.post("/login/two-factor?lang=en", data={"code": wrong})
    assert refused.status_code == 422 and "This code is not right, or was already used." in text(refused)
    assert not logged_in(pages)
    code = code_at(secret, 1)  # the next step's code: a phone's clock a little ahead
    response = pages.post("/login/two-factor?lang=en", data={"code": code}, follow_redirects=True)
    assert response.request.path == "/" and "Welcome, SEC_A1." in text(response)
    assert logged_in(pages)

    # A code is used once: the same code, in another browser, is refused.
    again = browser(app)
    password_step(again, "sec_a1")
    assert again.post("/login/two-factor", data={"code": code}).status_code == 422
    assert not logged_in(again)


def test_the_code_step_needs_the_password_step_first_and_expires(app, world):
    secret, _codes = enrol(browser(app, "sec_a1"))
    pages = browser(app)
    response = pages.post("/login/two-factor", data={"code": code_at(secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    password_step(pages, "sec_a1")
    with pages.client.session_transaction() as session:
        session["two_factor_pending"]["at"] -= 301
        session.modified = True
    response = pages.post("/login/two-factor", data={"code": code_at(secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not logged_in(pages)


def test_a_recovery_code_logs_in_once(app, world):
    _secret, codes = enrol(browser(app, "sec_a1"))
    pages = browser(app)
    password_step(pages, "sec_a1")
    response = pages.post("/login/two-factor", data={"code": codes[3].lower().replace("-", " ")},
                          follow_redirects=True)
    assert response.request.path == "/"
    assert "9 recovery codes left." in text(pages.get("/account?lang=en"))
    other = browser(app)
    password_step(other, "sec_a1")
    assert other.post("/login/two-factor", data={"code": codes[3]}).status_code == 422


def test_the_code_step_is_limited_before_the_code_is_checked(app, world):
    secret, _codes = enrol(browser(app, "sec_a1"))
    pages = browser(app)
    password_step(pages, "sec_a1")
    for attempt in range(5):
        assert pages.post("/login/two-factor", data={"code": f"99999{attempt}"}).status_code == 422
    response = pages.post("/login/two-factor?lang=en", data={"code": code_at(secret)})
    assert response.status_code == 429
    assert "Too many failed attempts to log in." in text(response)
    assert int(response.headers["Retry-After"]) > 0
    assert not logged_in(pages)
    # A new password step does not give new tries: the count is the account's.
    fresh = browser(app)
    password_step(fresh, "sec_a1")
    assert fresh.post("/login/two-factor", data={"code": code_at(secret)}).status_code == 429


def test_new_recovery_codes_replace_the_old_ones(app, world):
    pages = browser(app, "sec_a1")
    _secret, old = enrol(pages)
    refused = pages.post("/account/two-factor/codes?lang=en", data={"password": "wrong"})
    assert refused.status_code == 422 and "This is not your current password." in field_errors(refused, "password")
    response = pages.post("/account/two-factor/codes?lang=en", data={"password": PASSWORD})
    new = re.findall(r"<li>([A-Z0-9-]{19})</li>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert actions("sec_a1")[-1] == "codes_regenerated"
    other = browser(app)
    password_step(other, "sec_a1")
    assert other.post("/login/two-factor", data={"code": old[0]}).status_code == 422
    assert other.post("/login/two-factor", data={"code": new[0]}).status_code == 302


def test_turning_it_off_needs_the_password(app, world):
    pages = browser(app, "sec_a1")
    enrol(pages)
    refused = pages.post("/account/two-factor/disable?lang=en", data={"password": "wrong"})
    assert refused.status_code == 422 and account("sec_a1").two_factor_enabled
    response = pages.post("/account/two-factor/disable?lang=en", data={"password": PASSWORD}, follow_redirects=True)
    assert "Two-factor sign-in is off" in text(response)
    user = account("sec_a1")
    assert user.totp_secret is None and actions("sec_a1")[-1] == "two_factor_disabled"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert password_step(browser(app), "sec_a1").headers["Location"] == "/"


@pytest.fixture
def required(app):
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ["admin", "board"]


def test_a_required_role_enrols_before_any_other_page(app, world, required):
    pages = browser(app, "board")
    for path in ("/", "/candidates/", "/account", "/account/password"):
        response = pages.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/two-factor", path
    page = pages.get("/account/two-factor?lang=en")
    assert "Your role must sign in with a password and a code" in text(page)
    secret, _codes = enrol(pages)
    assert logged_in(pages)
    # It cannot be turned off while the role requires it.
    refused = pages.post("/account/two-factor/disable?lang=en", data={"password": PASSWORD})
    assert refused.status_code == 422 and account("board").two_factor_enabled
    # Another role is not asked.
    assert logged_in(browser(app, "sec_a1"))


def test_the_requirement_can_be_turned_off(app, world):
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = []
    assert logged_in(browser(app, "admin"))


def test_an_administrator_resets_a_lost_second_factor(app, world, required):
    owner = browser(app, "sec_a1")
    enrol(owner)
    admin = browser(app, "admin")
    enrol(admin)  # an administrator must have one
    target = world["sec_a1"].id
    assert "Reset two-factor sign-in" in text(admin.get(f"/admin/users/{target}?lang=en"))
    response = admin.post(f"/admin/users/{target}/two-factor/reset?lang=en", follow_redirects=True)
    assert "The two-factor sign-in of sec_a1 was reset" in text(response)
    assert "Two-factor sign-in reset" in text(response)  # in the history
    assert not account("sec_a1").two_factor_enabled and actions("sec_a1")[-1] == "two_factor_reset"
    assert not logged_in(owner)  # its sessions have ended
    assert password_step(browser(app), "sec_a1").headers["Location"] == "/"
    # Not one's own (another administrator must), and no other role may.
    assert "Reset two-factor sign-in" not in text(admin.get(f"/admin/users/{world['admin'].id}?lang=en"))
    admin.post(f"/admin/users/{world['admin'].id}/two-factor/reset")
    assert account("admin").two_factor_enabled
    assert browser(app, "com_a").post(f"/admin/users/{target}/two-factor/reset").status_code == 404
