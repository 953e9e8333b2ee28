"""Issue 16: an act reads the case's snapshot (its state as the log replays to, kept by every act)
instead of its whole log; the snapshot is a projection `audit verify` checks, rebuilt from the
log when missing."""
from dataclasses import replace
from datetime import date

from sqlalchemy import delete, select, update

from conftest import FORWARD_ACTS, record_documents
from pipeline.dossier.operations import DocumentEntry, record_document
from pipeline.extensions import db
from pipeline.workflow import operations
from pipeline.workflow.log import load_log
from pipeline.workflow.models import CaseSnapshot
from pipeline.workflow.projection import differences
from pipeline.workflow.replay import replay
from pipeline.workflow.snapshot import decode, encode


def a_document(world, case, n):
    return record_document(case.id, world["sec_a1"], DocumentEntry(
        "1-KNĐ", received=True, received_on=date(2021, 9, 20), note=f"lần {n}"))


def snapshot_of(case_id):
    db.session.expire_all()
    return db.session.get(CaseSnapshot, case_id)


def test_an_act_on_a_long_log_reads_none_of_its_entries(world, make_case, count_statements):
    case = make_case("dossier")
    for n in range(30):
        a_document(world, case, n)
    world["sec_a1"].unit.path
    with count_statements() as counter:
        a_document(world, case, 31)
    reads_of_the_log = [s for s in counter.statements if "FROM case_event" in s]
    assert reads_of_the_log == []
    snapshot = snapshot_of(case.id)
    log = load_log(case.id)
    assert (snapshot.head_seq, snapshot.head_hash) == (log[-1].seq, log[-1].hash)


def test_every_case_s_snapshot_is_what_its_log_replays_to(world, make_case):
    cases = [make_case(stage) for stage in ("spotted", "training", "dossier", "branch_vote", "probation")]
    for case in cases:
        log = load_log(case.id)
        state = replay(log)
        stored = snapshot_of(case.id)
        assert stored.state == encode(state)
        # Everything the state holds but its log, its head and the deadlines every reader recounts.
        assert replace(decode(stored.state), head=None, deadlines=()) == replace(
            state, entries=None, head=None, deadlines=())
    assert differences([case.id for case in cases]) == {}


def test_a_case_without_a_snapshot_is_replayed_and_gets_one(world, make_case):
    case = make_case("dossier")
    db.session.execute(delete(CaseSnapshot).where(CaseSnapshot.case_id == case.id))
    db.session.commit()
    a_document(world, case, 1)
    snapshot = snapshot_of(case.id)
    assert snapshot is not None and snapshot.head_seq == load_log(case.id)[-1].seq
    assert differences([case.id]) == {}


def test_a_wrong_snapshot_is_reported_by_the_check_of_the_projections(world, make_case):
    case = make_case("dossier")
    state = dict(snapshot_of(case.id).state, stage="branch_vote")
    db.session.execute(update(CaseSnapshot).where(CaseSnapshot.case_id == case.id).values(state=state))
    db.session.commit()
    assert list(differences([case.id])) == [case.id]


def test_an_act_after_a_vote_reads_what_the_log_said(world, make_case, english):
    """A correction reads earlier entries: judged on the whole log, it names an act that the
    snapshot does not keep."""
    case = make_case("branch_vote")
    first = load_log(case.id)[1]
    entry = operations.record_act(case.id, "record_correction", world["sec_a1"], date(2021, 11, 20),
                                  {"corrects_seq": first.seq, "what": "ngày", "corrected_value": "x"},
                                  reason="nhập nhầm")
    assert entry.data["corrects_seq"] == first.seq
    assert differences([case.id]) == {}


def test_snapshots_build_writes_the_missing_ones(world, make_case, runner):
    cases = [make_case("dossier"), make_case("probation")]
    db.session.execute(delete(CaseSnapshot))
    db.session.commit()
    result = runner.invoke(args=["snapshots", "build"])
    assert result.exit_code == 0, result.output
    assert "Snapshots written:" in result.output
    stored = db.session.execute(select(CaseSnapshot.case_id)).scalars().all()
    assert {case.id for case in cases} <= set(stored)
    assert differences(stored) == {}


def test_a_vote_judged_on_the_snapshot_counts_the_documents_the_log_holds(world, make_case):
    """The branch vote's guards read the checklist (the acts that are documents) from the state
    kept in the snapshot: with every document recorded, it passes as it did on the log."""
    case = make_case("branch_vote")
    record_documents(world, case.id, "record_branch_vote")
    name, _, day, data = FORWARD_ACTS["branch_vote"]
    entry = operations.record_act(case.id, name, world["sec_a1"], day, data)
    assert entry.to_stage == "committee_review"
    assert differences([case.id]) == {}
