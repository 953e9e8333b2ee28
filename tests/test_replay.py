"""A case's state is a function of its log: the stage, the dates the guards read, the dossier's
documents, the enrolments and certificates and the running deadlines all come from replaying its
entries, and the tables that hold them for pages and reports (the projection) are exactly what a
fresh replay gives — on the whole demo, after every act, and after the calendar changes."""
from datetime import date

import pytest
import sqlalchemy as sa

from conftest import FORWARD_ACTS, MAIN_ROAD, append_entry, with_ids
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.training.operations import latest_enrolment
from pipeline.workdays import operations as calendar_operations
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.checklist import checklist_for, staleness_lines
from pipeline.workflow.deadlines import CHECKLIST_STAGES, oldest_stale_document
from pipeline.workflow.definition import MACHINE
from pipeline.workflow.log import load_log
from pipeline.workflow.operations import record_act
from pipeline.workflow.projection import differences, projection_of, stored_projection
from pipeline.workflow.replay import BrokenLog, replay, with_deadlines


def all_case_ids():
    return db.session.execute(sa.select(Case.id).order_by(Case.id)).scalars().all()


def test_every_demo_case_is_what_its_log_replays_to(demo):
    ids = all_case_ids()
    assert len(ids) == 345
    assert differences(ids) == {}
    assert MACHINE.models == []


def test_the_staleness_deadline_counts_from_the_documents_the_whole_checklist_names(demo):
    """The projection reads only the documents that go stale; the checklist would name the same."""
    counted = 0
    for case in db.session.execute(sa.select(Case).where(Case.stage.in_(CHECKLIST_STAGES))).scalars():
        state = replay(load_log(case.id))
        day = state.last_effective_date
        assert oldest_stale_document(staleness_lines(case, state, day), day) == \
            oldest_stale_document(checklist_for(case, state, day), day), case.full_name
        counted += 1
    assert counted > 20


@pytest.mark.parametrize("stage", MAIN_ROAD)
def test_after_the_acts_of_each_stage_the_tables_are_the_replay(world, make_case, stage):
    case = make_case(stage)
    assert differences([case.id]) == {}
    stored = stored_projection(db.session.get(Case, case.id))
    assert stored.case["stage"] == stage
    assert (stage in ("dossier", "branch_vote", "committee_review", "decision", "ceremony", "probation")) \
        == bool(stored.deadlines)


def test_acting_and_replaying_agree(world, make_case):
    case = make_case("decision")
    act_name, _who, day, data = FORWARD_ACTS["decision"]
    record_act(case.id, act_name, world["board"], day, with_ids(world, act_name, data))
    record_act(case.id, "hold_ceremony", world["sec_a1"], date(2022, 2, 10), {"place": "Hội trường"})
    case = db.session.get(Case, case.id)
    state = with_deadlines(replay(load_log(case.id)), WorkingCalendar.load(), case)
    assert projection_of(state) == stored_projection(case)
    assert (state.stage, state.ceremony_date, state.decision_received_on) == (
        "probation", date(2022, 2, 10), date(2022, 1, 25))
    assert [d.key for d in state.deadlines] == ["recognition_review"]
    assert state.current_enrolment.certificate_number == latest_enrolment(case.id).certificate_number == "CN-001"
    assert {key for key, doc in state.documents.items() if doc.received} >= {"1-KNĐ", "2-KNĐ", "3-KNĐ:1", "3-KNĐ:2"}


def test_a_calendar_change_keeps_every_projection_equal_to_its_replay(world, make_case):
    cases = [make_case(stage) for stage in ("committee_review", "ceremony", "probation")]
    due = {row.key: row.due_on for case in cases for row in db.session.get(Case, case.id).deadlines}
    calendar_operations.add_calendar_override(world["admin"], date(2022, 1, 26), False, "Nghỉ bù")
    db.session.expire_all()
    assert differences([case.id for case in cases]) == {}
    moved = {row.key: row.due_on for case in cases for row in db.session.get(Case, case.id).deadlines}
    assert moved["ceremony"] > due["ceremony"]


def test_replaying_twice_gives_the_same_state(world, make_case):
    log = load_log(make_case("probation").id)
    first, second = replay(log), replay(log)
    assert projection_of(first) == projection_of(second)
    assert first.entries == second.entries and len(first.entries) == len(log)


def test_a_log_the_process_cannot_follow_is_refused(world, make_case):
    """An entry written past the guards (a forger, an old bug) that the table does not allow
    where the case stood: the replay says so instead of inventing a state."""
    case = make_case("dossier")
    append_entry(case.id, "hold_ceremony", world["sec_a1"], date(2021, 12, 1), {"place": "x"}, to_stage="probation")
    with pytest.raises(BrokenLog, match="hold_ceremony"):
        replay(load_log(case.id))
    assert MACHINE.models == []
    (_stored, broken), = differences([case.id]).values()  # the check names the case, and why
    assert isinstance(broken, BrokenLog) and "hold_ceremony is not possible from dossier" in str(broken)


def test_the_projection_check_names_a_case_whose_table_was_changed_by_hand(world, make_case):
    case = make_case("ceremony")
    other = make_case("training")
    db.session.get(Case, case.id).stage = "probation"  # written behind the workflow's back
    db.session.flush()
    found = differences([case.id, other.id])
    assert list(found) == [case.id]
    stored, wanted = found[case.id]
    assert (stored.case["stage"], wanted.case["stage"]) == ("probation", "ceremony")
