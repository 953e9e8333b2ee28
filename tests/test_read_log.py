"""The read log (personal-data protection law, in force since 1/1/2026): each page, file, printout
and export that shows a person's particulars adds exactly one row naming the user, the case (or
the unit and the number of rows) and when; the audit page `/audit/reads` shows them to the
auditors of the subtree only, filtered, in a fixed number of statements; the database refuses to
change or delete a row, and `verify_reads` names a row changed or deleted behind its back."""
from datetime import date, datetime
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

import audit_support
from conftest import own_transaction
from pages_support import pages  # noqa: F401  (a fixture)
from pipeline.extensions import db
from pipeline.readlog import models as kinds
from pipeline.readlog.models import GENESIS_HASH, ReadLog, read_hash
from pipeline.readlog.reads import DELETED, EDITED, record_read, verify_reads
from pipeline.workflow.models import LogEntry

pytestmark = pytest.mark.usefixtures("english")
SCAN = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
KEY = "1-KNĐ"


def reads():
    """Every row of the read log, in the order written."""
    db.session.expire_all()
    return db.session.execute(sa.select(ReadLog).order_by(ReadLog.id)).scalars().all()


@pytest.fixture
def case(world, make_case):
    """A case of branch A1 with a scan of its application (1-KNĐ)."""
    from pipeline.dossier.operations import DocumentEntry, Upload, record_document
    found = make_case("spotted", full_name="Nguyễn Văn Đọc")
    record_document(found.id, world["sec_a1"], DocumentEntry(KEY, received=True, received_on=date(2021, 9, 20)),
                    upload=Upload(SCAN, "don.pdf", "application/pdf"))
    return found


CASE_PAGES = [
    ("/candidates/{id}", kinds.CASE_PAGE, ""),
    ("/candidates/{id}/act/enrol_training", kinds.ACT_FORM, ""),
    ("/candidates/{id}/dossier", kinds.DOSSIER_PAGE, ""),
    ("/candidates/{id}/dossier/{key}", kinds.DOSSIER_ITEM, KEY),
    ("/candidates/{id}/dossier/{key}/file", kinds.SCAN_FILE, KEY),
    ("/candidates/{id}/checklist", kinds.PRINTOUT, ""),
]


@pytest.mark.parametrize("template, kind, detail", CASE_PAGES)
def test_opening_a_page_of_a_case_adds_one_read_naming_the_user_and_the_case(world, case, pages, template, kind,
                                                                              detail):
    pages.login("sec_a1")
    before = len(reads())
    response = pages.get(template.format(id=case.id, key=quote(KEY)))
    assert response.status_code == 200
    rows = reads()
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row.user_id, row.kind, row.case_id, row.unit_id, row.detail) == (
        world["sec_a1"].id, kind, case.id, None, detail)
    assert row.address == "127.0.0.1" and row.read_at is not None


def test_the_checklist_pdf_adds_one_read(world, case, pages, needs_pdf):
    pages.login("com_a")
    before = len(reads())
    assert pages.get(f"/candidates/{case.id}/checklist.pdf").status_code == 200
    rows = reads()
    assert len(rows) == before + 1
    assert (rows[-1].user_id, rows[-1].kind, rows[-1].case_id) == (world["com_a"].id, kinds.PRINTOUT_PDF, case.id)


def test_the_branch_pdf_adds_one_read_naming_the_branch_and_its_sheets(world, case, make_case, pages, needs_pdf):
    make_case("dossier", full_name="Trần Văn Hai")
    pages.login("com_a")
    before = len(reads())
    assert pages.get(f"/branches/{world.branch_a1.id}/checklists.pdf").status_code == 200
    rows = reads()
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row.user_id, row.kind, row.case_id, row.unit_id, row.row_count) == (
        world["com_a"].id, kinds.BRANCH_PDF, None, world.branch_a1.id, 2)


@pytest.mark.parametrize("fmt, kind", [("csv", kinds.EXPORT_CSV), ("xlsx", kinds.EXPORT_XLSX)])
def test_an_export_of_the_list_adds_one_read_with_its_unit_filters_and_rows(world, case, make_case, pages, fmt,
                                                                             kind):
    make_case("dossier", branch=world.branch_b1, full_name="Lê Thị Ba")
    pages.login("board")
    before = len(reads())
    response = pages.get(f"/candidates/?unit={world.commune_a.id}&format={fmt}")
    assert response.status_code == 200
    response.get_data()
    rows = reads()
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row.user_id, row.kind, row.case_id, row.unit_id, row.row_count) == (
        world["board"].id, kind, None, world.commune_a.id, 1)
    assert f"unit={world.commune_a.id}" in row.detail and "format" not in row.detail
    # Without a filter, the list covers the user's whole unit.
    pages.get(f"/candidates/?format={fmt}").get_data()
    assert (reads()[-1].unit_id, reads()[-1].row_count) == (world.town.id, 2)


@pytest.mark.parametrize("template, unit, counted", [
    ("/dashboard/cases?unit={u.commune_a.id}&which=all&format=csv", "commune_a", True),
    ("/dashboard/deadlines?format=xlsx", "town", False),
    ("/training/{u.training_class.id}?format=csv", "town", True),
    ("/audit/?unit={u.commune_a.id}&format=csv", "commune_a", True),
    ("/audit/anomalies?unit={u.commune_a.id}&format=xlsx", "commune_a", False),
])
def test_every_other_export_of_personal_data_adds_one_read(world, case, pages, template, unit, counted):
    pages.login("board")
    before = len(reads())
    response = pages.get(template.format(u=world))
    assert response.status_code == 200
    response.get_data()
    rows = reads()
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row.user_id, row.kind, row.case_id, row.unit_id) == (
        world["board"].id, kinds.EXPORT_CSV if "csv" in template else kinds.EXPORT_XLSX, None, getattr(world, unit).id)
    assert (row.row_count is not None) == counted


def test_the_audit_log_of_a_case_adds_one_read(world, case, pages):
    pages.login("com_a")
    before = len(reads())
    assert pages.get(f"/audit/cases/{case.id}").status_code == 200
    rows = reads()
    assert len(rows) == before + 1
    assert (rows[-1].user_id, rows[-1].kind, rows[-1].case_id) == (world["com_a"].id, kinds.AUDIT_CASE, case.id)


def test_a_refused_page_records_nothing(world, case, make_case, pages):
    other = make_case("spotted", branch=world.branch_b1, full_name="Lê Thị Ngoài")
    pages.login("sec_a1")
    before = len(reads())
    assert pages.get(f"/candidates/{other.id}").status_code == 404
    assert pages.get(f"/candidates/{other.id}/dossier").status_code == 404
    assert pages.get("/candidates/?format=pdf").status_code == 404
    assert len(reads()) == before


def test_each_users_reads_form_a_keyed_chain(world, case, pages):
    pages.login("sec_a1")
    for _ in range(3):
        pages.get(f"/candidates/{case.id}")
    pages.login("com_a")
    pages.get(f"/candidates/{case.id}")
    mine = [row for row in reads() if row.user_id == world["sec_a1"].id]
    assert [row.seq for row in mine] == [1, 2, 3]
    assert mine[0].prev_hash == GENESIS_HASH
    assert [row.prev_hash for row in mine[1:]] == [row.hash for row in mine[:-1]]
    assert all(row.hash == read_hash(row) for row in mine)
    # Whoever has only the database cannot recompute a hash: it needs the key.
    assert read_hash(mine[0], key="another key") != mine[0].hash
    assert [row.seq for row in reads() if row.user_id == world["com_a"].id] == [1]


def test_a_conflict_on_the_users_chain_is_retried(world, case, monkeypatch):
    """Two requests of the same user meeting on one seq: the second reads the new head."""
    from pipeline.readlog import reads as module
    original, calls = module._append, []

    def racing(user_id, *args):
        calls.append(user_id)
        if len(calls) == 1:  # another request of the same user wins the race
            original(user_id, kinds.CASE_PAGE, case.id, None, "", None, "")
            db.session.commit()
            db.session.add(ReadLog(user_id=user_id, seq=1, kind=kinds.CASE_PAGE, detail="", read_at=datetime.utcnow(),
                                   address="", prev_hash=GENESIS_HASH, hash="x"))
            db.session.flush()
        return original(user_id, *args)

    monkeypatch.setattr(module, "_append", racing)
    record_read(kinds.CASE_PAGE, case=case, user=world["sec_a1"])
    assert [(row.seq, row.user_id) for row in reads()] == [(1, world["sec_a1"].id), (2, world["sec_a1"].id)]
    assert verify_reads().ok


# --- the audit page ------------------------------------------------------------------------------

@pytest.fixture
def read_cases(world, make_case, pages):
    """A case of commune A read by its secretary, one of commune B read by its own."""
    a = make_case("spotted", full_name="Nguyễn Văn An")
    b = make_case("spotted", branch=world.branch_b1, full_name="Trần Văn Bình")
    pages.login("sec_a1")
    pages.get(f"/candidates/{a.id}")
    pages.login("sec_b1")
    pages.get(f"/candidates/{b.id}/dossier")
    return {"a": a, "b": b}


@pytest.mark.parametrize("username, status", [
    ("sec_a1", 403), ("com_a", 200), ("com_b", 200), ("board", 200), ("admin", 200)])
def test_the_read_log_is_shown_to_the_auditors_of_the_subtree(world, read_cases, pages, username, status):
    pages.login(username)
    response = pages.get("/audit/reads")
    assert response.status_code == status
    if status != 200:
        return
    body = response.get_data(as_text=True)
    sees_a = username in ("com_a", "board", "admin")
    sees_b = username in ("com_b", "board", "admin")
    assert ("Nguyễn Văn An" in body) == sees_a
    assert ("SEC_A1" in body) == sees_a
    assert ("Trần Văn Bình" in body) == sees_b
    assert f'data-case="{read_cases["b"].id}" data-kind="dossier_page"' in body if sees_b else True


def test_logged_out_is_sent_to_login(client):
    assert client.get("/audit/reads").status_code == 302


def test_the_audit_pages_link_to_the_read_log(world, read_cases, pages):
    pages.login("board")
    assert 'href="/audit/reads"' in pages.get("/audit/").get_data(as_text=True)
    body = pages.get(f"/audit/cases/{read_cases['a'].id}").get_data(as_text=True)
    assert f'href="/audit/reads?case={read_cases["a"].id}"' in body


def test_the_filters_select_by_reader_case_kind_and_period(world, read_cases, pages):
    b = read_cases["b"]
    pages.login("board")
    pages.get(f"/candidates/{b.id}")

    def rows(query):
        response = pages.get("/audit/reads?" + query)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        return body.count("<tr data-row=")

    assert rows("") == 3
    assert rows(f"user={world['sec_a1'].id}") == 1
    assert rows(f"case={b.id}") == 2
    assert rows("kind=dossier_page") == 1
    assert rows(f"unit={world.commune_b.id}") == 2
    assert rows("from=2020-01-01&to=2020-12-31") == 0
    assert rows("from=2020-01-01") == 3


@pytest.mark.parametrize("query, message", [
    ("case=abc", "A case number is a whole number"),
    ("case=99999999999999999999", "A case number is a whole number"),
    ("case=" + "1" * 50, "Field cannot be longer"),
    ("from=2026-13-45", "Not a valid date value"),
    ("from=2025-02-01&to=2025-01-01", "The end of the period is before its start"),
    ("kind=nothing", "Not a valid choice"),
    ("user=99999999999999999999999", "Not a valid choice"),
    ("unit=%E1%84%80" * 40, "This unit is not one of yours"),
    ("unit_name=kh%C3%B4ng+c%C3%B3", "Choose one of your units"),
    ("case=%EA%B0%80" * 5, "A case number is a whole number"),
])
def test_bad_filters_get_a_message_and_no_rows(world, read_cases, pages, query, message):
    pages.login("board")
    response = pages.get("/audit/reads?" + query)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert message in body and 'id="invalid-filters"' in body and "<tr data-row=" not in body


@pytest.mark.parametrize("query", ["case=1%00", "user=%00", "from=%00"])
def test_a_nul_byte_in_a_filter_is_refused_not_a_server_error(world, read_cases, pages, query):
    pages.login("board")
    response = pages.get("/audit/reads?" + query)
    assert response.status_code in (200, 400)
    assert "<tr data-row=" not in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["0", "-1", "x", str(10**20)])
def test_an_impossible_page_number_is_a_404(world, read_cases, pages, page):
    pages.login("board")
    assert pages.get(f"/audit/reads?page={page}").status_code == 404


def test_the_read_log_runs_the_same_statements_for_ten_times_the_rows(world, read_cases, pages, count_statements):
    pages.login("board")
    pages.get("/audit/reads")
    with count_statements() as few:
        assert pages.get("/audit/reads").status_code == 200
    for username in ("sec_a1", "com_a", "board"):
        for _ in range(10):
            record_read(kinds.CASE_PAGE, case=read_cases["a"], user=world[username])
    with count_statements() as many:
        response = pages.get("/audit/reads")
    assert response.get_data(as_text=True).count("<tr data-row=") == 32
    url = (f"/audit/reads?unit={world.commune_a.id}&user={world['board'].id}&case={read_cases['a'].id}"
           "&kind=case_page&from=2021-01-01&page=1")
    with count_statements() as filtered:
        assert pages.get(url).get_data(as_text=True).count("<tr data-row=") == 10
    # A chosen unit is one more statement (looked up by its id, the scope's units never read).
    assert many.count == few.count == filtered.count - 1 <= 7


# --- append-only, and the walk --------------------------------------------------------------------

@pytest.mark.parametrize("statement", ["UPDATE read_log SET detail = 'changed'", "DELETE FROM read_log"])
def test_the_database_refuses_to_change_or_delete_a_read(world, read_cases, statement):
    with pytest.raises(DBAPIError) as refused:
        with own_transaction() as connection:
            connection.execute(sa.text(statement))
    assert "read_log is append-only" in str(refused.value)
    assert len(reads()) == 2


def tampering():
    return audit_support.tampering("read_log")


@pytest.fixture
def five_reads(world, make_case):
    case = make_case("spotted")
    for _ in range(5):
        record_read(kinds.CASE_PAGE, case=case, user=world["com_a"])
    record_read(kinds.DOSSIER_PAGE, case=case, user=world["sec_a1"])
    return case


def at(user, seq):
    return (ReadLog.user_id == user.id) & (ReadLog.seq == seq)


def test_verify_reads_finds_a_whole_log_whole(world, five_reads):
    report = verify_reads()
    assert report.ok and (report.users, report.rows) == (2, 6)


def test_verify_reads_names_an_edited_row(world, five_reads):
    with tampering():
        db.session.execute(sa.update(ReadLog).where(at(world["com_a"], 2)).values(case_id=None, detail="nothing"))
    report = verify_reads()
    assert [(b.user_id, b.seq, b.kind) for b in report.breaks] == [(world["com_a"].id, 2, EDITED)]
    assert "changed after it was written" in str(report.breaks[0].detail)


def test_verify_reads_names_a_deleted_row(world, five_reads):
    with tampering():
        db.session.execute(sa.delete(ReadLog).where(at(world["com_a"], 3)))
    report = verify_reads()
    assert [(b.user_id, b.seq, b.kind) for b in report.breaks] == [(world["com_a"].id, 3, DELETED)]
    assert "read no. 3 is missing" in str(report.breaks[0].detail)


def test_verify_reads_names_a_row_whose_hash_was_recomputed_without_the_key(world, five_reads):
    import hashlib
    from pipeline.readlog.models import canonical_payload
    row = db.session.execute(sa.select(ReadLog).where(at(world["com_a"], 4))).scalar_one()
    row.detail = "forged"
    forged = hashlib.sha256(canonical_payload(row).encode()).hexdigest()
    db.session.rollback()
    with tampering():
        db.session.execute(sa.update(ReadLog).where(at(world["com_a"], 4)).values(detail="forged", hash=forged))
    report = verify_reads()
    assert [(b.user_id, b.seq) for b in report.breaks] == [(world["com_a"].id, 4)]


def test_verify_reads_is_scoped_to_the_users_of_a_subtree(world, five_reads):
    assert verify_reads(world.commune_b).rows == 0
    assert verify_reads(world.commune_a).rows == 6


@pytest.mark.real_database
def test_parallel_reads_of_one_user_all_land_on_the_chain(app, world, make_case):
    """Twelve tabs of the same user at once meet on the same seq: every read is kept, in one chain."""
    import threading
    from pipeline.accounts.models import User
    case_id = make_case("spotted").id
    db.session.commit()
    db.session.remove()
    barrier = threading.Barrier(12)
    outcomes = []

    def read():
        with app.app_context():
            try:
                user = db.session.execute(sa.select(User).where(User.username == "com_a")).scalar_one()
                barrier.wait(timeout=20)
                record_read(kinds.CASE_PAGE, case_id=case_id, user=user)
                outcomes.append("kept")
            except Exception as error:  # reported in the assertion, not swallowed
                outcomes.append(f"{type(error).__name__}: {error}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=read) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == ["kept"] * 12
    assert [row.seq for row in reads()] == list(range(1, 13))
    assert verify_reads().ok


def test_audit_verify_names_a_broken_read_chain_and_fails(world, five_reads, runner):
    whole = runner.invoke(args=["audit", "verify"])
    assert whole.exit_code == 0 and "Reads checked: 6" in whole.output, whole.output
    with tampering():
        db.session.execute(sa.delete(ReadLog).where(at(world["com_a"], 3)))
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert "read log of com_a (COM_A), row no. 3: deleted: read no. 3 is missing" in broken.output, broken.output
    assert "Broken read chains: 1" in broken.output


def test_without_the_log_key_no_personal_data_is_shown_and_nothing_is_recorded(app, world, make_case, pages):
    case = make_case("dossier", full_name="Nguyễn Văn Khóa")
    pages.login("sec_a1")
    app.config["LOG_KEY"] = None  # the key file lost, the setting unset
    before = (len(reads()), db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)))
    page = pages.get(f"/candidates/{case.id}?lang=en")
    assert page.status_code == 503
    assert "The log key is missing" in page.get_data(as_text=True)
    assert "Nguyễn Văn Khóa" not in page.get_data(as_text=True)
    refused = pages.post(f"/candidates/{case.id}/act/withdraw?lang=en", data={
        "version": str(case.version), "effective_date": "2021-10-01", "reason": "Chuyển đi nơi khác", "confirmed": "y"})
    assert refused.status_code == 503
    assert (len(reads()), db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry))) == before
