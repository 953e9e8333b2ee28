"""Every guard, at its edges, through apply_event: a blocked act explains itself and writes
nothing (no log row, stage and version unchanged); the act one step inside the edge passes.

Dates follow conftest.FORWARD_ACTS: training certificate 15/09/2021 (dossier opened then),
dossier complete 01/11/2021, branch vote 01/12/2021, decision 20/01/2022 received 25/01/2022,
ceremony 10/02/2022."""
from datetime import date, timedelta

from pipeline.base import clock
import pytest
from sqlalchemy import func, select

from conftest import ACTS_WITHIN, FORWARD_ACTS, record_documents, record_training_result
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.training.operations import create_class
from pipeline.base.errors import ActBlocked
from pipeline.workflow.operations import record_act
from conftest import count_events, fresh

pytestmark = pytest.mark.usefixtures("english")


def forward(stage, **changes):
    act_name, _who, day, data = FORWARD_ACTS[stage]
    return act_name, dict(data, **changes)


def refused(case, act_name, user, day, data, reason=""):
    """Apply an act expected to be blocked; check nothing was written; return the reasons as text."""
    before = (case.stage, case.version, count_events(case.id))
    with pytest.raises(ActBlocked) as blocked:
        record_act(case.id, act_name, user, day, data, reason=reason)
    after = fresh(case.id)
    assert (after.stage, after.version, count_events(after.id)) == before
    reasons = [str(r) for r in blocked.value.reasons]
    assert reasons and all(reasons)
    return reasons


def mentions(reasons, *fragments):
    return all(any(fragment in r for r in reasons) for fragment in fragments)


# --- age at the branch meeting ------------------------------------------------------------------

def test_a_candidate_who_turns_18_on_the_meeting_day_may_be_voted_on(world, make_case):
    case = make_case("branch_vote", date_of_birth=date(2003, 11, 20))
    act_name, data = forward("branch_vote")

    reasons = refused(case, act_name, world["sec_a1"], date(2021, 11, 19), data)
    assert mentions(reasons, "17 years 11 months", "branch meeting")

    record_act(case.id, act_name, world["sec_a1"], date(2021, 11, 20), data)
    assert fresh(case.id).stage == "committee_review"


@pytest.mark.parametrize("born, years_months", [(date(1961, 11, 1), "60 years 1 months"),
                                                 (date(1955, 5, 10), "66 years 6 months")])
def test_over_60_the_decision_needs_the_written_consent(world, make_case, born, years_months):
    """The branch votes on a candidate over 60; the written consent is needed before the decision
    (HD 01-HD/TW, point 1.1)."""
    case = make_case("decision", date_of_birth=born)  # the branch voted without the consent
    act_name, data = forward("decision")
    day = FORWARD_ACTS["decision"][2]

    reasons = refused(case, act_name, world["board"], day, data)
    assert mentions(reasons, years_months, "directly under the Central Committee")

    record_act(case.id, act_name, world["board"], day,
               dict(data, over_age_consent="Công văn 15-CV/TU ngày 10/01/2022 của Ban Thường vụ Tỉnh ủy"))
    assert fresh(case.id).stage == "ceremony"


def test_exactly_60_years_needs_no_consent(world, make_case):
    case = make_case("branch_vote", date_of_birth=date(1961, 12, 1))
    act_name, data = forward("branch_vote")
    record_act(case.id, act_name, world["sec_a1"], date(2021, 12, 1), data)
    assert fresh(case.id).stage == "committee_review"


# --- education ------------------------------------------------------------------------------------

def test_education_below_lower_secondary_blocks_the_dossier(world, make_case):
    case = make_case("dossier", education="primary")
    act_name, data = forward("dossier")
    reasons = refused(case, act_name, world["sec_a1"], date(2021, 11, 1), data)
    assert mentions(reasons, "Primary school", "Lower secondary school")


def test_lower_secondary_is_enough(world, make_case):
    case = make_case("committee_review", education="lower_secondary")
    assert case.stage == "committee_review"


# --- the training certificate ----------------------------------------------------------------------

def test_no_certificate_no_dossier(world, make_case):
    case = make_case("spotted")
    reasons = refused(case, "resume_dossier", world["sec_a1"], date(2021, 9, 1), {})
    assert mentions(reasons, "no certificate")


def test_the_certificate_is_valid_60_months(world, make_case):
    case = make_case("dossier")  # certificate of 15/09/2021
    record_documents(world, case.id, "complete_dossier")
    act_name, data = forward("dossier")

    reasons = refused(case, act_name, world["sec_a1"], date(2026, 9, 15), data)
    assert mentions(reasons, "expired on 15/09/2026", "60 months")

    record_act(case.id, act_name, world["sec_a1"], date(2026, 9, 14), data)
    assert fresh(case.id).stage == "branch_vote"


def test_an_expired_certificate_cannot_reopen_the_dossier(world, make_case):
    case = make_case("dossier")
    sec = world["sec_a1"]
    record_act(case.id, "expire", sec, date(2021, 10, 1), {}, reason="Chưa bổ sung đủ hồ sơ")
    record_act(case.id, "reopen", sec, date(2021, 10, 15), {}, reason="Đã bổ sung lý lịch")
    case = fresh(case.id)

    reasons = refused(case, "resume_dossier", sec, date(2026, 9, 15), {})
    assert mentions(reasons, "expired on 15/09/2026")

    record_act(case.id, "resume_dossier", sec, date(2026, 9, 14), {})
    assert fresh(case.id).stage == "dossier"


# --- a stale dossier ------------------------------------------------------------------------------

def test_documents_older_than_12_months_must_be_redone_before_the_vote(world, make_case):
    case = make_case("branch_vote")  # the oldest document that ages, the résumé, is of 25/09/2021
    act_name, data = forward("branch_vote")

    reasons = refused(case, act_name, world["sec_a1"], date(2022, 9, 26), data)
    assert mentions(reasons, "2-KNĐ", "25/09/2021", "12 months", "redone")

    record_act(case.id, act_name, world["sec_a1"], date(2022, 9, 25), data)
    assert fresh(case.id).stage == "committee_review"


# --- the dossier's documents (introducers, résumé verification): see test_dossier_guards.py ----------

def test_every_reason_is_given_at_once(world, make_case):
    case = make_case("dossier", education="primary")
    act_name, data = forward("dossier")
    reasons = refused(case, act_name, world["sec_a1"], date(2021, 11, 1), data)
    assert mentions(reasons, "Primary school", "1-KNĐ Đơn xin vào Đảng has not been received",
                    "3-KNĐ Giấy giới thiệu người vào Đảng (2) has not been received")


# --- the decision, the ceremony, probation ------------------------------------------------------------

def test_the_decision_must_come_from_a_unit_that_decides_for_the_branch(world, make_case):
    world.commune_b.decides_admissions = True  # decides, but for another commune's branches
    db.session.commit()
    case = make_case("decision")
    before = count_events(case.id)
    act_name, data = forward("decision")
    for unit in (world.commune_a, world.commune_b):
        with pytest.raises(ActBlocked) as blocked:
            record_act(case.id, act_name, world["board"], date(2022, 1, 20), dict(data, issuing_unit_id=unit.id))
        assert mentions([str(r) for r in blocked.value.reasons], "power to decide")
    case = fresh(case.id)
    assert (case.stage, count_events(case.id)) == ("decision", before)


def test_no_ceremony_before_the_branch_receives_the_decision(world, make_case):
    case = make_case("ceremony")  # decision received 25/01/2022
    act_name, data = forward("ceremony")

    reasons = refused(case, act_name, world["sec_a1"], date(2022, 1, 24), data)
    assert mentions(reasons, "received the decision (25/01/2022)")

    record_act(case.id, act_name, world["sec_a1"], date(2022, 1, 25), data)
    assert fresh(case.id).stage == "probation"


def test_the_branch_votes_on_recognition_only_after_probation(world, make_case):
    case = make_case("probation")  # ceremony 10/02/2022
    act_name, _who, _day, data = ACTS_WITHIN["probation"][0]
    record_documents(world, case.id, act_name)
    case = fresh(case.id)

    reasons = refused(case, act_name, world["sec_a1"], date(2023, 2, 9), data)
    assert mentions(reasons, "probation runs until 10/02/2023")

    row = record_act(case.id, act_name, world["sec_a1"], date(2023, 2, 10), data)
    assert fresh(case.id).stage == "probation" and row.data["passed"] is True


def test_the_recognition_vote_needs_the_probation_documents(world, make_case):
    case = make_case("probation")
    act_name, _who, day, data = ACTS_WITHIN["probation"][0]
    record_documents(world, case.id, act_name, skip=("11-KNĐ",))
    reasons = refused(fresh(case.id), act_name, world["sec_a1"], day, data)
    assert mentions(reasons, "11-KNĐ") and not mentions(reasons, "10-KNĐ")


def test_recognition_needs_the_branch_vote_then_the_committee(world, make_case):
    case = make_case("probation")
    decide = ("recognise_official", {"decision_number": "456-QĐ/TU"})
    assert mentions(refused(case, decide[0], world["board"], date(2023, 3, 1), decide[1]),
                    "the branch has not voted to recognise the member")
    vote, review = ACTS_WITHIN["probation"]
    assert mentions(refused(case, review[0], world["com_a"], review[2], review[3]),
                    "the branch has not voted to recognise the member")
    record_documents(world, case.id, vote[0])
    record_act(case.id, vote[0], world["sec_a1"], vote[2], vote[3])
    assert mentions(refused(fresh(case.id), decide[0], world["board"], date(2023, 3, 1), decide[1]),
                    "the grassroots committee has not resolved to recognise the member")
    record_act(case.id, review[0], world["com_a"], review[2], review[3])
    row = record_act(case.id, decide[0], world["board"], date(2023, 3, 1), decide[1])
    # Official from the 12-month mark, although decided later.
    assert fresh(case.id).stage == "official" and row.data["official_from"] == "2023-02-10"


def test_a_failed_recognition_vote_blocks_the_decision(world, make_case):
    case = make_case("probation")
    vote = ACTS_WITHIN["probation"][0]
    record_documents(world, case.id, vote[0])
    record_act(case.id, vote[0], world["sec_a1"], vote[2], dict(vote[3], votes_for=19, votes_against=9))
    assert mentions(refused(fresh(case.id), "recognise_official", world["board"], date(2023, 3, 1),
                            {"decision_number": "1"}), "the branch has not voted to recognise the member")


# --- dates of acts --------------------------------------------------------------------------------------

def test_an_act_dated_in_the_future_is_refused(world, make_case):
    case = make_case("spotted")
    training_class = create_class(world["board"], world.town, "Lớp bồi dưỡng", clock.today(), clock.today())
    act_name, data = forward("spotted", class_id=training_class.id)
    tomorrow = clock.today() + timedelta(days=1)
    reasons = refused(case, act_name, world["sec_a1"], tomorrow, data)
    assert mentions(reasons, "in the future", tomorrow.strftime("%d/%m/%Y"))

    record_act(case.id, act_name, world["sec_a1"], clock.today(), data)
    assert fresh(case.id).stage == "training"


def test_an_act_dated_before_the_previous_act_is_refused(world, make_case):
    case = make_case("training")
    record_training_result(world, case.id, day=date(2021, 9, 10))  # passed, on the class's last day
    case = fresh(case.id)
    act_name, data = forward("training")
    reasons = refused(case, act_name, world["sec_a1"], date(2021, 9, 9), data)
    assert mentions(reasons, "before the previous act", "10/09/2021")

    record_act(case.id, act_name, world["sec_a1"], date(2021, 9, 10), data)
    assert fresh(case.id).stage == "dossier"


def test_opening_a_case_in_the_future_is_refused(world):
    from pipeline.workflow.operations import open_case
    with pytest.raises(ActBlocked):
        open_case(world["sec_a1"], world.branch_a1, clock.today() + timedelta(days=1), dict(
            full_name="Lê Thị Ba", date_of_birth=date(2000, 1, 1), sex="female", education="university",
            source_organisation="womens_union"))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0
