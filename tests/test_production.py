"""Production serving, as the README's "Production" section says to run it: gunicorn with two
workers on PostgreSQL, CSRF on, a fresh instance folder (KETNAP_INSTANCE_PATH), driven over HTTP
with a cookie jar like a browser.

- The two workers start together on an instance folder without a secret key: both create it at
  once, and both must end with the same one (otherwise a session made by one worker is a stranger
  to the other). A secretary logs in and opens a case; pages served by both workers know her.
- With Redis as the login limits' storage, the limit per account holds across the two workers;
  with memory:// each worker counts its own (why the README says to configure Redis).

Needs gunicorn and the redis client (the `serve` extra) and Debian's redis-server; without them
the test is skipped with a notice, except under CI=true, where that is a failure (.ci/run
installs redis-server). Every process and the database are removed at the end, even on failure."""
import contextlib
import html
import http.cookiejar
import importlib.util
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from databases import PG_DB_NAME, drop_pg_database, fresh_pg_database

pytestmark = pytest.mark.real_database

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 30  # seconds for any one request, command or start
SECRETARY, DEMO_PASSWORD = "hatay2", "demo"
ACCOUNT_LIMIT = 3
GUESSES = 10


def require(available, what):
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required in CI and is missing")
    pytest.skip(f"NOTICE: {what} is missing; the production-serving test is skipped")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process):
    """SIGTERM to the process's own group (gunicorn's master and its workers), then SIGKILL."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


def flask(env, *args):
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"flask {' '.join(args)}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """A fresh PostgreSQL database with the demo, loaded by the documented commands, and the
    environment of a deployment (an instance folder of its own; KETNAP_TODAY not set)."""
    require(importlib.util.find_spec("gunicorn"), "gunicorn (pip install -e '.[serve]')")
    require(importlib.util.find_spec("redis"), "the redis client (pip install -e '.[serve]')")
    require(shutil.which("redis-server"), "redis-server (apt-get install redis-server)")
    name = f"{PG_DB_NAME}_serve"
    url = fresh_pg_database(name)
    instance = tmp_path_factory.mktemp("production") / "instance"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("KETNAP_") and key not in ("SECRET_KEY", "DATABASE_URL")}
    env.update(DATABASE_URL=url.replace("+psycopg", ""), KETNAP_INSTANCE_PATH=str(instance),
               # Demo accounts sign in with a password only (as under manage.py serve).
               KETNAP_TWO_FACTOR_REQUIRED_ROLES="[]", PYTHONUNBUFFERED="1")
    try:
        # The commands get a secret key of their own, so the instance folder has none when the
        # workers first start: they create it (log_key is made by init-db).
        commands = dict(env, KETNAP_SECRET_KEY="commands only")
        flask(commands, "init-db")
        flask(commands, "demo")
        assert not (instance / "secret_key").exists() and (instance / "log_key").exists()
        yield {"env": env, "url": url, "instance": instance}
    finally:
        drop_pg_database(name)


@contextlib.contextmanager
def gunicorn(deployment, log, **settings):
    """The README's command on a free port, with `settings` added to the environment; yields its
    address once it answers. The access log names the worker (pid) that served each request."""
    port = free_port()
    env = dict(deployment["env"], **settings)
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
               "--access-logfile", str(log), "--access-logformat", "%(p)s %(s)s %(m)s %(U)s", "wsgi:app"]
    errors = log.with_suffix(".err")
    with open(errors, "w") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=err, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def answers(_):
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(base + "/login", timeout=5) as response:
                return response.status == 200
        return False

    try:
        # Ready once both workers have answered (one may still be starting when the other answers):
        # two requests at once until the access log names two workers.
        deadline = time.monotonic() + TIMEOUT
        with ThreadPoolExecutor(2) as pool:
            while True:
                assert process.poll() is None, f"gunicorn exited: {errors.read_text()[-3000:]}"
                if any(list(pool.map(answers, range(2)))) and len({line[0] for line in served(log)}) == 2:
                    break
                assert time.monotonic() < deadline, \
                    f"gunicorn's two workers did not answer: {errors.read_text()[-3000:]}"
                time.sleep(0.2)
        yield base
    finally:
        stop(process)


def worker_redis_db(url):
    """The given server's URL with a database of this pytest-xdist worker's own (gw0 -> 0, gw1 ->
    1, …): each worker empties its own."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    return url.rsplit("/", 1)[0] + f"/{int(worker[2:]) % 16}"


@contextlib.contextmanager
def redis_server():
    """A Redis server's URL, emptied: the one `.ci/run` started (KETNAP_TEST_REDIS_URL), or else
    one of the test's own."""
    given = os.environ.get("KETNAP_TEST_REDIS_URL")
    if given:
        import redis
        given = worker_redis_db(given)
        client = redis.Redis.from_url(given, socket_timeout=5)
        client.flushdb()
        client.close()
        yield given
        return
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        import redis
        client = redis.Redis(port=port, socket_timeout=5)
        deadline = time.monotonic() + TIMEOUT
        while True:
            assert process.poll() is None, "redis-server exited"
            with contextlib.suppress(redis.exceptions.ConnectionError):
                if client.ping():
                    break
            assert time.monotonic() < deadline, "redis-server did not answer"
            time.sleep(0.1)
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)


class Browser:
    """A browser with a cookie jar; a new connection for every request (urllib keeps none open),
    so any worker may serve any of them. Redirects are reported, not followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._NoRedirect)

    def request(self, path, data=None):
        """(status, location, page) for a GET, or a POST of the dict `data`."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=TIMEOUT) as response:
                return response.status, None, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location"), error.read().decode(errors="replace")

    def form(self, path):
        """The form page's CSRF token and its fields' values (CSRF is on, as in production)."""
        status, _location, page = self.request(path)
        assert status == 200, f"GET {path}: {status}"
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, f"{path} has no CSRF token"
        return token.group(1), page

    def log_in(self, username, password):
        token, _page = self.form("/login")
        return self.request("/login", {"csrf_token": token, "username": username, "password": password})


def served(log):
    """The access log's lines: (worker pid, status, method, path)."""
    if not log.exists():
        return []
    return [tuple(line.split(" ", 3)) for line in log.read_text().splitlines() if line.strip()]


def test_two_workers_starting_together_share_one_key_and_serve_a_login_and_an_act(deployment, tmp_path):
    log = tmp_path / "access.log"
    name = "Trần Thị Gunicorn"
    with gunicorn(deployment, log) as base:
        browser = Browser(base)
        status, location, _page = browser.log_in(SECRETARY, DEMO_PASSWORD)
        assert status == 302, f"the secretary's login answered {status}"

        token, page = browser.form("/candidates/new")
        # The form's own day: today in Hà Nội (KETNAP_TODAY is not set in production).
        spotted = re.search(r'name="effective_date"[^>]*value="([^"]+)"', page).group(1)
        status, location, page = browser.request("/candidates/new", {
            "csrf_token": token, "full_name": name, "date_of_birth": "1998-05-20", "sex": "female",
            "ethnicity": "Kinh", "education": "upper_secondary", "occupation": "Giáo viên",
            "residence": "Thôn Hà Tây 2", "youth_union_member": "y", "source_organisation": "youth_union",
            "helper_member": "Lê Văn Giúp", "effective_date": spotted})
        assert status == 302, f"opening the case answered {status}: {' '.join(html.unescape(page).split())[:500]}"
        case_path = urllib.parse.urlsplit(location).path
        assert re.fullmatch(r"/candidates/\d+", case_path), location

        # Pages asked at once from several connections: both workers serve the same session.
        with ThreadPoolExecutor(4) as pool:
            pages = list(pool.map(lambda _: browser.request(case_path), range(16)))
        assert all(status == 200 and name in html.unescape(page) for status, _location, page in pages), \
            [status for status, _location, _page in pages]

    case_requests = [line for line in served(log) if line[3] == case_path]
    assert len({pid for pid, *_rest in case_requests}) == 2, "the pages were not served by both workers"
    # The key both workers made at once: one file, whole, this user's only, no partial file left.
    secret = deployment["instance"] / "secret_key"
    assert len(secret.read_text().strip()) == 64 and stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert not [p.name for p in deployment["instance"].iterdir() if p.name.endswith(".part")]

    engine = sa.create_engine(deployment["url"])
    try:
        with engine.connect() as conn:
            case_id = int(case_path.rsplit("/", 1)[1])
            assert conn.scalar(sa.text("SELECT full_name FROM candidate WHERE id = :id"), {"id": case_id}) == name
            events = sa.text("SELECT count(*) FROM case_event WHERE candidate_id = :id")
            assert conn.scalar(events, {"id": case_id}) == 1
    finally:
        engine.dispose()


def guess_passwords(deployment, log, storage):
    """Ten wrong passwords for one account, two connections at a time (a worker busy checking a
    password leaves the next connection to the other); (statuses, login POSTs per worker)."""
    limits = {"KETNAP_RATELIMIT_STORAGE_URI": storage,
              "KETNAP_LOGIN_LIMITS_PER_ACCOUNT": f"{ACCOUNT_LIMIT} per minute",
              "KETNAP_LOGIN_LIMITS_PER_ADDRESS": "1000 per minute",
              # The keys from the environment this time, as a deployment may give them.
              "KETNAP_SECRET_KEY": "production test",
              "KETNAP_LOG_KEY": (deployment["instance"] / "log_key").read_text()}
    with gunicorn(deployment, log, **limits) as base:
        browser = Browser(base)
        token, _page = browser.form("/login")
        guess = {"csrf_token": token, "username": SECRETARY, "password": "not the password"}
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda _: browser.request("/login", guess)[0], range(GUESSES)))
    per_worker = Counter(pid for pid, _status, method, path in served(log) if method == "POST" and path == "/login")
    return Counter(answers), per_worker


def test_the_login_limit_holds_across_two_workers_with_redis_and_not_with_memory(deployment, tmp_path):
    with redis_server() as storage:
        answers, per_worker = guess_passwords(deployment, tmp_path / "redis.log", storage)
    assert len(per_worker) == 2, f"the guesses were not served by both workers: {per_worker}"
    assert set(answers) <= {422, 429}, answers
    # One count for both workers: of ten guesses, three are checked, the others refused.
    assert answers[422] <= ACCOUNT_LIMIT and answers[429] >= GUESSES - ACCOUNT_LIMIT, answers

    answers, per_worker = guess_passwords(deployment, tmp_path / "memory.log", "memory://")
    assert len(per_worker) == 2, f"the guesses were not served by both workers: {per_worker}"
    # memory:// counts per worker: each lets three through, so more than three in all are checked.
    assert answers[422] == sum(min(count, ACCOUNT_LIMIT) for count in per_worker.values()) > ACCOUNT_LIMIT, \
        (answers, per_worker)


def test_workers_starting_at_once_end_with_one_secret_key(tmp_path):
    """Without a secret key configured, every worker reads or creates instance/secret_key as it
    starts: started together, they must all end with the same whole key."""
    from pipeline.app import _instance_secret
    for attempt in range(30):
        folder = tmp_path / str(attempt)
        folder.mkdir()
        start = threading.Barrier(8)

        def first_start(_):
            start.wait()
            return _instance_secret(str(folder))

        with ThreadPoolExecutor(8) as pool:
            keys = set(pool.map(first_start, range(8)))
        assert len(keys) == 1 and len(keys.pop()) == 64
        assert sorted(p.name for p in folder.iterdir()) == ["secret_key"]  # no partial file left


def test_an_empty_secret_key_file_is_named_at_start(tmp_path):
    from pipeline.app import _instance_secret
    (tmp_path / "secret_key").write_text("")
    with pytest.raises(RuntimeError, match="secret_key is empty"):
        _instance_secret(str(tmp_path))
