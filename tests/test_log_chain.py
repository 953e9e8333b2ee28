"""The act log: replaying it gives the stored stage; its hash chain, HMACs under the log key,
reveals edited, deleted and inserted rows, even when the later hashes were recomputed without the
key; the database itself refuses UPDATE and DELETE on it, and the stage column is guarded by
CHECK constraints."""
import contextlib
import hashlib
import hmac
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, select, update

from pipeline.base.signing import LogKeyMissing, key_fingerprint
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.workflow.models import LogEntry, LogKey, entry_hash, entry_payload
from pipeline.workflow.log import replay_stage, verify_chain
from pipeline.workflow.log import load_log
from pipeline.workflow.operations import record_act
from pipeline.workflow.stages import STAGE_NAMES

pytestmark = pytest.mark.usefixtures("english")

REASON = "Quần chúng xin rút vì lý do gia đình"
# Side stages and the act that reaches each one from a stage of the main road.
SIDE_ROUTES = {
    "expired": ("training", "expire", "sec_a1", date(2021, 10, 1)),
    "rejected": ("decision", "refuse_admission", "board", date(2022, 1, 10)),
    "withdrawn": ("committee_review", "withdraw", "sec_a1", date(2021, 12, 5)),
    "removed": ("spotted", "remove_from_pool", "sec_a1", date(2021, 8, 15)),
    "struck_off": ("probation", "strike_off", "sec_a1", date(2022, 6, 1)),
}


def fresh_events(case_id):
    db.session.expire_all()
    return load_log(case_id)


def stored_stage(case_id):
    return db.session.scalar(select(Case.stage).where(Case.id == case_id))


def reach(make_case, world, stage):
    if stage not in SIDE_ROUTES:
        return make_case(stage)
    start, act_name, who, day = SIDE_ROUTES[stage]
    case = make_case(start)
    record_act(case.id, act_name, world[who], day, {}, reason=REASON)
    return case


def failed_vote(make_case, world):
    case = make_case("branch_vote")
    record_act(case.id, "record_branch_vote", world["sec_a1"], date(2021, 12, 1),
                {"members_total": 30, "members_present": 30, "votes_for": 19, "votes_against": 11})
    return case


def failed_then_resumed(make_case, world):
    case = failed_vote(make_case, world)
    record_act(case.id, "resume_dossier", world["sec_a1"], date(2021, 12, 10), {})
    return case


def rejected_then_reopened(make_case, world):
    case = reach(make_case, world, "rejected")
    record_act(case.id, "reopen", world["sec_a1"], date(2022, 2, 1), {}, reason="Bồi dưỡng lại")
    return case


HISTORIES = [pytest.param(lambda mc, w, s=stage: reach(mc, w, s), stage, id=stage) for stage in STAGE_NAMES] + [
    pytest.param(failed_vote, "spotted", id="failed-branch-vote"),
    pytest.param(failed_then_resumed, "dossier", id="failed-vote-then-resumed"),
    pytest.param(rejected_then_reopened, "spotted", id="rejected-then-reopened"),
]


@pytest.mark.parametrize("build, stage", HISTORIES)
def test_replaying_the_log_gives_the_stored_stage(world, make_case, build, stage):
    case = build(make_case, world)
    events = fresh_events(case.id)
    assert stored_stage(case.id) == stage
    assert replay_stage(events) == stage
    assert verify_chain(events) is None
    assert [row.seq for row in events] == list(range(1, len(events) + 1))
    assert events[0].act == "spot" and events[0].from_stage is None


def test_replay_refuses_acts_that_do_not_follow_one_another(world, make_case):
    case = make_case("ceremony")
    events = fresh_events(case.id)
    completed = next(i for i, row in enumerate(events) if row.act == "complete_dossier")
    assert replay_stage(events[:completed] + events[completed + 1:]) is None
    assert replay_stage(events[1:]) is None


def test_chains_of_different_cases_are_independent(world, make_case):
    first, second = make_case("decision"), make_case("training", branch=world.branch_b1)
    record_act(first.id, "record_decision", world["board"], date(2022, 1, 20),
                {"decision_number": "1-QĐ/TU", "received_on": "2022-01-22", "issuing_unit_id": world.town.id})
    for case in (first, second):
        assert verify_chain(fresh_events(case.id)) is None


# --- tampering (only possible once the append-only triggers are out of the way) ------------------

@contextlib.contextmanager
def append_only_bypassed():
    """Lets the test edit the log as an intruder with database access would, then commits."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    else:
        db.session.execute(sa.text("DROP TRIGGER case_event_no_update"))
        db.session.execute(sa.text("DROP TRIGGER case_event_no_delete"))
    yield
    db.session.commit()


def row_where(case_id, seq):
    return (LogEntry.case_id == case_id) & (LogEntry.seq == seq)


@pytest.fixture
def case_with_history(world, make_case):
    """A case with 7 acts and the 6 documents of its dossier (seq 4-9): 13 rows, its chain intact."""
    case = make_case("ceremony")
    events = fresh_events(case.id)
    assert len(events) == 13 and verify_chain(events) is None
    return case


@pytest.mark.parametrize("column, value", [
    ("data", {"members_total": 30, "members_present": 30, "votes_for": 30, "votes_against": 0, "rulebook": "2021"}),
    ("reason", "Chi bộ nhất trí"),
    ("effective_date", date(2021, 11, 30)),
    ("to_stage", "decision"),
    ("actor_id", None),
    ("recorded_at", datetime(2021, 12, 1, 8, 0)),
])
def test_an_edited_row_breaks_the_chain_at_that_row(case_with_history, column, value):
    case_id = case_with_history.id
    with append_only_bypassed():
        db.session.execute(update(LogEntry).where(row_where(case_id, 4)).values({column: value}))
    events = fresh_events(case_id)
    assert getattr(events[3], column) == value
    broken = verify_chain(events)
    assert broken is not None and broken.seq == 4


def test_an_edited_row_with_a_recomputed_hash_breaks_the_chain_at_the_next_row(case_with_history):
    case_id = case_with_history.id
    row = fresh_events(case_id)[3]
    forged = dict(row.data, votes_for=30)
    row.data = forged
    new_hash = row.compute_hash()
    db.session.rollback()
    with append_only_bypassed():
        db.session.execute(update(LogEntry).where(row_where(case_id, 4)).values(data=forged, hash=new_hash))
    broken = verify_chain(fresh_events(case_id))
    assert broken is not None and broken.seq == 5


def test_a_deleted_row_breaks_the_chain(case_with_history):
    case_id = case_with_history.id
    with append_only_bypassed():
        db.session.execute(delete(LogEntry).where(row_where(case_id, 3)))
    events = fresh_events(case_id)
    broken = verify_chain(events)
    assert broken is not None and broken.seq == 4
    assert replay_stage(events) is None


def test_deleting_the_last_row_shows_as_a_stage_the_log_cannot_explain(case_with_history):
    case_id = case_with_history.id
    with append_only_bypassed():
        db.session.execute(delete(LogEntry).where(row_where(case_id, 13)))
    events = fresh_events(case_id)
    assert replay_stage(events) != stored_stage(case_id) == "ceremony"


def test_a_row_inserted_in_the_middle_breaks_the_chain(case_with_history):
    case_id = case_with_history.id
    events = fresh_events(case_id)
    template = events[2]
    with append_only_bypassed():
        for seq in range(len(events), 3, -1):  # make room at seq 4, one row at a time (unique seq)
            db.session.execute(update(LogEntry).where(row_where(case_id, seq)).values(seq=seq + 1))
        forged = LogEntry(case_id=case_id, seq=4, act="expire", from_stage="dossier",
                           to_stage="dossier", actor_id=template.actor_id,
                           recorded_at=datetime(2021, 11, 20, 9, 0), effective_date=date(2021, 11, 20),
                           reason="ghi thêm", data={"rulebook": "2021"}, prev_hash=template.hash)
        forged.hash = forged.compute_hash()  # a careful forger: the row itself is consistent
        db.session.add(forged)
    events = fresh_events(case_id)
    assert len(events) == 14
    broken = verify_chain(events)
    assert broken is not None and broken.seq == 5 and broken.act == "record_document"


def test_a_row_appended_with_a_made_up_hash_is_caught(case_with_history):
    case_id = case_with_history.id
    last = fresh_events(case_id)[-1]
    db.session.add(LogEntry(case_id=case_id, seq=14, act="hold_ceremony", from_stage="ceremony",
                             to_stage="probation", actor_id=last.actor_id, recorded_at=datetime(2022, 2, 11),
                             effective_date=date(2022, 2, 10), reason="", data={}, prev_hash="f" * 64,
                             hash="e" * 64))
    db.session.commit()
    broken = verify_chain(fresh_events(case_id))
    assert broken is not None and broken.seq == 14


# --- what the database refuses ----------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "UPDATE case_event SET reason = 'sửa' WHERE candidate_id = :case_id AND seq = 2",
    "DELETE FROM case_event WHERE candidate_id = :case_id AND seq = 7",
    "DELETE FROM case_event WHERE candidate_id = :case_id",
], ids=["update", "delete-one", "delete-all"])
def test_the_database_refuses_to_change_the_log(case_with_history, statement):
    case_id = case_with_history.id
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement), {"case_id": case_id})
        db.session.commit()
    db.session.rollback()
    events = fresh_events(case_id)
    assert len(events) == 13 and verify_chain(events) is None


def test_the_orm_cannot_edit_a_log_row_either(case_with_history):
    row = fresh_events(case_with_history.id)[1]
    row.reason = "sửa lại cho đẹp"
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert verify_chain(fresh_events(case_with_history.id)) is None


@pytest.mark.parametrize("stage, exit_reason", [
    ("admitted", None),        # not a stage
    ("withdrawn", None),       # an exit without its reason
    ("struck_off", None),
    ("dossier", "Lý do thừa"),  # a reason on a case that has not left
])
def test_the_database_guards_the_stage_column(world, make_case, stage, exit_reason):
    case = make_case("dossier")
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(update(Case).where(Case.id == case.id)
                           .values(stage=stage, exit_reason=exit_reason))
        db.session.commit()
    db.session.rollback()
    assert stored_stage(case.id) == "dossier"


def test_an_exit_with_its_reason_is_accepted_by_the_database(world, make_case):
    case = make_case("dossier")
    db.session.execute(update(Case).where(Case.id == case.id)
                       .values(stage="withdrawn", exit_reason=REASON))
    db.session.commit()
    assert stored_stage(case.id) == "withdrawn"



# --- the key ------------------------------------------------------------------------------------

def test_the_hash_is_an_hmac_under_the_log_key(case_with_history, app):
    """Without the key, the project's own payload hashed with SHA-256 (or an HMAC under any other
    key) does not give the stored hash: a recomputed chain cannot pass."""
    row = fresh_events(case_with_history.id)[3]
    payload = entry_payload(row)
    assert row.hash == hmac.new(b"test log key", payload.encode("utf-8"), hashlib.sha256).hexdigest()
    assert row.hash != hashlib.sha256(payload.encode("utf-8")).hexdigest()
    assert row.hash != entry_hash(row, key="another key")
    assert key_fingerprint() == db.session.scalar(select(LogKey.fingerprint))  # stored by the migration


def test_an_edit_recomputed_without_the_key_breaks_at_the_edited_row(case_with_history):
    case_id = case_with_history.id
    events = fresh_events(case_id)
    prev = events[2].hash
    db.session.rollback()
    with append_only_bypassed():
        for row in events[3:]:  # the reason of act no. 4 changed, every later hash recomputed
            reason = "sửa lén" if row.seq == 4 else row.reason
            forged = LogEntry(case_id=row.case_id, seq=row.seq, act=row.act, from_stage=row.from_stage,
                              to_stage=row.to_stage, actor_id=row.actor_id, recorded_at=row.recorded_at,
                              effective_date=row.effective_date, reason=reason, data=row.data, prev_hash=prev)
            new_hash = hashlib.sha256(entry_payload(forged).encode("utf-8")).hexdigest()
            db.session.execute(update(LogEntry).where(row_where(case_id, row.seq))
                               .values(reason=reason, prev_hash=prev, hash=new_hash))
            prev = new_hash
    broken = verify_chain(fresh_events(case_id))
    assert broken is not None and broken.seq == 4


def test_no_act_is_written_without_the_key(world, make_case, app):
    case = make_case("spotted")
    app.config["LOG_KEY"] = None
    with pytest.raises(LogKeyMissing, match="KETNAP_LOG_KEY"):
        record_act(case.id, "remove_from_pool", world["sec_a1"], date(2021, 8, 15), {}, reason=REASON)
    assert len(fresh_events(case.id)) == 1


def test_the_opening_act_records_every_particular_and_the_branch(world, make_case):
    case = make_case("spotted", branch=world.branch_a2)
    data = fresh_events(case.id)[0].data
    assert data["branch_id"] == world.branch_a2.id
    for name in ("full_name", "sex", "ethnicity", "education", "occupation", "residence", "youth_union_member",
                 "source_organisation", "helper_member"):
        assert data[name] == getattr(case, name), name
    assert data["date_of_birth"] == case.date_of_birth.isoformat()
