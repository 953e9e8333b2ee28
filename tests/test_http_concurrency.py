"""Twenty browsers acting on the same cases at once, through HTTP: the app is served by a real
threaded server, each client has its own session cookie, and every client has loaded its form
before a barrier releases all the submissions together. Exactly one act is recorded per case;
every other client is told, in Vietnamese, that the case changed and to reload; nobody gets a
500. PostgreSQL only: SQLite has no row locks and serialises writers on the whole file.

CSRF is off (the `app` fixture's test config); the login limits (pipeline/accounts/limits.py)
count refused logins only, so twenty successful logins from 127.0.0.1 are not limited."""
import html
import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import func, select

from conftest import PASSWORD
from pipeline.extensions import db
from pipeline.workflow.models import LogEntry
from pipeline.workflow.log import verify_chain
from pipeline.base.errors import CASE_CHANGED
from pipeline.workflow.log import load_log

pytestmark = pytest.mark.postgres_only

CLIENTS = 20
TIMEOUT = 60  # seconds: a client stuck on a lock fails the test instead of hanging it


def vietnamese(message, **values):
    """What a user reads: the default language's text of a message."""
    with force_locale("vi"):
        return gettext(message, **values) if isinstance(message, str) else str(message)


class Browser:
    """One user's browser: its own cookie jar; redirects are reported, then followed by hand so
    that the status of the submission itself is seen."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._NoRedirect)

    def request(self, path, data=None):
        """(status, location, page text) for a GET, or a POST of `data` (pairs, repeats allowed)."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=TIMEOUT) as response:
                return response.status, None, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location"), error.read().decode(errors="replace")

    def login(self, username):
        status, _location, page = self.request("/login", [("username", username), ("password", PASSWORD)])
        assert status == 302, f"login of {username} answered {status}: {text(page)[:300]}"

    def submit(self, path, data):
        """POST, then read the page the redirect leads to (where the flashed message is)."""
        status, location, page = self.request(path, data)
        if status == 302:
            _status, _location, page = self.request(urllib.parse.urlsplit(location).path)
        return status, text(page)


def text(page):
    return " ".join(html.unescape(page).split())


def version_on(page):
    match = re.search(r'<input[^>]*name="version"[^>]*value="(\d+)"', page)
    assert match, "the act form carries no version"
    return match.group(1)


def together(submissions):
    """Run each submission (a function of no argument) in its own thread, released at once by a
    barrier; returns their results in order."""
    db.session.rollback()  # the test's own session holds no lock while the clients act
    barrier = threading.Barrier(len(submissions))
    results = [None] * len(submissions)

    def run(i, submit):
        try:
            barrier.wait(timeout=TIMEOUT)
            results[i] = submit()
        except Exception as error:  # reported by the assertions, with its type
            results[i] = (f"{type(error).__name__}: {error}", "")

    threads = [threading.Thread(target=run, args=(i, submit)) for i, submit in enumerate(submissions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a client is stuck waiting"
    db.session.expire_all()
    return results


def rows_of(case_id, event):
    return db.session.scalar(select(func.count()).select_from(LogEntry)
                             .where(LogEntry.case_id == case_id, LogEntry.act == event))


def browsers(server, usernames):
    """Logged-in browsers, one per username, logged in one after the other before any race."""
    found = []
    for username in usernames:
        browser = Browser(server)
        browser.login(username)
        found.append(browser)
    return found


def test_twenty_clients_acting_on_one_case_record_one_act(app, world, make_case, server):
    case = make_case("spotted")
    users = ["sec_a1", "com_a"] * (CLIENTS // 2)
    clients = browsers(server, users)
    # Half send the case to the class, half record that the candidate withdrew: from the same
    # page version, only one of all these acts can stand.
    forms = []
    for i, browser in enumerate(clients):
        act_name = "enrol_training" if i % 4 < 2 else "withdraw"
        path = f"/candidates/{case.id}/act/{act_name}"
        status, _location, page = browser.request(path)
        assert status == 200, (status, text(page)[:300])
        data = [("effective_date", "2021-09-01"), ("version", version_on(page))]
        data += ([("class_id", world.training_class.id)] if act_name == "enrol_training"
                 else [("reason", "Quần chúng xin rút khỏi danh sách"), ("confirmed", "y")])
        forms.append((browser, path, data))
    log_before = db.session.scalar(select(func.count()).select_from(LogEntry))

    results = together([lambda b=b, p=p, d=d: b.submit(p, d) for b, p, d in forms])

    assert all(isinstance(status, int) and status < 500 for status, _page in results), results
    assert all(status == 302 for status, _page in results), [s for s, _ in results]
    changed = vietnamese(CASE_CHANGED)
    assert "đã thay đổi" in changed and "vui lòng tải lại" in changed
    told_changed = [page for _status, page in results if changed in page]
    assert len(told_changed) == CLIENTS - 1, [page[:200] for _s, page in results if changed not in page]
    assert db.session.scalar(select(func.count()).select_from(LogEntry)) == log_before + 1
    events = load_log(case.id)
    assert events[-1].act in ("enrol_training", "withdraw") and verify_chain(events) is None


def test_a_ceremony_day_overlapping_single_ceremonies_records_one_per_case(app, world, make_case, server):
    cases = [make_case("ceremony", full_name=f"Lê Văn {name}") for name in ("An", "Bình", "Cường", "Dũng")]
    bulk_clients = 4
    singles_per_case = (CLIENTS - bulk_clients) // len(cases)
    clients = browsers(server, ["sec_a1", "com_a"] * (CLIENTS // 2))
    submissions = []
    for browser in clients[:bulk_clients]:
        path = f"/ceremony-day/{world.branch_a1.id}"
        data = [("effective_date", "2022-02-10"), ("place", "Hội trường thôn"), ("confirmed", "y")]
        data += [("case_ids", case.id) for case in cases]
        submissions.append(("bulk", None, browser, path, data))
    for i, browser in enumerate(clients[bulk_clients:]):
        case = cases[i // singles_per_case]
        path = f"/candidates/{case.id}/act/hold_ceremony"
        status, _location, page = browser.request(path)
        assert status == 200, (status, text(page)[:300])
        data = [("effective_date", "2022-02-10"), ("place", "Nhà văn hóa thôn"), ("confirmed", "y"),
                ("version", version_on(page))]
        submissions.append(("single", case, browser, path, data))

    results = together([lambda b=b, p=p, d=d: b.submit(p, d) for _kind, _case, b, p, d in submissions])

    assert all(isinstance(status, int) and status < 500 for status, _page in results), results
    for case in cases:
        assert rows_of(case.id, "hold_ceremony") == 1, case.full_name
        assert verify_chain(load_log(case.id)) is None
    changed = vietnamese(CASE_CHANGED)
    nothing_recorded = vietnamese("Nothing was recorded: every row must be accepted for the submission to be "
                                  "recorded.")
    with force_locale("vi"):
        bulk_done = ngettext("Ceremony recorded for %(num)d candidate.", "Ceremony recorded for %(num)d candidates.",
                             len(cases))
    single_done = [(status, page) for (kind, *_), (status, page) in zip(submissions, results)
                   if kind == "single" and status == 302 and changed not in page]
    bulk_won = 0
    for (kind, *_), (status, page) in zip(submissions, results):
        if kind == "bulk":
            # A ceremony day that lost says that nothing was recorded and, row by row, that the
            # case is at another stage now (422), or that the cases changed; the one that won says so.
            assert (status == 422 and nothing_recorded in page) or changed in page or bulk_done in page, page[:500]
            bulk_won += bulk_done in page
        else:
            assert status == 302, (status, page[:300])
    # Either one ceremony day recorded all four, or each case got its own single act.
    assert (bulk_won, len(single_done)) in ((1, 0), (0, len(cases))), (bulk_won, len(single_done))
