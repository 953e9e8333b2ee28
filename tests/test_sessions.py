"""Sessions end when they should: logging out, a password changed or reset, disabling, a new role
end EVERY session of the account, a copied cookie included; a session idle too long ends too. A
password an administrator chose is replaced by its owner before anything else. And the login's
limits count each attempt before its password is checked, so parallel guesses cannot slip past."""
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import sqlalchemy as sa

from conftest import PASSWORD
from pages_support import Pages, field_errors, text
from pipeline.accounts import operations, views
from pipeline.accounts.models import AccountChange, User
from pipeline.extensions import db

NEW_PASSWORD = "mot mat khau rat dai"


def browser(app, username=None, password=PASSWORD):
    pages = Pages(app.test_client())
    if username:
        response = pages.login(username, password)
        assert response.status_code == 200, text(response)
    return pages


def copy_of(app, pages):
    """Another browser holding a copy of `pages`' session cookie (stolen, or a second tab)."""
    other = Pages(app.test_client())
    other.client.set_cookie("session", pages.client.get_cookie("session").value)
    return other


def logged_in(pages):
    return pages.get("/candidates/").status_code == 200


def actions(username):
    db.session.expire_all()
    return [c.action for c in db.session.execute(
        sa.select(AccountChange).join(AccountChange.user).where(User.username == username)
        .order_by(AccountChange.id)).scalars()]


def account(username):
    db.session.expire_all()
    return db.session.execute(sa.select(User).filter_by(username=username)).scalar_one()


# --- every session of the account ends -----------------------------------------------------------

def test_a_copied_cookie_stops_working_after_logout(app, world):
    owner = browser(app, "sec_a1")
    thief = copy_of(app, owner)
    assert logged_in(thief)
    other_device = browser(app, "sec_a1")
    owner.post("/logout")
    assert not logged_in(thief)
    assert not logged_in(other_device)  # logging out ends every session of the account
    response = thief.get("/candidates/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert logged_in(browser(app, "sec_a1"))  # logging in again works


def test_a_password_reset_ends_every_session_even_after_enabling_again(app, world):
    owner = browser(app, "sec_a1")
    copied = copy_of(app, owner)
    admin = browser(app, "admin")
    target = world["sec_a1"].id
    admin.post(f"/admin/users/{target}/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert not logged_in(owner) and not logged_in(copied)

    owner = browser(app, "sec_a1", NEW_PASSWORD)
    copied = copy_of(app, owner)
    admin.post(f"/admin/users/{target}/disable", data={"reason": "Chuyển công tác"})
    admin.post(f"/admin/users/{target}/enable", data={"reason": "Trở lại"})
    assert account("sec_a1").active
    # The cookies of before the disabling do not come back with the account.
    assert owner.get("/account/password").status_code == 302
    assert copied.get("/account/password").status_code == 302


def test_a_new_role_or_unit_ends_the_sessions_but_a_new_name_does_not(app, world):
    owner = browser(app, "sec_a2")
    admin = browser(app, "admin")
    target = world["sec_a2"]
    admin.post(f"/admin/users/{target.id}", data={"display_name": "Tên Mới", "role": "secretary",
                                                  "unit_id": world.branch_a2.id})
    assert logged_in(owner)
    admin.post(f"/admin/users/{target.id}", data={"display_name": "Tên Mới", "role": "committee",
                                                  "unit_id": world.commune_a.id})
    assert not logged_in(owner)


def test_sessions_with_the_old_id_format_are_refused(app, world):
    pages = Pages(app.test_client())
    with pages.client.session_transaction() as session:
        session["_user_id"] = str(world["sec_a1"].id)  # before generations: "<id>" alone
        session["_fresh"] = True
    assert not logged_in(pages)


# --- idle sessions ---------------------------------------------------------------------------------

def test_an_idle_session_ends_with_a_message(app, world):
    pages = browser(app, "sec_a1")
    with pages.client.session_transaction() as session:
        session["seen_at"] -= 29 * 60
    assert logged_in(pages)  # 29 minutes: still there, and the clock starts again
    with pages.client.session_transaction() as session:
        session["seen_at"] -= 31 * 60
    response = pages.get("/candidates/?lang=en")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    page = pages.get(response.headers["Location"])
    assert "You were logged out after 30 minutes without activity. Please log in again." in text(page)
    assert not logged_in(pages)


def test_the_idle_limit_comes_from_the_configuration(app, world):
    app.config["SESSION_IDLE_MINUTES"] = 5
    pages = browser(app, "sec_a1")
    with pages.client.session_transaction() as session:
        session["seen_at"] -= 6 * 60
    assert not logged_in(pages)


# --- one's own password ------------------------------------------------------------------------------

def test_the_user_menu_leads_to_the_own_password_page(app, world):
    pages = browser(app, "com_a")
    assert 'href="/account"' in pages.get("/").get_data(as_text=True)
    assert 'href="/account/password"' in pages.get("/account").get_data(as_text=True)


def test_changing_ones_own_password(app, world):
    pages = browser(app, "sec_a1")
    elsewhere = browser(app, "sec_a1")
    before = actions("sec_a1")
    cases = [({"old_password": "wrong", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
              "old_password", "This is not your current password."),
             ({"old_password": PASSWORD, "password": "short", "confirm": "short"},
              "password", "at least 10 characters"),
             ({"old_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"},
              "confirm", "The two passwords differ."),
             ({"old_password": PASSWORD, "password": "SEC_A1", "confirm": "SEC_A1"},
              "password", "The password cannot be the username."),
             ({"old_password": "demo-pass1", "password": "demo-pass1", "confirm": "demo-pass1"},
              "old_password", "This is not your current password.")]
    for data, field, message in cases:
        response = pages.post("/account/password?lang=en", data=data)
        assert response.status_code == 422, data
        assert message in field_errors(response, field), (data, field_errors(response, field))
    assert account("sec_a1").check_password(PASSWORD) and actions("sec_a1") == before

    response = pages.post("/account/password", follow_redirects=True,
                          data={"old_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.request.path == "/account"
    assert "Your password was changed. Your other sessions have ended." in text(response)
    assert logged_in(pages) and not logged_in(elsewhere)
    assert actions("sec_a1") == before + ["password_changed"]
    assert NEW_PASSWORD not in str(db.session.execute(sa.select(AccountChange)).all())
    pages.post("/logout")
    assert browser(app).login("sec_a1").status_code == 422
    assert logged_in(browser(app, "sec_a1", NEW_PASSWORD))


def test_the_new_password_must_differ_from_the_old(app, world):
    app.config["PASSWORD_MIN_LENGTH"] = 6
    pages = browser(app, "sec_a1")
    response = pages.post("/account/password?lang=en",
                          data={"old_password": PASSWORD, "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 422
    assert "Choose a password different from the current one." in field_errors(response, "password")


def test_an_account_made_by_an_administrator_changes_its_password_first(app, world):
    admin = browser(app, "admin")
    response = admin.post("/admin/users/new", data={
        "username": "ly.thi.moi", "display_name": "Lý Thị Mới", "role": "secretary", "unit_id": world.branch_a2.id,
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert "Must change the password" in text(admin.get(response.headers["Location"]))
    newcomer = browser(app, "ly.thi.moi", NEW_PASSWORD)
    # Every page leads to the password page until it is done; logging out still works.
    for path in ("/", "/candidates/", "/account", "/account/two-factor", "/admin/users/"):
        response = newcomer.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/password", path
    page = newcomer.get("/account/password?lang=en")
    assert "Your password was set by an administrator: choose your own before going on." in text(page)
    assert newcomer.post("/account/password", data={
        "old_password": NEW_PASSWORD, "password": "my own long secret", "confirm": "my own long secret"
    }).status_code == 302
    assert logged_in(newcomer)
    assert not account("ly.thi.moi").must_change_password
    assert actions("ly.thi.moi")[-2:] == ["created", "password_changed"]


def test_a_reset_password_must_be_changed_at_the_next_login(app, world):
    admin = browser(app, "admin")
    before = actions("sec_a1")
    admin.post(f"/admin/users/{world['sec_a1'].id}/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert account("sec_a1").must_change_password
    owner = browser(app, "sec_a1", NEW_PASSWORD)
    assert owner.get("/candidates/").headers["Location"] == "/account/password"
    assert actions("sec_a1") == before + ["password_reset"]


def test_accounts_from_the_command_line_and_the_demo_are_not_flagged(app, demo):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.must_change_password)) == 0
    unit = account("admin").unit
    made = operations.create_user(None, "tu.dong.lenh", "Từ Dòng Lệnh", "admin", unit, NEW_PASSWORD)
    assert not account(made.username).must_change_password


# --- the login's limits under parallel attempts ---------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post_login(base, username, password):
    body = urllib.parse.urlencode({"username": username, "password": password}).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(base + "/login", data=body, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code


def together(count, submit):
    barrier = threading.Barrier(count)
    statuses = [None] * count

    def run(i):
        barrier.wait(timeout=30)
        statuses[i] = submit(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return statuses


@pytest.fixture
def checks(monkeypatch):
    """Counts the password checks (an unknown username's dummy check too), each made slow enough
    for parallel attempts to overlap (the time a real scrypt takes)."""
    made = []
    lock = threading.Lock()
    check, burn = User.check_password, views._burn_password_check

    def slow(password):
        with lock:
            made.append(password)
        time.sleep(0.2)

    def slow_check(user, password):
        slow(password)
        return check(user, password)

    def slow_burn(password):
        slow(password)
        burn(password)

    monkeypatch.setattr(User, "check_password", slow_check)
    monkeypatch.setattr(views, "_burn_password_check", slow_burn)
    return made


@pytest.mark.real_database
def test_parallel_wrong_passwords_get_at_most_the_limit_of_checks(app, world, server, checks):
    statuses = together(30, lambda i: post_login(server, "sec_a1", f"wrong {i}"))
    assert len(checks) <= 5, f"{len(checks)} passwords checked past a limit of 5"
    assert statuses.count(422) == len(checks) and statuses.count(429) == 30 - len(checks)
    # The right password now waits for the window too.
    assert post_login(server, "sec_a1", PASSWORD) == 429


@pytest.mark.real_database
def test_parallel_guesses_from_one_address_over_many_accounts_are_limited(app, world, server, checks):
    statuses = together(30, lambda i: post_login(server, f"nobody{i}", "wrong"))
    assert len(checks) <= 10  # LOGIN_LIMITS_PER_ADDRESS: 10 per minute
    assert statuses.count(422) == len(checks) and statuses.count(429) == 30 - len(checks)


@pytest.mark.real_database
def test_an_office_logs_in_all_day_from_one_address(app, world, server, checks):
    """Successful logins give their count back: far more than the limits, in parallel too."""
    app.config["LOGIN_LIMITS_PER_ADDRESS"] = "10 per minute"
    for _round in range(3):
        statuses = together(5, lambda i: post_login(server, ("sec_a1", "sec_a2", "sec_b1", "com_a", "com_b")[i],
                                                    PASSWORD))
        assert statuses == [302] * 5
    assert post_login(server, "sec_a1", "wrong") == 422
