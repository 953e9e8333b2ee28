"""Every guard, at its edges, through apply_event: a blocked act explains itself and writes
nothing (no log row, stage and version unchanged); the act one step inside the edge passes.

Dates follow conftest.FORWARD_ACTS: training certificate 15/09/2021 (dossier opened then),
dossier complete 01/11/2021, branch vote 01/12/2021, decision 20/01/2022 received 25/01/2022,
ceremony 10/02/2022."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from conftest import FORWARD_ACTS
from pipeline.candidates.models import Candidate
from pipeline.extensions import db
from pipeline.workflow.operations import ActBlocked, apply_event
from conftest import count_events, fresh

pytestmark = pytest.mark.usefixtures("english")


def forward(stage, **changes):
    trigger, _who, day, data = FORWARD_ACTS[stage]
    return trigger, dict(data, **changes)


def refused(case, trigger, user, day, data, reason=""):
    """Apply an act expected to be blocked; check nothing was written; return the reasons as text."""
    before = (case.stage, case.version, count_events(case.id))
    with pytest.raises(ActBlocked) as blocked:
        apply_event(case.id, trigger, user, day, data, reason=reason)
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
    trigger, data = forward("branch_vote")

    reasons = refused(case, trigger, world["sec_a1"], date(2021, 11, 19), data)
    assert mentions(reasons, "17 years 11 months", "branch meeting")

    apply_event(case.id, trigger, world["sec_a1"], date(2021, 11, 20), data)
    assert fresh(case.id).stage == "committee_review"


@pytest.mark.parametrize("born, years_months", [(date(1961, 11, 1), "60 years 1 months"),
                                                 (date(1955, 5, 10), "66 years 6 months")])
def test_over_60_needs_the_provincial_consent(world, make_case, born, years_months):
    case = make_case("branch_vote", date_of_birth=born)
    trigger, data = forward("branch_vote")
    day = FORWARD_ACTS["branch_vote"][2]

    reasons = refused(case, trigger, world["sec_a1"], day, data)
    assert mentions(reasons, years_months, "consent")

    apply_event(case.id, trigger, world["sec_a1"], day,
                dict(data, over_age_consent="Công văn 15-CV/TU ngày 20/11/2021 của Ban Thường vụ Tỉnh ủy"))
    assert fresh(case.id).stage == "committee_review"


def test_exactly_60_years_needs_no_consent(world, make_case):
    case = make_case("branch_vote", date_of_birth=date(1961, 12, 1))
    trigger, data = forward("branch_vote")
    apply_event(case.id, trigger, world["sec_a1"], date(2021, 12, 1), data)
    assert fresh(case.id).stage == "committee_review"


# --- education ------------------------------------------------------------------------------------

def test_education_below_lower_secondary_blocks_the_dossier(world, make_case):
    case = make_case("dossier", education="primary")
    trigger, data = forward("dossier")
    reasons = refused(case, trigger, world["sec_a1"], date(2021, 11, 1), data)
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
    trigger, data = forward("dossier")

    reasons = refused(case, trigger, world["sec_a1"], date(2026, 9, 15), data)
    assert mentions(reasons, "expired on 15/09/2026", "60 months")

    apply_event(case.id, trigger, world["sec_a1"], date(2026, 9, 14), data)
    assert fresh(case.id).stage == "branch_vote"


def test_an_expired_certificate_cannot_reopen_the_dossier(world, make_case):
    case = make_case("dossier")
    sec = world["sec_a1"]
    apply_event(case.id, "expire", sec, date(2021, 10, 1), {}, reason="Chưa bổ sung đủ hồ sơ")
    apply_event(case.id, "reopen", sec, date(2021, 10, 15), {}, reason="Đã bổ sung lý lịch")
    case = fresh(case.id)

    reasons = refused(case, "resume_dossier", sec, date(2026, 9, 15), {})
    assert mentions(reasons, "expired on 15/09/2026")

    apply_event(case.id, "resume_dossier", sec, date(2026, 9, 14), {})
    assert fresh(case.id).stage == "dossier"


# --- a stale dossier ------------------------------------------------------------------------------

def test_a_dossier_older_than_12_months_must_be_redone_before_the_vote(world, make_case):
    case = make_case("branch_vote")  # dossier opened 15/09/2021
    trigger, data = forward("branch_vote")

    reasons = refused(case, trigger, world["sec_a1"], date(2022, 9, 16), data)
    assert mentions(reasons, "15/09/2021", "12 months", "redone")

    apply_event(case.id, trigger, world["sec_a1"], date(2022, 9, 15), data)
    assert fresh(case.id).stage == "committee_review"


# --- introducers and the résumé ----------------------------------------------------------------------

OFFICIAL = {"name": "Nguyễn Văn Một", "known_since": "2019-01-01", "official": True}
SECOND = {"name": "Trần Thị Hai", "known_since": "2019-06-01", "official": True}
DOSSIER_DAY = date(2021, 11, 1)


@pytest.mark.parametrize("youth, changes, fragments", [
    pytest.param(False, {"introducers": [OFFICIAL]}, ["1 introducing member(s) recorded, 2 needed"],
                 id="one-introducer"),
    pytest.param(False, {"introducers": [OFFICIAL], "youth_union_resolution": "05-NQ/ĐTN"},
                 ["2 needed"], id="resolution-only-counts-for-youth-union-members"),
    pytest.param(True, {"introducers": [OFFICIAL]}, ["Youth Union committee's resolution"],
                 id="youth-without-resolution"),
    pytest.param(True, {"introducers": [], "youth_union_resolution": "05-NQ/ĐTN"},
                 ["0 introducing member(s) recorded, 1 needed"], id="youth-resolution-without-member"),
    pytest.param(False, {"introducers": [OFFICIAL, dict(SECOND, known_since="2020-11-02")]},
                 ["Trần Thị Hai has known the candidate for 11 months 30 days", "12 months needed"],
                 id="known-11-months-30-days"),
    pytest.param(False, {"introducers": [OFFICIAL, dict(SECOND, official=False)]},
                 ["Trần Thị Hai is not an official party member"], id="probationary-introducer"),
    pytest.param(False, {"introducers": [OFFICIAL, dict(SECOND, known_since=None)]},
                 ["Trần Thị Hai began working or living"], id="known-since-missing"),
    pytest.param(False, {"resume_verified": False}, ["résumé has not been verified"], id="resume-not-verified"),
])
def test_introductions_and_resume_must_be_in_order(world, make_case, youth, changes, fragments):
    case = make_case("dossier", youth_union_member=youth)
    trigger, data = forward("dossier", **changes)
    reasons = refused(case, trigger, world["sec_a1"], DOSSIER_DAY, data)
    assert mentions(reasons, *fragments), reasons


@pytest.mark.parametrize("youth, changes", [
    pytest.param(False, {"introducers": [OFFICIAL, dict(SECOND, known_since="2020-11-01")]},
                 id="known-exactly-12-months"),
    pytest.param(True, {"introducers": [OFFICIAL], "youth_union_resolution": "05-NQ/ĐTN"},
                 id="youth-union-resolution-and-one-member"),
])
def test_introductions_that_meet_the_rule_complete_the_dossier(world, make_case, youth, changes):
    case = make_case("dossier", youth_union_member=youth)
    trigger, data = forward("dossier", **changes)
    apply_event(case.id, trigger, world["sec_a1"], DOSSIER_DAY, data)
    assert fresh(case.id).stage == "branch_vote"


def test_every_reason_is_given_at_once(world, make_case):
    case = make_case("dossier", education="primary")
    trigger, data = forward("dossier", introducers=[OFFICIAL], resume_verified=False)
    reasons = refused(case, trigger, world["sec_a1"], DOSSIER_DAY, data)
    assert mentions(reasons, "Primary school", "2 needed", "résumé has not been verified")


# --- the decision, the ceremony, probation ------------------------------------------------------------

def test_the_decision_must_come_from_a_unit_that_decides_for_the_branch(world, make_case):
    world.commune_b.decides_admissions = True  # decides, but for another commune's branches
    db.session.commit()
    case = make_case("decision")
    trigger, data = forward("decision")
    for unit in (world.commune_a, world.commune_b):
        with pytest.raises(ActBlocked) as blocked:
            apply_event(case.id, trigger, world["board"], date(2022, 1, 20), dict(data, issuing_unit_id=unit.id))
        assert mentions([str(r) for r in blocked.value.reasons], "power to decide")
    case = fresh(case.id)
    assert (case.stage, count_events(case.id)) == ("decision", 6)


def test_no_ceremony_before_the_branch_receives_the_decision(world, make_case):
    case = make_case("ceremony")  # decision received 25/01/2022
    trigger, data = forward("ceremony")

    reasons = refused(case, trigger, world["sec_a1"], date(2022, 1, 24), data)
    assert mentions(reasons, "received the decision (25/01/2022)")

    apply_event(case.id, trigger, world["sec_a1"], date(2022, 1, 25), data)
    assert fresh(case.id).stage == "probation"


def test_recognition_waits_for_the_end_of_probation(world, make_case):
    case = make_case("probation")  # ceremony 10/02/2022
    trigger, data = forward("probation", branch_meeting_date="2023-02-09")

    reasons = refused(case, trigger, world["board"], date(2023, 2, 9), data)
    assert mentions(reasons, "probation runs until 10/02/2023")

    apply_event(case.id, trigger, world["board"], date(2023, 2, 10), dict(data, branch_meeting_date="2023-02-10"))
    assert fresh(case.id).stage == "official"


def test_the_branch_cannot_consider_recognition_during_probation(world, make_case):
    case = make_case("probation")
    trigger, data = forward("probation", branch_meeting_date="2023-01-15")
    reasons = refused(case, trigger, world["board"], date(2023, 2, 20), data)
    assert mentions(reasons, "15/01/2023", "10/02/2023")


# --- dates of acts --------------------------------------------------------------------------------------

def test_an_act_dated_in_the_future_is_refused(world, make_case):
    case = make_case("spotted")
    trigger, data = forward("spotted")
    tomorrow = date.today() + timedelta(days=1)
    reasons = refused(case, trigger, world["sec_a1"], tomorrow, data)
    assert mentions(reasons, "in the future", tomorrow.strftime("%d/%m/%Y"))

    apply_event(case.id, trigger, world["sec_a1"], date.today(), data)
    assert fresh(case.id).stage == "training"


def test_an_act_dated_before_the_previous_act_is_refused(world, make_case):
    case = make_case("training")  # class started 01/09/2021
    trigger, data = forward("training")
    reasons = refused(case, trigger, world["sec_a1"], date(2021, 8, 31), data)
    assert mentions(reasons, "before the previous act", "01/09/2021")

    apply_event(case.id, trigger, world["sec_a1"], date(2021, 9, 1), data)
    assert fresh(case.id).stage == "dossier"


def test_opening_a_case_in_the_future_is_refused(world):
    from pipeline.workflow.operations import spot_candidate
    with pytest.raises(ActBlocked):
        spot_candidate(world["sec_a1"], world.branch_a1, date.today() + timedelta(days=1), dict(
            full_name="Lê Thị Ba", date_of_birth=date(2000, 1, 1), sex="female", education="university",
            source_organisation="womens_union"))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Candidate)) == 0
