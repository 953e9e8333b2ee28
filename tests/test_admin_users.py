"""The account pages (/admin/users): an administrator lists, creates and changes the accounts of
their subtree, resets passwords, disables and enables accounts; every change is kept in the
account's history, and nothing is ever deleted."""
import re

import pytest
import sqlalchemy as sa

from conftest import own_transaction, PASSWORD, password_hash
from pages_support import field_errors, pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.accounts.models import AccountChange, User
from pipeline.extensions import db

NEW_PASSWORD = "mot mat khau dai"


def user(username):
    db.session.expire_all()
    return db.session.execute(sa.select(User).filter_by(username=username)).scalar_one_or_none()


def history(username):
    """The account's changes since the test world made it (the world's own "created" row, with
    no actor, is left out)."""
    db.session.expire_all()
    return [(c.action, c.actor.username if c.actor else None, c.changes, c.reason) for c in db.session.execute(
        sa.select(AccountChange).join(AccountChange.user).where(User.username == username)
        .order_by(AccountChange.id)).scalars() if not (c.action == "created" and c.actor is None)]


def listed(response):
    return re.findall(r'<tr data-username="([^"]+)"', response.get_data(as_text=True))


def new_account(world, **changes):
    return {"username": "ly.thi.moi", "display_name": "Lý Thị Mới", "role": "secretary",
            "unit_id": world.branch_a2.id, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD} | changes


@pytest.fixture
def commune_admin(world):
    """An administrator of commune A only."""
    admin = User(username="admin_a", display_name="ADMIN_A", role="admin", unit=world.commune_a,
                 password_hash=password_hash())
    db.session.add(admin)
    db.session.commit()
    return admin


# --- who sees what -----------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["sec_a1", "com_a", "board"])
def test_other_roles_do_not_find_the_pages(pages, world, username):
    pages.login(username)
    assert pages.get("/admin/users/").status_code == 404
    assert pages.get(f"/admin/users/{world[username].id}").status_code == 404
    assert 'href="/admin/users/"' not in pages.get("/").get_data(as_text=True)


def test_the_list_shows_the_accounts_of_the_subtree_with_filters_and_pages(pages, world, commune_admin):
    world["sec_b1"].active = False
    db.session.commit()
    pages.login("admin")
    page = pages.get("/admin/users/")
    assert 'href="/admin/users/"' in pages.get("/").get_data(as_text=True)  # the menu
    assert listed(page) == sorted(["admin", "admin_a", "board", "com_a", "com_b", "sec_a1", "sec_a2", "sec_b1"])
    assert listed(pages.get("/admin/users/?role=secretary")) == ["sec_a1", "sec_a2", "sec_b1"]
    assert listed(pages.get(f"/admin/users/?unit={world.commune_a.id}")) == ["admin_a", "com_a", "sec_a1", "sec_a2"]
    assert listed(pages.get("/admin/users/?status=disabled")) == ["sec_b1"]
    assert "sec_b1" not in listed(pages.get("/admin/users/?status=active"))
    assert listed(pages.get("/admin/users/?q=SEC_A")) == ["sec_a1", "sec_a2"]
    first = pages.get("/admin/users/?per_page=3")
    assert listed(first) == ["admin", "admin_a", "board"] and "page 1 of 3" in text(first)
    assert listed(pages.get("/admin/users/?per_page=3&page=3")) == ["sec_a2", "sec_b1"]

    pages.post("/logout")
    pages.login("admin_a")
    assert listed(pages.get("/admin/users/")) == ["admin_a", "com_a", "sec_a1", "sec_a2"]
    assert listed(pages.get(f"/admin/users/?unit={world.commune_b.id}")) == listed(pages.get("/admin/users/"))
    assert pages.get(f"/admin/users/{world['sec_b1'].id}").status_code == 404
    assert pages.get(f"/admin/users/{world['admin'].id}").status_code == 404  # above, not below


# --- creating ----------------------------------------------------------------------------------

def test_an_administrator_creates_an_account_that_can_log_in(pages, world):
    pages.login("admin")
    response = pages.post("/admin/users/new", data=new_account(world), follow_redirects=True)
    assert response.status_code == 200
    assert "Account created: ly.thi.moi." in text(response)
    created = user("ly.thi.moi")
    assert (created.display_name, created.role, created.unit_id, created.active) == (
        "Lý Thị Mới", "secretary", world.branch_a2.id, True)
    # The whole initial state: the account's chain of changes replays to it (audit verify).
    assert history("ly.thi.moi") == [("created", "admin", {"display_name": [None, "Lý Thị Mới"],
                                                            "role": [None, "secretary"],
                                                            "unit_id": [None, world.branch_a2.id],
                                                            "active": [None, True]}, "")]
    assert "Account created" in section(response, "history") and "Chi bộ trường A2" in section(response, "history")

    pages.post("/logout")
    response = pages.login("ly.thi.moi", NEW_PASSWORD)
    assert "Lý Thị Mới" in section(response, "who")


def test_a_refused_account_keeps_what_was_typed_and_writes_nothing(pages, world):
    pages.login("admin")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    cases = [
        (dict(username="sec_a1"), "username", "This username is taken"),
        (dict(username="Ly Thi"), "username", "lowercase letters without accents"),
        (dict(password="short", confirm="short"), "password", "at least 10 characters"),
        (dict(confirm="something else"), "confirm", "The two passwords differ."),
        (dict(username="ly.thi.moi.x", password="ly.thi.moi.x", confirm="ly.thi.moi.x"), "password",
         "The password cannot be the username."),
        (dict(unit_id=world.commune_a.id), "unit_id", "A branch secretary belongs to a branch"),
        (dict(unit_id=0), "unit_id", "Choose the unit."),
        (dict(role="superuser"), "role", "Not a valid choice"),
        (dict(display_name=""), "display_name", "This field is required."),
    ]
    for changes, field, message in cases:
        response = pages.post("/admin/users/new?lang=en", data=new_account(world, **changes))
        assert response.status_code == 422, changes
        assert message in field_errors(response, field), (changes, field_errors(response, field))
        page = response.get_data(as_text=True)
        if "display_name" not in changes:
            assert 'value="Lý Thị Mới"' in page
        assert NEW_PASSWORD not in page  # a password is never sent back
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountChange)) == len(world.users)  # the world's


def test_a_commune_administrator_creates_accounts_in_the_commune_only(pages, world, commune_admin):
    pages.login("admin_a")
    form = pages.get("/admin/users/new").get_data(as_text=True)
    assert "Chi bộ thôn A1" in form and "Chi bộ khối phố B1" not in form and "Đảng bộ thị xã Thử" not in form
    response = pages.post("/admin/users/new", data=new_account(world, unit_id=world.branch_b1.id))
    assert response.status_code == 422 and "Not a valid choice." in field_errors(response, "unit_id")
    assert user("ly.thi.moi") is None


# --- changing ----------------------------------------------------------------------------------

def test_changing_name_role_and_unit_is_kept_in_the_history(pages, world):
    pages.login("admin")
    target = world["sec_a2"]
    response = pages.post(f"/admin/users/{target.id}", follow_redirects=True, data={
        "display_name": "Bí thư A2", "role": "committee", "unit_id": world.commune_a.id})
    assert "Saved: sec_a2." in text(response)
    assert history("sec_a2") == [("updated", "admin", {"display_name": ["SEC_A2", "Bí thư A2"],
                                                        "role": ["secretary", "committee"],
                                                        "unit_id": [world.branch_a2.id, world.commune_a.id]}, "")]
    shown = section(response, "history")
    assert "SEC_A2 → Bí thư A2" in shown and "Branch secretary → Grassroots committee" in shown
    assert "Chi bộ trường A2 → Đảng bộ xã A" in shown
    unchanged = pages.post(f"/admin/users/{target.id}", follow_redirects=True, data={
        "display_name": "Bí thư A2", "role": "committee", "unit_id": world.commune_a.id})
    assert "Nothing was changed." in text(unchanged) and len(history("sec_a2")) == 1


def test_an_administrator_cannot_take_away_their_own_role_or_account(pages, world):
    pages.login("admin")
    me = world["admin"]
    response = pages.post(f"/admin/users/{me.id}", data={"display_name": "Quản trị", "role": "board",
                                                         "unit_id": world.town.id})
    assert response.status_code == 422
    assert "You cannot change your own role or unit" in field_errors(response, "role")
    assert 'value="Quản trị"' in response.get_data(as_text=True)
    page = pages.get(f"/admin/users/{me.id}")
    assert "You cannot disable your own account." in text(page) and 'id="status-form"' not in page.get_data(
        as_text=True)
    response = pages.post(f"/admin/users/{me.id}/disable", data={"reason": "by mistake"})
    assert response.status_code == 422 and user("admin").active and history("admin") == []
    # The name alone may change.
    assert pages.post(f"/admin/users/{me.id}", data={"display_name": "Quản trị", "role": "admin",
                                                     "unit_id": world.town.id}).status_code == 302
    assert user("admin").display_name == "Quản trị"


# --- passwords ---------------------------------------------------------------------------------

def test_resetting_a_password(pages, world):
    pages.login("admin")
    target = world["sec_a1"]
    old_hash = target.password_hash
    refused = pages.post(f"/admin/users/{target.id}/password", data={"password": "short", "confirm": "short"})
    assert refused.status_code == 422 and "at least 10 characters" in field_errors(refused, "password")
    response = pages.post(f"/admin/users/{target.id}/password", follow_redirects=True,
                          data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert "The password of sec_a1 was reset." in text(response)
    assert NEW_PASSWORD not in response.get_data(as_text=True)
    assert old_hash not in response.get_data(as_text=True) and user("sec_a1").password_hash not in (
        response.get_data(as_text=True))
    assert history("sec_a1") == [("password_reset", "admin", {}, "")]
    pages.post("/logout")
    assert pages.login("sec_a1").request.path == "/login"  # the old password no longer works
    # A password an administrator chose is changed by its owner before anything else.
    assert pages.login("sec_a1", NEW_PASSWORD).request.path == "/account/password"


# --- disabling ---------------------------------------------------------------------------------

def test_a_disabled_account_loses_its_session_and_keeps_its_history(app, world, make_case):
    from pages_support import Pages
    case = make_case("training")  # sec_a1 recorded the acts of this case
    owner, admin = Pages(app.test_client()), Pages(app.test_client())
    owner.login("sec_a1")
    assert owner.get("/candidates/").status_code == 200
    admin.login("admin")
    target = world["sec_a1"]

    refused = admin.post(f"/admin/users/{target.id}/disable", data={"reason": ""})
    assert refused.status_code == 422 and "This field is required." in field_errors(refused, "reason")
    response = admin.post(f"/admin/users/{target.id}/disable", data={"reason": "Chuyển công tác"},
                          follow_redirects=True)
    assert "Account disabled: sec_a1 can no longer log in. Its history is kept." in text(response)
    assert "Disabled" in section(response, "status")
    assert history("sec_a1") == [("disabled", "admin", {}, "Chuyển công tác")]

    # The open session ends at its next request; logging in again is refused.
    assert owner.get("/candidates/").status_code == 302
    assert "This account is disabled" in text(owner.login("sec_a1"))
    # Nothing the account recorded is lost: the case still names it.
    assert "SEC_A1" in text(admin.get(f"/candidates/{case.id}"))
    assert "SEC_A1" in text(admin.get("/admin/users/?status=disabled"))

    response = admin.post(f"/admin/users/{target.id}/enable", data={"reason": "Trở lại"}, follow_redirects=True)
    assert "Account enabled: sec_a1 can log in again." in text(response)
    assert [row[0] for row in history("sec_a1")] == ["disabled", "enabled"]
    assert owner.login("sec_a1").request.path == "/"


def test_accounts_are_never_deleted_and_their_history_cannot_be_rewritten(app, pages, world):
    assert not [rule for rule in app.url_map.iter_rules()
                if rule.endpoint.startswith("users.") and ("DELETE" in rule.methods or "delete" in rule.rule)]
    pages.login("admin")
    pages.post(f"/admin/users/{world['sec_a1'].id}/disable", data={"reason": "Nghỉ hưu"})
    for statement in ("UPDATE account_change SET reason = 'x'", "DELETE FROM account_change"):
        with pytest.raises(sa.exc.DatabaseError):
            with own_transaction() as connection:
                connection.execute(sa.text(statement))
    assert history("sec_a1")[0][3] == "Nghỉ hưu"


def test_the_pages_need_the_csrf_token(app, pages, world):
    app.config["WTF_CSRF_ENABLED"] = True
    token = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
    login_page = pages.get("/login").get_data(as_text=True)
    pages.post("/login", data={"username": "admin", "password": PASSWORD,
                               "csrf_token": token.search(login_page).group(1)})
    form = pages.get("/admin/users/new").get_data(as_text=True)
    assert pages.post("/admin/users/new", data=new_account(world)).status_code == 400
    assert pages.post("/admin/users/new", data=new_account(world, csrf_token=token.search(form).group(1))
                      ).status_code == 302
