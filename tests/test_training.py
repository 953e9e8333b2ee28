"""Training classes through the operations: who organises a class, enrolment as the workflow
act enrol_training (one case or a selection), results and certificates, and the guard that
lets a case leave the training stage only with a passing result. A bulk submission with one
bad row writes nothing."""
from datetime import date

import pytest
from sqlalchemy import func, select

from conftest import append_entry, count_events, fresh, record_training_result
from pipeline.extensions import db
from pipeline.training import operations as training
from pipeline.training.operations import latest_enrolment
from pipeline.training.models import Enrolment, TrainingClass
from pipeline.workflow import definition
from pipeline.workflow.models import LogEntry
from pipeline.workflow.log import verify_chain
from pipeline.base.errors import ActBlocked, NotPermitted
from pipeline.workflow.log import load_log
from pipeline.transaction import one_transaction
from pipeline.workflow.operations import record_act, open_case
from pipeline.workflow.projection import rebuild

pytestmark = pytest.mark.usefixtures("english")

START, END = date(2022, 4, 18), date(2022, 4, 29)


def new_class(world, unit=None, name="Lớp bồi dưỡng khóa 1/2022", starts_on=START, ends_on=END, actor="board"):
    return training.create_class(world[actor], unit or world.town, name, starts_on, ends_on,
                                 organiser_name="Trung tâm Chính trị thị xã", place="Hội trường")


def enrolments():
    return db.session.execute(select(func.count()).select_from(Enrolment)).scalar_one()


def log_rows():
    return db.session.execute(select(func.count()).select_from(LogEntry)).scalar_one()


def snapshot(case_ids):
    """What a refused submission must leave as it was."""
    db.session.expire_all()
    return (log_rows(), enrolments(), [(fresh(i).stage, fresh(i).version) for i in case_ids],
            db.session.execute(select(Enrolment.id, Enrolment.result, Enrolment.certificate_number)
                               .order_by(Enrolment.id)).all())


def enrolled(world, make_case, n, training_class, branch=None):
    """n cases of branch (default A1) enrolled in the class on its first day."""
    cases = [make_case(branch=branch or world.branch_a1, full_name=f"Nguyễn Văn Số {i}") for i in range(n)]
    training.enrol_cases(world["board"], training_class, [c.id for c in cases], training_class.starts_on)
    return cases


# --- who organises a class ---------------------------------------------------------------------

@pytest.mark.parametrize("username, allowed", [
    ("board", True), ("com_a", False), ("sec_a1", False), ("admin", False)])
def test_a_class_is_created_by_the_board_of_a_deciding_unit(world, username, allowed):
    if allowed:
        training_class = new_class(world, actor=username)
        assert training_class.organiser_unit_id == world.town.id
    else:
        with pytest.raises(NotPermitted):
            new_class(world, actor=username)
    assert db.session.execute(select(func.count()).select_from(TrainingClass)).scalar_one() == 1 + allowed


def test_a_committee_that_decides_admissions_organises_its_own_classes_only(world):
    with pytest.raises(NotPermitted):
        new_class(world, unit=world.commune_a, actor="com_a")
    world.commune_a.decides_admissions = True
    db.session.commit()
    assert new_class(world, unit=world.commune_a, actor="com_a").organiser_unit_id == world.commune_a.id
    with pytest.raises(NotPermitted):  # not the town's classes: they belong to the level above
        new_class(world, unit=world.town, actor="com_a")
    # the board organises for any deciding unit of its subtree
    assert new_class(world, unit=world.commune_a, actor="board").organiser_unit_id == world.commune_a.id


def test_a_class_cannot_end_before_it_starts(world):
    with pytest.raises(ActBlocked):
        new_class(world, starts_on=END, ends_on=START)


# --- enrolment, one case -----------------------------------------------------------------------

def test_enrolling_one_case_writes_the_act_and_the_enrolment_together(world, make_case):
    training_class = new_class(world)
    case = make_case()
    row = record_act(case.id, "enrol_training", world["sec_a1"], date(2022, 4, 10),
                      {"class_id": training_class.id})
    assert fresh(case.id).stage == "training"
    assert row.data["class_id"] == training_class.id
    assert row.data["class_name"] == "Lớp bồi dưỡng khóa 1/2022"
    assert row.data["organiser"] == "Trung tâm Chính trị thị xã"
    enrolment = latest_enrolment(case.id)
    assert (enrolment.class_id, enrolment.enrolled_on, enrolment.result) == (training_class.id, date(2022, 4, 10), None)


@pytest.mark.parametrize("username", ["board", "com_a", "sec_a1"])
def test_the_branch_and_the_organiser_may_enrol(world, make_case, username):
    training_class = new_class(world)
    case = make_case()
    record_act(case.id, "enrol_training", world[username], START, {"class_id": training_class.id})
    assert fresh(case.id).stage == "training"


def test_a_class_of_another_commune_is_not_open_to_the_branch(world, make_case):
    world.commune_b.decides_admissions = True
    db.session.commit()
    other = new_class(world, unit=world.commune_b)
    case = make_case()
    before = snapshot([case.id])
    with pytest.raises(ActBlocked) as refused:
        record_act(case.id, "enrol_training", world["board"], START, {"class_id": other.id})
    assert "the class Lớp bồi dưỡng khóa 1/2022 is not open to this branch" in map(str, refused.value.reasons)
    assert snapshot([case.id]) == before


def test_enrolling_after_the_class_ended_is_refused(world, make_case):
    training_class = new_class(world)
    case = make_case()
    with pytest.raises(ActBlocked) as refused:
        record_act(case.id, "enrol_training", world["sec_a1"], date(2022, 4, 30), {"class_id": training_class.id})
    assert any("ended on 29/04/2022" in str(r) for r in refused.value.reasons)
    record_act(case.id, "enrol_training", world["sec_a1"], END, {"class_id": training_class.id})
    assert fresh(case.id).stage == "training"


# --- enrolment, a selection ----------------------------------------------------------------------

def test_a_selection_is_enrolled_in_one_transaction(world, make_case):
    training_class = new_class(world)
    cases = [make_case(branch=branch) for branch in (world.branch_a1, world.branch_a2, world.branch_b1)]
    rows = training.enrol_cases(world["board"], training_class, [c.id for c in cases], START)
    assert [r.act for r in rows] == ["enrol_training"] * 3
    assert {fresh(c.id).stage for c in cases} == {"training"}
    assert enrolments() == 3
    for case in cases:
        events = load_log(case.id)
        assert events[-1].data["class_id"] == training_class.id and verify_chain(events) is None


def test_a_selection_with_a_case_no_longer_spotted_writes_nothing_and_names_it(world, make_case):
    training_class = new_class(world)
    good = [make_case(full_name=f"Lê Thị {n}") for n in ("Một", "Hai")]
    moved = make_case("training", full_name="Trần Văn Đã Học")  # already in the world's class
    ids = [good[0].id, moved.id, good[1].id]
    before = snapshot(ids)

    with pytest.raises(training.BulkRefused) as refused:
        training.enrol_cases(world["board"], training_class, ids, START)

    (refusal,) = refused.value.refusals
    assert (refusal.case_id, refusal.name, refusal.branch) == (moved.id, "Trần Văn Đã Học", "Chi bộ thôn A1")
    assert "The case is at the stage “Political training class”" in str(refusal.reasons[0])
    assert refused.value.accepted == 2
    assert snapshot(ids) == before


def test_a_selection_with_a_case_outside_the_users_units_writes_nothing(world, make_case):
    world.commune_a.decides_admissions = True
    db.session.commit()
    training_class = new_class(world)  # the town's: open to both communes
    mine, theirs = make_case(branch=world.branch_a1), make_case(branch=world.branch_b1)
    before = snapshot([mine.id, theirs.id])
    with pytest.raises(training.BulkRefused) as refused:
        training.enrol_cases(world["com_a"], training_class, [mine.id, theirs.id], START)
    assert [(r.case_id, r.name) for r in refused.value.refusals] == [(theirs.id, "")]
    assert "No such case in your units." in str(refused.value.refusals[0].reasons[0])
    assert snapshot([mine.id, theirs.id]) == before


def test_a_selection_judges_every_row_by_the_guards(world, make_case):
    training_class = new_class(world)
    early = make_case(full_name="Võ Văn Sớm")
    # spotted after the class began: the enrolment cannot be dated before that
    with one_transaction():
        late = open_case(world["sec_a1"], world.branch_a1, date(2022, 4, 25), dict(
            full_name="Võ Văn Muộn", date_of_birth=date(1996, 2, 1), sex="male", education="university",
            source_organisation="youth_union")).case
    before = snapshot([early.id, late.id])
    with pytest.raises(training.BulkRefused) as refused:
        training.enrol_cases(world["board"], training_class, [early.id, late.id], START)
    assert [r.name for r in refused.value.refusals] == ["Võ Văn Muộn"]
    assert "before the previous act of this case (25/04/2022)" in str(refused.value.refusals[0].reasons[0])
    assert snapshot([early.id, late.id]) == before


# --- results and certificates -------------------------------------------------------------------

def test_a_certificate_moves_the_case_to_its_dossier_and_other_results_keep_it_in_training(world, make_case):
    training_class = new_class(world)
    passed, failed, absent = enrolled(world, make_case, 3, training_class)
    entries = [training.ResultEntry(latest_enrolment(passed.id).id, "passed", "01/CN-K1", date(2022, 4, 29)),
               training.ResultEntry(latest_enrolment(failed.id).id, "failed"),
               training.ResultEntry(latest_enrolment(absent.id).id, "absent")]

    rows = training.record_results(world["board"], training_class, entries, END)

    assert [r.act for r in rows] == ["complete_training", "record_training_result", "record_training_result"]
    certified = fresh(passed.id)
    assert (certified.stage, certified.stage_entered_on) == ("dossier", date(2022, 4, 29))
    act = load_log(passed.id)[-1]
    assert (act.act, act.from_stage, act.to_stage, act.effective_date) == (
        "complete_training", "training", "dossier", date(2022, 4, 29))
    assert act.data["certificate_number"] == "01/CN-K1" and act.data["class_id"] == training_class.id
    enrolment = latest_enrolment(passed.id)
    assert (enrolment.result, enrolment.certificate_number, enrolment.certificate_date) == (
        "passed", "01/CN-K1", date(2022, 4, 29))

    for case, result in ((failed, "failed"), (absent, "absent")):
        assert fresh(case.id).stage == "training"
        fact = load_log(case.id)[-1]
        assert (fact.act, fact.from_stage, fact.to_stage) == ("record_training_result", "training", "training")
        assert fact.data == {"class_id": training_class.id, "class_name": training_class.name, "result": result}
        assert latest_enrolment(case.id).result == result
        assert verify_chain(load_log(case.id)) is None


def test_a_failed_result_blocks_the_certificate_on_the_case_page(world, make_case):
    training_class = new_class(world)
    (case,) = enrolled(world, make_case, 1, training_class)
    with pytest.raises(ActBlocked) as refused:
        record_act(case.id, "complete_training", world["sec_a1"], END, {"certificate_number": "CN-1"})
    assert [str(r) for r in refused.value.reasons] == [
        "no passing result recorded in the class Lớp bồi dưỡng khóa 1/2022"]
    record_training_result(world, case.id, "failed", day=END)
    with pytest.raises(ActBlocked) as refused:
        record_act(case.id, "complete_training", world["sec_a1"], END, {"certificate_number": "CN-1"})
    assert "(recorded: Failed)" in str(refused.value.reasons[0])
    # a make-up examination: the class records a pass, then the branch records the certificate
    record_training_result(world, case.id, "passed", day=END)
    record_act(case.id, "complete_training", world["sec_a1"], END, {"certificate_number": "CN-1"})
    assert fresh(case.id).stage == "dossier"
    assert latest_enrolment(case.id).certificate_number == "CN-1"


def test_a_case_in_training_without_an_enrolment_cannot_leave_it(world, make_case):
    """Cases sent to a class before classes were records (their log names the class only)."""
    case = make_case("spotted")
    append_entry(case.id, "enrol_training", world["sec_a1"], date(2021, 9, 1),
                 {"class_name": "Lớp bồi dưỡng 2/2019", "rulebook": "2016"}, to_stage="training")
    with one_transaction():  # the entry moves the case: its row follows its log
        rebuild([case.id])
    assert fresh(case.id).stage == "training" and latest_enrolment(case.id) is None
    with pytest.raises(ActBlocked) as refused:
        record_act(case.id, "complete_training", world["sec_a1"], date(2021, 9, 15), {"certificate_number": "CN-1"})
    assert [str(r) for r in refused.value.reasons] == ["not enrolled in a training class"]


def test_results_with_a_certificate_dated_before_the_class_started_write_nothing(world, make_case):
    training_class = new_class(world)
    first, second = enrolled(world, make_case, 2, training_class)
    before = snapshot([first.id, second.id])
    entries = [training.ResultEntry(latest_enrolment(first.id).id, "passed", "01/CN-K1", date(2022, 4, 29)),
               training.ResultEntry(latest_enrolment(second.id).id, "passed", "02/CN-K1", date(2022, 4, 15))]
    with pytest.raises(training.BulkRefused) as refused:
        training.record_results(world["board"], training_class, entries, END)
    (refusal,) = refused.value.refusals
    assert refusal.case_id == second.id
    assert "the certificate is dated 15/04/2022, before the class ended on 29/04/2022" in map(str, refusal.reasons)
    assert snapshot([first.id, second.id]) == before


def test_results_giving_one_certificate_number_twice_write_nothing(world, make_case):
    training_class = new_class(world)
    first, second, third = enrolled(world, make_case, 3, training_class)
    entries = [training.ResultEntry(latest_enrolment(c.id).id, "passed", "01/CN-K1", END) for c in (first, second)]
    before = snapshot([first.id, second.id])
    with pytest.raises(training.BulkRefused) as refused:
        training.record_results(world["board"], training_class, entries, END)
    assert [r.case_id for r in refused.value.refusals] == [second.id]
    assert "certificate number 01/CN-K1 was already issued" in str(refused.value.refusals[0].reasons[0])
    assert snapshot([first.id, second.id]) == before
    # and against a certificate issued by an earlier submission
    training.record_results(world["board"], training_class, entries[:1], END)
    with pytest.raises(training.BulkRefused):
        training.record_results(world["board"], training_class,
                                [training.ResultEntry(latest_enrolment(third.id).id, "passed", "01/CN-K1", END)], END)
    assert fresh(third.id).stage == "training"


def test_results_dated_before_the_class_started_write_nothing(world, make_case):
    training_class = new_class(world)
    (case,) = enrolled(world, make_case, 1, training_class)
    before = snapshot([case.id])
    with pytest.raises(training.BulkRefused) as refused:
        training.record_results(world["board"], training_class,
                                [training.ResultEntry(latest_enrolment(case.id).id, "absent")], date(2022, 4, 17))
    assert "before the class started on 18/04/2022" in str(refused.value.refusals[0].reasons[0])
    assert snapshot([case.id]) == before


def test_a_result_cannot_change_once_the_certificate_is_issued(world, make_case):
    training_class = new_class(world)
    (case,) = enrolled(world, make_case, 1, training_class)
    enrolment_id = latest_enrolment(case.id).id
    training.record_results(world["board"], training_class,
                            [training.ResultEntry(enrolment_id, "passed", "01/CN-K1", END)], END)
    before = snapshot([case.id])
    with pytest.raises(training.BulkRefused) as refused:
        training.record_results(world["board"], training_class, [training.ResultEntry(enrolment_id, "failed")], END)
    assert "can no longer be changed" in str(refused.value.refusals[0].reasons[0])
    assert snapshot([case.id]) == before


@pytest.mark.parametrize("username", ["sec_a1", "com_a", "admin"])
def test_only_the_organiser_records_a_class_s_results(world, make_case, username):
    training_class = new_class(world)
    (case,) = enrolled(world, make_case, 1, training_class)
    with pytest.raises(NotPermitted):
        training.record_results(world[username], training_class,
                                [training.ResultEntry(latest_enrolment(case.id).id, "failed")], END)
    assert count_events(case.id) == 2


def test_the_training_acts_are_open_to_the_branch_and_the_organiser():
    for act_name in ("enrol_training", "complete_training"):
        assert definition.ACT_BY_NAME[act_name].roles == {"secretary", "committee", "board"}
    fact = definition.ACT_BY_NAME["record_training_result"]
    assert fact.sources == ("training",)


# --- which classes a branch is offered, and who does what ------------------------------------------

def test_a_branch_is_offered_the_classes_organised_above_it_those_not_ended_open(world):
    from pipeline.training.access import classes_open_to
    world.commune_b.decides_admissions = True
    db.session.commit()
    april = new_class(world)
    march = new_class(world, name="Lớp tháng 3", starts_on=date(2022, 3, 1), ends_on=date(2022, 3, 12))
    new_class(world, unit=world.commune_b, name="Lớp phường B")
    offered = classes_open_to(world.branch_a1)
    assert [c.name for c in offered] == ["Lớp bồi dưỡng 1/2021", "Lớp tháng 3", "Lớp bồi dưỡng khóa 1/2022"]
    # A class takes attendees up to its last day (as the guard class_open_to_branch judges).
    assert [c.open_for_enrolment(date(2022, 3, 12)) for c in (march, april)] == [True, True]
    assert [c.open_for_enrolment(date(2022, 3, 13)) for c in (march, april)] == [False, True]
    assert april.open_for_enrolment(END) and not april.open_for_enrolment(date(2022, 4, 30))


def test_who_opens_records_and_enrols_follows_the_role_sets_the_code_checks(world):
    from pipeline.training.access import ORGANISER_ROLES, may_manage_classes, who_does_what
    who = who_does_what()
    assert str(who.opens) == "Grassroots committee of a unit that decides admissions or Organisation board"
    assert str(who.records) == str(who.opens)
    assert str(who.enrols) == "Branch secretary, Grassroots committee or Organisation board"
    # The words and the permission read the same sets.
    assert {u: may_manage_classes(world[u]) for u in ("sec_a1", "com_a", "board", "admin")} == {
        "sec_a1": False, "com_a": False, "board": True, "admin": False}
    assert ORGANISER_ROLES == definition.DECIDING


@pytest.mark.parametrize("first, numbers", [
    ("12/CN-TTCT", ["12/CN-TTCT", "13/CN-TTCT", "14/CN-TTCT"]),
    ("098/CN-K1-2022", ["098/CN-K1-2022", "099/CN-K1-2022", "100/CN-K1-2022"]),  # the suffix's digits stay
    ("CN-9", ["CN-9", "CN-10", "CN-11"]),
])
def test_certificate_numbers_count_from_the_first_group_of_digits(first, numbers):
    from pipeline.base.numbering import counted, counter_of
    assert counted(first, 3) == numbers
    assert counter_of("CN-TTCT") is None
