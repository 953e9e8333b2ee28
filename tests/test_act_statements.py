"""Issue 16: what one act costs in SQL statements, whatever the length of the case's log. The act
reads the case (its branch and the unit above it with the row lock), its log and the calendar,
writes its entry and the case row, and reads and writes only the projection rows that change."""
import re
from datetime import date
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from conftest import FORWARD_ACTS, MAIN_ROAD, actor_for, count_events, with_ids
from pipeline.cases.models import Case
from pipeline.dossier.operations import DocumentEntry, record_document
from pipeline.extensions import db
from pipeline.workflow import operations
from pipeline.base.errors import CaseChanged
from pipeline.dossier import operations as dossier_operations

MAX_STATEMENTS = 10


def counted(count_statements, call, actor):
    actor.unit.path  # loaded as a request has it before acting: the act's own statements only
    with count_statements() as counter:
        call()
    return counter.count


def a_note_on_document(world, case, n, count_statements=None):
    """record_document (through the dossier's own operation) with a new note: one act."""
    actor = world["sec_a1"]
    entry = DocumentEntry("1-KNĐ", received=True, received_on=date(2021, 9, 20), note=f"lần {n}")
    call = lambda: record_document(case.id, actor, entry)  # noqa: E731
    return counted(count_statements, call, actor) if count_statements else call()


def test_a_document_costs_the_same_on_a_short_and_a_long_log(world, make_case, count_statements):
    short, long = make_case("dossier"), make_case("dossier")
    a_note_on_document(world, short, 0)  # both with the item's row: each act then changes it
    for n in range(40):
        a_note_on_document(world, long, n)
    first = a_note_on_document(world, short, 1, count_statements)
    later = a_note_on_document(world, long, 41, count_statements)
    assert first == later <= MAX_STATEMENTS, (first, later)


@pytest.mark.parametrize("stage", MAIN_ROAD[:-1])
def test_each_act_of_the_main_road_takes_at_most_ten_statements(world, make_case, count_statements, stage):
    from conftest import record_documents
    case = make_case(stage)
    act_name, who, day, data = FORWARD_ACTS[stage]
    if stage == "training":
        pytest.skip("the certificate is recorded on the class's results page, with its result")
    if stage == "probation":  # the first act of probation: the branch's vote on recognition
        from conftest import ACTS_WITHIN
        act_name, who, day, data = ACTS_WITHIN[stage][0]
    record_documents(world, case.id, act_name)
    actor = actor_for(world, who, case.branch)
    count = counted(count_statements, lambda: operations.record_act(
        case.id, act_name, actor, day, with_ids(world, act_name, data)), actor)
    assert count <= MAX_STATEMENTS, count


def flushes_during(call):
    """How many times the session flushed while `call` ran."""
    flushes = []
    listener = lambda session, context: flushes.append(context)  # noqa: E731
    sa.event.listen(Session, "after_flush", listener)
    try:
        call()
    finally:
        sa.event.remove(Session, "after_flush", listener)
    return len(flushes)


def writes_of(statements):
    return [s for s in statements if not s.lstrip().upper().startswith("SELECT")
            or s.lstrip().upper().startswith("WITH")]


def on_postgresql():
    return db.engine.dialect.name == "postgresql"


def rows_written_by_the_act():
    """What an act that changes an item writes: its entry, the case row, the item, the snapshot.
    PostgreSQL writes them in one statement, SQLite's flush (no data-modifying CTEs) one each."""
    return 1 if on_postgresql() else 4


def flushes_of_an_act():
    return 0 if on_postgresql() else 1


def test_a_document_is_written_in_one_statement_without_the_flush(world, make_case, count_statements):
    """No autoflush before the act's reads (the calendar, the items), and on PostgreSQL no flush at
    the commit: the act's rows go out together (pipeline.written_at_once)."""
    case = make_case("dossier")
    a_note_on_document(world, case, 0)  # the item's row exists from here on
    events = count_events(case.id)
    with count_statements() as counter:
        assert flushes_during(lambda: a_note_on_document(world, case, 1)) == flushes_of_an_act()
    assert len(writes_of(counter.statements)) == rows_written_by_the_act(), counter.statements
    db.session.expire_all()
    item = next(i for i in db.session.get(Case, case.id).dossier_items if i.item_key == "1-KNĐ")
    assert item.note == "lần 1" and count_events(case.id) == events + 1


def test_an_act_of_the_main_road_is_written_without_the_flush(world, make_case):
    from conftest import record_documents
    case = make_case("dossier")
    act_name, who, day, data = FORWARD_ACTS["dossier"]
    record_documents(world, case.id, act_name)
    actor = actor_for(world, who, case.branch)
    version = db.session.get(Case, case.id).version
    assert flushes_during(lambda: operations.record_act(
        case.id, act_name, actor, day, with_ids(world, act_name, data))) == flushes_of_an_act()
    db.session.expire_all()
    moved = db.session.get(Case, case.id)
    assert (moved.stage, moved.version) == ("branch_vote", version + 1)


def test_the_first_note_on_an_item_adds_its_row_in_the_same_statement(world, make_case):
    case = make_case("dossier")
    assert flushes_during(lambda: a_note_on_document(world, case, 0)) == flushes_of_an_act()
    db.session.expire_all()
    assert [i.note for i in db.session.get(Case, case.id).dossier_items if i.item_key == "1-KNĐ"] == ["lần 0"]


def test_a_case_changed_meanwhile_is_refused_and_nothing_is_written(world, make_case, monkeypatch):
    """The case row's version is checked by the statement itself: a version moved by another
    transaction after the act read it refuses the act, its entry and rows rolled back."""
    case = make_case("dossier")
    a_note_on_document(world, case, 0)
    events = count_events(case.id)
    real_lock = dossier_operations.lock_case

    def lock_then_move(*args, **kwargs):
        locked = real_lock(*args, **kwargs)
        # Another writer's bump, as if it had committed just before: only the statement's own
        # WHERE version = ... can notice it now.
        db.session.execute(sa.text("UPDATE candidate SET version = version + 1 WHERE id = :id"), {"id": case.id})
        return locked

    monkeypatch.setattr(dossier_operations, "lock_case", lock_then_move)
    with pytest.raises(CaseChanged):
        a_note_on_document(world, case, 1)
    db.session.expire_all()
    assert count_events(case.id) == events
    item = next(i for i in db.session.get(Case, case.id).dossier_items if i.item_key == "1-KNĐ")
    assert item.note == "lần 0"


VERSION_FIELD = re.compile(r'name="version"[^>]*value="(\d+)"')


def test_a_document_sent_from_its_page_takes_four_statements(world, make_case, client, login, count_statements):
    """The whole request, as a secretary's phone sends it: the signed-in user, the case read
    locked for the form (the act does not read it again), its dossier items, then the case row,
    the log entry, the item and the snapshot written in one statement (four on SQLite). No
    calendar: no deadline runs in the dossier stage."""
    case = make_case("dossier")
    login("sec_a1")
    path = f"/candidates/{case.id}/dossier/{quote('1-KNĐ')}"
    client.post(path, data={"version": VERSION_FIELD.search(client.get(path).get_data(as_text=True)).group(1),
                            "note": "lần 1"})  # the item's row exists from here on
    version = VERSION_FIELD.search(client.get(path).get_data(as_text=True)).group(1)
    with count_statements() as counter:
        response = client.post(path, data={"version": version, "note": "lần 2"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert "lần 2" in client.get(f"/candidates/{case.id}/dossier").get_data(as_text=True)
    assert counter.count == 3 + rows_written_by_the_act(), counter.statements


def test_an_act_sent_from_its_page_reads_the_case_once(world, make_case, client, login, count_statements):
    """The act's form reads the case locked, and the act does not read it a second time."""
    from conftest import record_documents
    case = make_case("dossier")
    act_name, who, day, data = FORWARD_ACTS["dossier"]
    record_documents(world, case.id, act_name)
    login(actor_for(world, who, case.branch).username)
    path = f"/candidates/{case.id}/act/{act_name}"
    version = VERSION_FIELD.search(client.get(path).get_data(as_text=True)).group(1)
    form = {"version": version, "effective_date": day.isoformat(), **{k: str(v) for k, v in
                                                                    with_ids(world, act_name, data).items()}}
    with count_statements() as counter:
        response = client.post(path, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    case_reads = [s for s in counter.statements if s.lstrip().startswith("SELECT") and "FROM candidate" in s]
    assert len(case_reads) == 1, case_reads
    assert counter.count <= MAX_STATEMENTS, counter.statements
