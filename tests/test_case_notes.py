"""Notes on a case (issue 15): everyone whose scope holds the case adds a dated note from the case
page; it shows in the history among the acts by its date, with its author, and is not an act (the
stage, the version and the act log stay as they were). Notes are bounded and escaped, a refused
note comes back with what was typed, they are never changed or deleted (triggers; on PostgreSQL
the application's role is refused too), and `audit verify` walks their chains."""
import re

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import DatabaseError, ProgrammingError

from hypothesis import strategies as st

from audit_support import tampering
from bad_input_support import explore, logged_in, mostly, pairs_of, submit, texts, valid_pairs
from pages_support import fresh_case, log_rows, pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.extensions import db
from pipeline.notes.chain import verify_notes
from pipeline.notes.models import CaseNote
from test_db_roles import app_engine  # noqa: F401  (a fixture: the application's role on PostgreSQL)

SCOPE = {"sec_a1": True, "com_a": True, "board": True, "admin": True,
         "sec_a2": False, "sec_b1": False, "com_b": False}
GOOD = "Quần chúng tích cực tham gia sinh hoạt chi đoàn, được nhân dân tín nhiệm."


def notes_url(case_id):
    return f"/candidates/{case_id}/notes"


def add(pages, case_id, note):
    return pages.post(notes_url(case_id), data={"note": note})


def stored_notes(case_id=None):
    db.session.expire_all()
    statement = sa.select(CaseNote).order_by(CaseNote.case_id, CaseNote.seq)
    if case_id is not None:
        statement = statement.where(CaseNote.case_id == case_id)
    return db.session.execute(statement).scalars().all()


def history(response):
    """The history as the reader goes down it: ("act", date) and ("note", date), in page order."""
    page = response.get_data(as_text=True)
    start = page.index('id="timeline"')
    found = re.finditer(r'class="(effective-date|note-date)">([0-9/]+)<', page[start:page.index("</ol>", start)])
    return [("act" if kind == "effective-date" else "note", day) for kind, day in (m.groups() for m in found)]


# --- adding and listing ----------------------------------------------------------------------

def test_a_note_shows_in_the_history_with_its_author_and_date_and_is_no_act(app, pages, world, make_case):
    case_id = make_case("dossier").id
    app.config["TODAY"] = "2021-11-20"
    version, stage, acts = fresh_case(case_id).version, fresh_case(case_id).stage, log_rows(case_id)
    pages.login("com_a")
    response = add(pages, case_id, GOOD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/candidates/{case_id}#note-1")
    page = pages.get(f"/candidates/{case_id}")
    assert "Note added to the history." in text(page)
    note = section(page, "note-1")
    assert GOOD in note and "20/11/2021" in note and "COM_A" in note and "Note" in note
    # Not an act: the case's stage, version and log are as they were, and no act is offered as done.
    case = fresh_case(case_id)
    assert (case.version, case.stage, log_rows(case_id)) == (version, stage, acts)
    assert ("note", "20/11/2021") == history(page)[-1]


def test_notes_stand_among_the_acts_by_their_date(app, pages, world, make_case):
    """Notes written on 01/10/2021 and 01/11/2021 (the day the dossier was completed) stand after
    the acts dated on or before their day and before the first one dated later."""
    case_id = make_case("branch_vote").id
    pages.login("sec_a1")
    for day in ("2021-10-01", "2021-11-01"):
        app.config["TODAY"] = day
        assert add(pages, case_id, f"Ghi chú ngày {day}").status_code == 302
    app.config["TODAY"] = None
    steps = history(pages.get(f"/candidates/{case_id}"))
    acts = [day for kind, day in steps if kind == "act"]
    assert len(steps) == len(acts) + 2 and "01/11/2021" in acts
    for note_day in ("01/10/2021", "01/11/2021"):
        at = steps.index(("note", note_day))
        key = lambda day: day[6:] + day[3:5] + day[:2]  # noqa: E731  (dd/mm/yyyy in date order)
        before = [day for kind, day in steps[:at] if kind == "act"]
        after = [day for kind, day in steps[at + 1:] if kind == "act"]
        assert all(key(day) <= key(note_day) for day in before) and before
        assert not after or key(after[0]) > key(note_day)


def test_a_note_is_escaped_and_keeps_its_lines(pages, world, make_case):
    case_id = make_case("spotted").id
    pages.login("sec_a1")
    assert add(pages, case_id, "<script>alert(1)</script>\r\n<b>đậm</b> & \"trích\"").status_code == 302
    body = pages.get(f"/candidates/{case_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in body and "<b>đậm" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\n&lt;b&gt;đậm&lt;/b&gt; &amp; &#34;trích&#34;" in body
    assert stored_notes(case_id)[0].text == "<script>alert(1)</script>\n<b>đậm</b> & \"trích\""


def test_the_case_page_reads_the_notes_in_one_statement(pages, world, make_case):
    """No statement per note (their authors come with them)."""
    counts = []
    for how_many in (1, 6):
        case_id = make_case("dossier").id
        for n in range(how_many):
            pages.login(("sec_a1", "com_a", "board")[n % 3])
            assert add(pages, case_id, f"Ghi chú {n}").status_code == 302
        pages.login("board")
        statements = []

        def seen(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert pages.get(f"/candidates/{case_id}").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)
        counts.append(len([s for s in statements if "case_note" in s]))
    assert counts == [1, 1]


# --- bounds: refused with the page and what was typed --------------------------------------------

@pytest.mark.parametrize("note, error", [
    ("", "Write the note before adding it."),
    ("   \r\n  ", "Write the note before adding it."),
    ("x" * 2001, "This note has 2001 characters; a note has at most 2000: please shorten it."),
    ("Ghi chú\x00ẩn", "Remove the invisible control characters from this text."),
])
def test_an_empty_or_too_long_note_is_refused_and_nothing_is_lost(pages, world, make_case, note, error):
    case_id = make_case("spotted").id
    pages.login("sec_a1")
    response = add(pages, case_id, note)
    assert response.status_code == 422
    assert error in section(response, "note-form")
    assert stored_notes(case_id) == []
    if note.strip():  # what was typed is back in the field, to shorten or correct
        field = re.search(r'<textarea[^>]*name="note"[^>]*>(.*?)</textarea>', response.get_data(as_text=True), re.S)
        assert field and len(field.group(1).strip()) >= len(note.strip()) - 1
    assert "Phùng Tấn Thắng" in text(response)  # the case page itself, not an error page


def test_the_limit_counts_a_line_break_once(pages, world, make_case):
    case_id = make_case("spotted").id
    pages.login("sec_a1")
    assert add(pages, case_id, "x" * 1000 + "\r\n" + "y" * 999).status_code == 302  # 2001 sent, 2000 kept
    assert len(stored_notes(case_id)[0].text) == 2000


def test_the_refusal_reads_in_vietnamese(pages, world, make_case):
    case_id = make_case("spotted").id
    pages.login("sec_a1")
    pages.post("/language", data={"lang": "vi"})
    response = add(pages, case_id, "")
    assert response.status_code == 422 and "Đồng chí chưa nhập nội dung ghi chú." in section(response, "note-form")
    response = add(pages, case_id, "x" * 2001)
    assert "Ghi chú này dài 2001 ký tự" in section(response, "note-form")


def test_bad_input_is_refused_with_a_message_and_writes_nothing(client, world, make_case):
    """Random unicode, control characters, 10,000 characters, missing or doubled fields, cases of
    another branch or none: never a 500, a refusal says why and writes nothing, a note is one row."""
    pages = logged_in(client, "sec_a1")
    case = make_case("spotted")
    other = make_case("spotted", branch=world.branch_b1, full_name="Trần Văn Khác")
    which_case = mostly(case.id, st.sampled_from([other.id, 999999]))

    def attempt(example):
        case_id, pairs = example
        return submit(pages, "POST", notes_url(case_id), pairs, [{"case_note": 1}])

    assert attempt((case.id, valid_pairs({"note": GOOD}))).changes == {"case_note": 1}
    explore(st.tuples(which_case, pairs_of({"note": GOOD}, {"note": texts})), attempt)
    kept = stored_notes()
    assert all(0 < len(n.text) <= 2000 and n.text == n.text.strip() and n.case_id == case.id for n in kept)
    assert not [n.text for n in kept if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", n.text)]


# --- scope -----------------------------------------------------------------------------------

@pytest.mark.parametrize("username", sorted(SCOPE))
def test_only_those_whose_scope_holds_the_case_add_a_note(pages, world, make_case, username):
    case_id = make_case("dossier").id
    pages.login(username)
    response = add(pages, case_id, GOOD)
    if SCOPE[username]:
        assert response.status_code == 302
        assert [(n.author.username, n.text) for n in stored_notes(case_id)] == [(username, GOOD)]
    else:
        assert response.status_code == 404
        assert "Phùng Tấn Thắng" not in text(response)
        assert stored_notes() == []


def test_a_note_on_a_case_that_is_not_there_is_a_404(pages, world):
    pages.login("board")
    assert add(pages, 999999, GOOD).status_code == 404 and stored_notes() == []


@pytest.mark.real_database
def test_notes_added_at_the_same_moment_are_all_kept_in_one_chain(app, world, make_case):
    """Eight members write on one case at once: every note is kept, numbered 1 to 8, chained."""
    import threading
    from pipeline.accounts.models import User
    from pipeline.notes.operations import add_note
    case_id = make_case("spotted").id
    db.session.commit()
    db.session.remove()
    barrier, outcomes = threading.Barrier(8), []

    def write(n):
        with app.app_context():
            try:
                author = db.session.execute(sa.select(User).where(User.username == ("sec_a1", "com_a")[n % 2])).scalar_one()
                barrier.wait(timeout=20)
                add_note(case_id, author, f"Ghi chú {n}")
                outcomes.append("kept")
            except Exception as error:  # reported in the assertion, not swallowed
                outcomes.append(f"{type(error).__name__}: {error}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes == ["kept"] * 8
    assert [n.seq for n in stored_notes(case_id)] == list(range(1, 9))
    assert verify_notes().breaks == []


# --- append-only and tamper-evident ----------------------------------------------------------

def _two_notes(pages, case_id):
    pages.login("sec_a1")
    for note in ("Ghi chú thứ nhất", "Ghi chú thứ hai"):
        assert add(pages, case_id, note).status_code == 302


@pytest.mark.parametrize("statement", ["UPDATE case_note SET text = 'sửa lén'", "DELETE FROM case_note"])
def test_the_database_refuses_to_change_or_delete_a_note(pages, world, make_case, statement):
    case_id = make_case("spotted").id
    _two_notes(pages, case_id)
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(sa.text(statement))
    db.session.rollback()
    assert [n.text for n in stored_notes(case_id)] == ["Ghi chú thứ nhất", "Ghi chú thứ hai"]


@pytest.mark.postgres_only
@pytest.mark.parametrize("statement", ["UPDATE case_note SET text = 'sửa lén'", "DELETE FROM case_note",
                                       "TRUNCATE case_note"])
def test_the_application_role_may_not_change_the_notes(pages, world, make_case, app_engine, statement):  # noqa: F811
    _two_notes(pages, make_case("spotted").id)
    db.session.remove()
    with app_engine.connect() as conn:
        with pytest.raises(ProgrammingError, match="permission denied"):
            conn.execute(sa.text(statement))
    with app_engine.connect() as conn:  # reading them is allowed
        assert conn.execute(sa.text("SELECT count(*) FROM case_note")).scalar() == 2


def test_audit_verify_walks_the_notes_and_names_an_edited_one(pages, world, make_case, runner):
    case_id = make_case("spotted").id
    _two_notes(pages, case_id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Notes checked: 2" in result.output and "Broken note chains: 0" in result.output
    with tampering("case_note"):
        db.session.execute(sa.update(CaseNote).where(CaseNote.case_id == case_id, CaseNote.seq == 1)
                           .values(text="Ghi chú đã bị sửa"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"notes of case {case_id} (Phùng Tấn Thắng, Chi bộ thôn A1), note no. 1: edited" in result.output
    assert [(b.seq, b.kind) for b in verify_notes().breaks] == [(1, "edited")]
    assert verify_notes(world.commune_b).notes == 0  # scoped to a subtree


def test_a_deleted_note_is_named(pages, world, make_case):
    case_id = make_case("spotted").id
    _two_notes(pages, case_id)
    assert add(pages, case_id, "Ghi chú thứ ba").status_code == 302
    with tampering("case_note"):
        db.session.execute(sa.delete(CaseNote).where(CaseNote.case_id == case_id, CaseNote.seq == 2))
    assert [(b.case_id, b.seq, b.kind) for b in verify_notes().breaks] == [(case_id, 2, "deleted")]


# --- the migration ---------------------------------------------------------------------------

@pytest.mark.real_database
def test_the_migration_makes_the_table_and_refuses_to_go_down_over_notes(app, pages, world, make_case):
    case_id = make_case("spotted").id
    db.session.remove()
    downgrade(revision="0013")
    assert "case_note" not in sa.inspect(db.engine).get_table_names()
    upgrade()
    _two_notes(pages, case_id)
    db.session.remove()
    with pytest.raises(SystemExit):  # refused: the notes would be lost
        downgrade(revision="0013")
    db.session.remove()
    upgrade()  # back over the later revisions a refused downgrade may have gone below
    assert len(stored_notes(case_id)) == 2
    with pytest.raises(DatabaseError, match="append-only"):  # the triggers came with the upgrade
        db.session.execute(sa.text("DELETE FROM case_note"))
    db.session.rollback()
