"""Vietnamese by default; English on request: `?lang=` for the session, the switch in the bar (a
POST) for the session and on the user's account, so that it follows them to another device. A
page view never writes the account."""
import re

from conftest import PASSWORD
from pages_support import pages  # noqa: F401  (pages is a fixture)
from pipeline.accounts.models import User
from pipeline.extensions import db


def page_language(response):
    return re.search(r'<html lang="(\w+)"', response.get_data(as_text=True)).group(1)


def log_in(pages, username, query=""):
    return pages.post("/login" + query, data={"username": username, "password": PASSWORD}, follow_redirects=True)


def test_vietnamese_unless_asked_otherwise(pages, world):
    response = pages.get("/login")
    assert page_language(response) == "vi" and "Đăng nhập" in response.get_data(as_text=True)
    response = log_in(pages, "sec_a1")
    assert page_language(response) == "vi" and "Đăng xuất" in response.get_data(as_text=True)
    assert db.session.get(User, world["sec_a1"].id).language is None


def choose(pages, code, next_page="/candidates/"):
    """What the switch in the bar posts."""
    return pages.post("/language", data={"lang": code, "next": next_page}, follow_redirects=True)


def test_a_choice_made_while_logged_in_follows_the_user_to_another_device(app, pages, world):
    log_in(pages, "sec_a1")
    response = choose(pages, "en")
    assert page_language(response) == "en" and "Log out" in response.get_data(as_text=True)
    assert page_language(pages.get("/candidates/")) == "en"  # the next page
    other_device = type(pages)(app.test_client())
    response = log_in(other_device, "sec_a1")
    assert page_language(response) == "en" and "Welcome" in response.get_data(as_text=True)
    choose(other_device, "vi", "/")
    assert db.session.get(User, world["sec_a1"].id).language == "vi"


def test_a_language_in_the_address_is_for_this_device_and_writes_nothing(pages, world, count_statements):
    log_in(pages, "sec_a1")
    with count_statements() as seen:
        response = pages.get("/candidates/?lang=en")
    assert page_language(response) == "en" and page_language(pages.get("/candidates/")) == "en"
    assert db.session.get(User, world["sec_a1"].id).language is None
    assert seen.count > 0  # the page read the database…
    with count_statements() as seen:
        pages.get("/?lang=vi")
    assert db.session.get(User, world["sec_a1"].id).language is None  # …and wrote nothing on it


def test_the_language_chosen_before_logging_in_becomes_the_users(pages, world):
    response = log_in(pages, "sec_a1", "?lang=en")
    assert page_language(response) == "en"
    assert db.session.get(User, world["sec_a1"].id).language == "en"


def test_on_a_shared_computer_each_account_gets_its_own_language(pages, world):
    log_in(pages, "sec_a1", "?lang=en")
    pages.post("/logout")
    world["sec_a2"].language = "vi"
    db.session.commit()
    response = log_in(pages, "sec_a2")
    assert page_language(response) == "vi" and "Đăng xuất" in response.get_data(as_text=True)


def test_an_unknown_language_is_ignored(pages, world):
    log_in(pages, "sec_a1")
    response = pages.get("/candidates/?lang=xx")
    assert response.status_code == 200 and page_language(response) == "vi"
    assert db.session.get(User, world["sec_a1"].id).language is None
