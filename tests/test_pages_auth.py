"""Logging in and out, and the layout every page shares."""
import re

from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.extensions import db


def test_login_shows_who_is_logged_in(pages, world):
    response = pages.login("sec_a1")
    assert response.status_code == 200
    assert response.request.path == "/"  # the home page: the deadlines falling due
    who = section(response, "who")
    assert "SEC_A1" in who and "Branch secretary" in who and "Chi bộ thôn A1" in who
    assert "Welcome, SEC_A1." in text(response)


def test_wrong_credentials_are_refused_with_a_clear_message(pages, world):
    for username, password, message in [("sec_a1", "wrong", "Wrong username or password."),
                                        ("nobody", "demo-pass", "Wrong username or password."),
                                        ("sec_a1", "", "This field is required.")]:
        response = pages.login(username, password)
        assert response.status_code == 422
        assert message in text(response), (username, password)
        # Still logged out: the list sends back to the login page.
        assert pages.get("/candidates/").status_code == 302


def test_a_disabled_account_cannot_log_in(pages, world):
    world["sec_a1"].active = False
    db.session.commit()
    response = pages.login("sec_a1")
    assert response.status_code == 422
    assert "This account is disabled" in text(response)
    # Without the right password nothing tells that the account exists.
    assert "Wrong username or password." in text(pages.login("sec_a1", "wrong"))


def test_disabling_an_account_ends_its_open_session(pages, world):
    pages.login("sec_a1")
    assert pages.get("/candidates/").status_code == 200
    world["sec_a1"].active = False
    db.session.commit()
    response = pages.get("/candidates/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_pages_need_a_login_and_come_back_after_it(pages, world, make_case):
    case = make_case()
    response = pages.get(f"/candidates/{case.id}?lang=en")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    login_page = pages.get(response.headers["Location"])
    assert "Please log in to see this page." in text(login_page)
    response = pages.post(response.headers["Location"], data={"username": "sec_a1", "password": "demo-pass"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/candidates/{case.id}")


def test_next_never_leads_off_the_site(pages, world):
    for target in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                   "evil.example", "/\n//evil.example"]:
        response = pages.post("/login", query_string={"next": target},
                              data={"username": "sec_a1", "password": "demo-pass"})
        assert response.status_code == 302, target
        assert response.headers["Location"] == "/", target


def test_logout_is_a_post_and_ends_the_session(pages, world):
    pages.login("sec_a1")
    assert pages.get("/logout").status_code == 405
    assert pages.get("/candidates/").status_code == 200
    response = pages.post("/logout", follow_redirects=True)
    assert response.request.path == "/login"
    assert "You have logged out." in text(response)
    assert pages.get("/candidates/").status_code == 302


def test_layout_is_made_for_phones_and_works_offline(pages, world):
    page = pages.login("sec_a1").get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert 'class="navbar-toggler"' in page
    # Everything comes from this site: no CDN, no inline script (a CSP will forbid them).
    for src in re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', page):
        assert src.startswith("/"), src
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert " style=" not in page
    for path, marker in [("/static/vendor/bootstrap/bootstrap.min.css", "Bootstrap  v5.3"),
                         ("/static/vendor/bootstrap/bootstrap.bundle.min.js", "Bootstrap v5.3"),
                         ("/static/vendor/htmx/htmx.min.js", 'version:"2.'),
                         ("/static/app.css", "table-stack"), ("/static/app.js", "submit")]:
        response = pages.get(path)
        assert response.status_code == 200, path
        assert marker in response.get_data(as_text=True), path
        response.close()


def test_language_switch(pages, world):
    pages.login("sec_a1")
    assert '<html lang="en">' in pages.get("/candidates/").get_data(as_text=True)
    page = pages.get("/candidates/?lang=vi").get_data(as_text=True)
    assert '<html lang="vi">' in page
    # The switch keeps the page and its filters.
    switch = pages.get("/candidates/?stage=training").get_data(as_text=True)
    assert 'name="next" value="/candidates/?stage=training"' in switch and 'name="lang" value="en"' in switch
    response = pages.post("/language", data={"lang": "en", "next": "/candidates/?stage=training"})
    assert response.headers["Location"] == "/candidates/?stage=training"
    pages.post("/language", data={"lang": "vi", "next": "/candidates/"})
    # The choice sticks for the next pages.
    assert '<html lang="vi">' in pages.get("/candidates/").get_data(as_text=True)


def test_error_pages_use_the_layout(pages, world):
    pages.login("sec_a1")
    response = pages.get("/candidates/999999")
    assert response.status_code == 404
    page = text(response)
    assert "Not found" in page and "outside your unit" in page
    assert "Back to the candidates" in page


def test_every_form_carries_a_csrf_token_and_posts_without_one_are_refused(app, pages, world, make_case):
    """The suite runs with CSRF off; here it is on, as in production."""
    case_id = make_case().id
    app.config["WTF_CSRF_ENABLED"] = True
    token = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')

    assert pages.post("/login", data={"username": "sec_a1", "password": "demo-pass"}).status_code == 400
    login_token = token.search(pages.get("/login?lang=en").get_data(as_text=True)).group(1)
    response = pages.post("/login", data={"username": "sec_a1", "password": "demo-pass", "csrf_token": login_token})
    assert response.status_code == 302

    form = pages.get(f"/candidates/{case_id}/act/enrol_training").get_data(as_text=True)
    data = {"effective_date": "2021-09-01", "class_id": str(world.training_class.id), "version": "1"}
    refused = pages.post(f"/candidates/{case_id}/act/enrol_training", data=data)
    assert refused.status_code == 400 and "Bad request" in text(refused)
    assert pages.post(f"/candidates/{case_id}/act/enrol_training",
                      data=dict(data, csrf_token=token.search(form).group(1))).status_code == 302

    new_form = pages.get("/candidates/new").get_data(as_text=True)
    assert token.search(new_form)
    assert pages.post("/logout").status_code == 400  # another site cannot log the user out
    page = pages.get("/candidates/").get_data(as_text=True)
    assert pages.post("/logout", data={"csrf_token": token.search(page).group(1)}).status_code == 302
