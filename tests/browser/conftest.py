"""Browser tests: Debian's Chromium, driven by Playwright, against the app served over HTTP on
127.0.0.1 from a thread of this process, on the Điện Bàn 2022 demo as of 31/10/2022.

The demo is loaded once per database (SQLite, then PostgreSQL); each scenario adds what it needs.
Without Chromium or Playwright the tests are skipped with a notice, except under CI=true, where
that is a failure (as for PostgreSQL in ../conftest.py)."""
import os
import shutil
import threading
from datetime import date
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from browser.browser_support import ConsoleWatch, Shots
from conftest import WORLDS

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
SNAPSHOT = date(2022, 10, 31)  # the demo's "today"
# A full page at twice the phone's pixels, beside another worker's tests: a picture is a record,
# not a check, and may take longer than an expectation's 10 s.
SCREENSHOT_TIMEOUT = 60_000
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser")


def pytest_collection_modifyitems(items):
    """Every test here is marked `browser` (registered in pyproject.toml): -m "not browser"."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item: a failed test's page is photographed at teardown."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def _unavailable(message):
    if os.environ.get("CI") == "true":
        pytest.fail(f"The browser tests are required in CI: {message}")
    pytest.skip(f"NOTICE: browser tests skipped: {message}")


def chromium_path():
    """KETNAP_CHROMIUM, else Debian's chromium (Playwright's own download is not used)."""
    for candidate in filter(None, (os.environ.get("KETNAP_CHROMIUM"),) + CHROMIUM_CANDIDATES):
        found = candidate if os.path.isfile(candidate) else shutil.which(candidate)
        if found and os.access(found, os.X_OK):
            return found
    return None


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        _unavailable(f"the playwright package is missing ({error}); pip install -e '.[test]'")
    executable = chromium_path()
    if executable is None:
        _unavailable("Chromium is missing (Debian: apt-get install chromium)")
    with sync_playwright() as playwright:
        try:
            # A browser in Vietnamese, as our users' phones are: date fields then read dd/mm/yyyy
            # (Chromium takes that from its UI language; Debian's chromium-l10n has it).
            browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--lang=vi-VN"],
                                                 env={**os.environ, "LANGUAGE": "vi"})
        except Exception as error:  # a broken install: say so rather than fail obscurely
            _unavailable(f"Chromium at {executable} does not start: {error}")
        yield browser
        browser.close()


def compile_catalogues(target):
    """The catalogues compiled from the .po files as they are now (the .mo files are build
    products that manage.py makes; a bare pytest run may have none or stale ones)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    for po in (ROOT / "pipeline" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = target / po.relative_to(ROOT / "pipeline" / "translations").with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with open(po, "rb") as source, open(mo, "wb") as out:
            write_mo(out, read_po(source, locale=po.parts[-3]), use_fuzzy=True)
    return str(target)


@pytest.fixture(scope="session")
def catalogues(tmp_path_factory):
    return compile_catalogues(tmp_path_factory.mktemp("translations"))


class QuietHandler(WSGIRequestHandler):
    """No access log: a failing test's output shows the browser's story, not every request."""

    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture(scope="session")
def served(backend, tmp_path_factory, catalogues):
    """The demo app on a real HTTP server, on a database of its own copied from the suite's demo
    (loaded once per database kind): (base URL, database kind, app)."""
    from pipeline.app import create_app
    from pipeline.extensions import db
    backend.world("demo", WORLDS)
    url = backend.copy_of("demo", "web")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "browser-tests", "TODAY": SNAPSHOT,
                      "LOG_KEY": "test log key",  # the key the tests' worlds are sealed with
                      "TWO_FACTOR_REQUIRED_ROLES": [],  # the demo's board and admin sign in with a password
                      "BABEL_TRANSLATION_DIRECTORIES": catalogues})
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # A folder per pytest-xdist worker: each empties its own.
    shots = SCREENSHOTS / (backend.kind + (f"-{os.environ['PYTEST_XDIST_WORKER']}"
                                           if os.environ.get("PYTEST_XDIST_WORKER") else ""))
    shutil.rmtree(shots, ignore_errors=True)  # this run's pictures only
    yield {"base_url": f"http://127.0.0.1:{server.server_port}", "db": backend.kind, "app": app,
           "shots": shots}
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()
    backend.drop_copy("web")


def _context(browser, served, **options):
    from playwright.sync_api import expect
    expect.set_options(timeout=10_000)
    context = browser.new_context(base_url=served["base_url"], locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh", **options)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def phone(browser, served, request):
    """A page on a 375×812 phone, watched for console errors (checked when the test ends)."""
    context = _context(browser, served, viewport={"width": 375, "height": 812}, device_scale_factor=2,
                       is_mobile=True, has_touch=True)
    yield from _watched_page(context, served, request)


@pytest.fixture
def desktop(browser, served, request):
    """A page on a 1440×900 desktop, watched for console errors."""
    context = _context(browser, served, viewport={"width": 1440, "height": 900})
    yield from _watched_page(context, served, request)


def _watched_page(context, served, request):
    page = context.new_page()
    watch = ConsoleWatch(page)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:  # what the page showed when the test failed
        served["shots"].mkdir(parents=True, exist_ok=True)
        page.screenshot(path=served["shots"] / f"FAILED-{request.node.originalname}.png", full_page=True,
                        timeout=SCREENSHOT_TIMEOUT)
    context.close()
    watch.assert_clean()


@pytest.fixture
def shots(served):
    """shots(page, "secretary-375", "login"): numbered full-page screenshots per scenario."""
    return Shots(served["shots"], SCREENSHOT_TIMEOUT)
