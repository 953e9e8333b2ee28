"""Vietnamese by default; English on request with ?lang=, remembered for the session and on the
user's account, so it follows them to another device."""
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


def test_a_choice_made_while_logged_in_follows_the_user_to_another_device(app, pages, world):
    log_in(pages, "sec_a1")
    response = pages.get("/candidates/?lang=en")
    assert page_language(response) == "en" and "Log out" in response.get_data(as_text=True)
    assert page_language(pages.get("/candidates/")) == "en"  # the next page without ?lang=
    other_device = type(pages)(app.test_client())
    response = log_in(other_device, "sec_a1")
    assert page_language(response) == "en" and "Welcome" in response.get_data(as_text=True)
    other_device.get("/?lang=vi")
    assert db.session.get(User, world["sec_a1"].id).language == "vi"


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
