"""Acts per second under gunicorn, on a generated database (`flask --app wsgi generate`).

    .venv/bin/python benchmarks/acts_throughput.py --url postgresql+psycopg://postgres@127.0.0.1:5432/ketnap_national
        [--workers 2] [--threads 1] [--clients 8] [--seconds 30] [--slice 10]

Starts `gunicorn --workers N --threads T 'wsgi:app'` on the database (T above 1: gunicorn's
threaded workers), signs in as `--clients` branch
secretaries (password "demo", each with a case of their branch in the dossier stage), and has each
record the candidate's application (1-KNĐ) again and again with a new note, as the dossier page
posts it (CSRF token, the case's version), for `--seconds`. Each client acts on its own case, so
the log of each grows by hundreds of entries during the run: the acts per second of each
`--slice` show whether an act's cost grows with its log. For scale, the same clients then ask the
server for its smallest response (`/favicon.ico`, a redirect) for a few seconds.

Prints the acts per second (in all and per slice), the median and 95th percentile of an act's time,
how many acts the log gained (read from the database: every success is an entry), and the acts as a
share of the smallest response's rate."""
import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import quote, urlencode

import sqlalchemy as sa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ITEM = "1-KNĐ"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"')


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pick_secretaries(url, count):
    """(username, case id) of `count` secretaries, each with a case of their branch in the dossier."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT u.username, MIN(c.id) FROM user_account u JOIN candidate c ON c.branch_id = u.unit_id "
            "WHERE u.role = 'secretary' AND u.active AND c.stage = 'dossier' "
            "GROUP BY u.username ORDER BY u.username LIMIT :n"), {"n": count}).all()
    engine.dispose()
    if len(rows) < count:
        sys.exit(f"Only {len(rows)} secretaries have a case in the dossier stage: generate a larger database.")
    return rows


def log_rows(url):
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT COUNT(*) FROM case_event")).scalar_one()
    engine.dispose()
    return count


class Client:
    """One browser: a kept-alive connection and its session cookie."""

    def __init__(self, port):
        self.port, self.cookies, self.frozen = port, {}, False
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, form=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and not self.frozen:
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", text

    def sign_in(self, username):
        _, _, page = self.request("GET", "/login")
        status, location, _ = self.request("POST", "/login", {
            "csrf_token": CSRF.search(page).group(1), "username": username, "password": "demo"})
        if status != 302:
            raise SystemExit(f"{username} could not sign in ({status})")
        # The session as signed in, kept: a browser would read each act's message ("Recorded: …")
        # on the page it is sent to; this client does not, so the messages must not pile up in
        # its cookie.
        self.frozen = True


def act_loop(client, case_id, times, failures, stop):
    path = f"/candidates/{case_id}/dossier/{quote(ITEM)}"
    _, _, page = client.request("GET", path)
    token, version = CSRF.search(page).group(1), int(VERSION.search(page).group(1))
    n = 0
    while not stop.is_set():
        n += 1
        started = time.perf_counter()
        status, location, _ = client.request("POST", path, {
            "csrf_token": token, "version": str(version), "note": f"lần {n}"})
        ended = time.perf_counter()
        if status == 302 and "#" in location:
            times.append((ended, ended - started))
            version += 1
        else:  # refused or changed: read the version again
            failures.append(status)
            _, _, page = client.request("GET", path)
            version = int(VERSION.search(page).group(1))


def floor_loop(client, times, stop):
    while not stop.is_set():
        started = time.perf_counter()
        client.request("GET", "/favicon.ico")
        ended = time.perf_counter()
        times.append((ended, ended - started))


def run_threads(target, argsets, seconds):
    stop = threading.Event()
    threads = [threading.Thread(target=target, args=(*args, stop), daemon=True) for args in argsets]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1,
                        help="gunicorn's --threads: above 1, each worker serves that many requests at once")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--slice", type=float, default=10)
    parser.add_argument("--log-key", default=os.environ.get("KETNAP_LOG_KEY", "gen test key"))
    args = parser.parse_args()
    secretaries = pick_secretaries(args.url, args.clients)
    port = free_port()
    instance = tempfile.mkdtemp(prefix="ketnap-acts-")
    env = dict(os.environ, KETNAP_SQLALCHEMY_DATABASE_URI=args.url, KETNAP_LOG_KEY=args.log_key,
               KETNAP_SECRET_KEY="benchmark", KETNAP_INSTANCE_PATH=instance)
    env.pop("KETNAP_TODAY", None)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(args.workers),
                               "--threads", str(args.threads), "--bind",
                               f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        clients = [Client(port) for _ in secretaries]
        for client, (username, _) in zip(clients, secretaries):
            client.sign_in(username)
        before = log_rows(args.url)
        times, failures = [], []
        started = time.perf_counter()
        run_threads(act_loop, [(c, case_id, times, failures) for c, (_, case_id) in zip(clients, secretaries)],
                    args.seconds)
        gained = log_rows(args.url) - before
        durations = sorted(d for _, d in times)
        if not durations:
            raise SystemExit(f"No act was recorded: {failures[:5]}")
        print(f"gunicorn --workers {args.workers} --threads {args.threads}, "
              f"{args.clients} clients, {args.seconds:.0f} s: {len(times)} acts, "
              f"{len(times) / args.seconds:.0f} per second; {len(failures)} refused or changed; the log gained "
              f"{gained} entries")
        print(f"one act: median {statistics.median(durations) * 1000:.1f} ms, "
              f"95th percentile {durations[int(len(durations) * 0.95)] * 1000:.1f} ms")
        slices = int(args.seconds // args.slice)
        per_slice = [sum(1 for end, _ in times if started + i * args.slice <= end < started + (i + 1) * args.slice)
                     / args.slice for i in range(slices)]
        print("acts per second per slice of %.0f s: %s (each case's log +%d entries by the end)" % (
            args.slice, ", ".join(f"{rate:.0f}" for rate in per_slice), len(times) // max(1, args.clients)))
        floor = []
        run_threads(floor_loop, [(c, floor) for c in clients], 5)
        floor_rate = len(floor) / 5
        # The share carries across machines: the 300 acts a second were 8.5-9.4% of its
        # machine's smallest response (3,180-3,534 a second).
        print(f"the smallest response (/favicon.ico), same clients: {floor_rate:.0f} per second; "
              f"acts are {100 * len(times) / args.seconds / max(floor_rate, 1):.1f}% of it")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
