"""SQLite runs in WAL mode with a busy timeout (pipeline/extensions.py): while one connection
holds a write transaction, readers (pages, plain SQL) go on reading the last committed state
without waiting or failing, and a second writer waits its turn instead of failing at once.
SQLite only; PostgreSQL's readers never wait for writers anyway (MVCC), and its row locks are
tested in test_concurrency.py and test_http_concurrency.py."""
import sqlite3
import threading
import time

import pytest
from sqlalchemy import text as sql

from conftest import PASSWORD
from pipeline.extensions import db

pytestmark = pytest.mark.real_database

READERS = 8
REQUESTS_PER_READER = 5
HELD_NAME = "Người Đang Ghi"  # written by the held, uncommitted transaction


@pytest.fixture
def sqlite_app(database_url, request):
    if not database_url.startswith("sqlite"):
        pytest.skip("WAL mode and busy_timeout are SQLite settings")
    return request.getfixturevalue("app")


def database_file():
    return db.engine.url.database


class HeldWrite:
    """A writer in another thread that takes the exclusive lock (BEGIN EXCLUSIVE: in rollback-journal
    mode it shuts readers out, in WAL mode it is only the write lock), changes a row, and keeps its
    transaction open until released (or for `seconds`), then commits."""

    def __init__(self, statement, seconds=None):
        self.statement, self.seconds, self.path = statement, seconds, database_file()
        self.holding, self.release, self.error = threading.Event(), threading.Event(), None
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        connection = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        try:
            connection.execute("BEGIN EXCLUSIVE")
            connection.execute(self.statement)
            self.holding.set()
            self.release.wait(timeout=self.seconds or 60)
            connection.execute("COMMIT")
        except Exception as error:  # reported by the test
            self.error = error
            self.holding.set()
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.holding.wait(timeout=10) and self.error is None, self.error
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=30)
        assert self.error is None, self.error


def test_the_database_runs_in_wal_mode_with_a_busy_timeout(sqlite_app):
    with db.engine.connect() as connection:
        assert connection.execute(sql("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(sql("PRAGMA busy_timeout")).scalar() >= 5000


def test_readers_never_fail_while_a_writer_holds_its_transaction(sqlite_app, world, make_case):
    case = make_case("dossier", full_name="Trần Văn Đọc")
    clients = []
    for i in range(READERS):
        client = sqlite_app.test_client()
        assert client.post("/login", data={"username": ["sec_a1", "com_a"][i % 2],
                                           "password": PASSWORD}).status_code == 302
        clients.append(client)
    db.session.rollback()
    outcomes = [[] for _ in range(READERS)]

    def read(i):
        for _ in range(REQUESTS_PER_READER):
            try:
                page = clients[i].get("/candidates/?q=tran")
                with sqlite_app.app_context(), db.engine.connect() as connection:  # and plain SQL
                    name = connection.execute(sql("SELECT full_name FROM candidate WHERE id = :id"),
                                              {"id": case.id}).scalar()
                outcomes[i].append((page.status_code, page.get_data(as_text=True), name))
            except Exception as error:
                outcomes[i].append((f"{type(error).__name__}: {error}", "", None))

    with HeldWrite(f"UPDATE candidate SET full_name = '{HELD_NAME}' WHERE id = {case.id}"):
        threads = [threading.Thread(target=read, args=(i,)) for i in range(READERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        # Every read ended while the writer still held its transaction (it commits on leaving
        # this block): none of them waited for it.
        flat = [outcome for reader in outcomes for outcome in reader]

    assert len(flat) == READERS * REQUESTS_PER_READER
    assert all(status == 200 for status, *_ in flat), [status for status, *_ in flat]
    assert all("Trần Văn Đọc" in page and HELD_NAME not in page for _s, page, *_ in flat)
    assert {name for _s, _p, name in flat} == {"Trần Văn Đọc"}  # the committed state, nothing else
    db.session.expire_all()
    assert db.session.execute(sql("SELECT full_name FROM candidate WHERE id = :id"),
                              {"id": case.id}).scalar() == HELD_NAME  # the writer committed afterwards


def test_a_second_writer_waits_for_the_first_instead_of_failing(sqlite_app, world, client):
    assert client.post("/login", data={"username": "sec_a1", "password": PASSWORD}).status_code == 302
    db.session.rollback()
    with HeldWrite("UPDATE unit SET name = name WHERE id = 1", seconds=1.0) as writer:
        started = time.monotonic()
        response = client.post("/candidates/new", data={
            "full_name": "Phùng Tấn Thắng", "date_of_birth": "1998-05-20", "sex": "male", "ethnicity": "Kinh",
            "education": "upper_secondary", "source_organisation": "youth_union", "effective_date": "2022-03-01"})
        waited = time.monotonic() - started
        writer.release.set()
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert waited >= 0.5  # it did wait for the first writer's commit
    assert db.session.execute(sql("SELECT count(*) FROM candidate")).scalar() == 1
