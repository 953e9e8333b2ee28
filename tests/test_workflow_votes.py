"""Vote thresholds (DOMAIN.md §3): at least 2/3 of the branch's official members in total (not of
those present), at least 2/3 of the committee, the same for recognition. A failed branch vote
sends the case back to nurturing; the third one refers it to the higher committee."""
from datetime import date

import pytest

from conftest import ACTS_WITHIN, FORWARD_ACTS, record_documents
from pipeline.workflow.guards import shortfall_of
from pipeline.workflow.operations import record_act
from conftest import count_events, fresh

pytestmark = pytest.mark.usefixtures("english")


BRANCH_VOTE_DAY = FORWARD_ACTS["branch_vote"][2]


def branch_vote(total, votes_for, present=None):
    present = total if present is None else present
    return {"members_total": total, "members_present": present, "votes_for": votes_for,
            "votes_against": present - votes_for, "resolution_number": "01-NQ/CB"}


@pytest.mark.parametrize("total, present, votes_for, reason", [
    (30, 30, 20, None),
    (30, 30, 19, "19/30 official members voted for, at least 20 needed"),
    (29, 29, 20, None),  # 2/3 of 29 is 19.33: 20 are needed
    (29, 29, 19, "19/29 official members voted for, at least 20 needed"),
    (30, 20, 20, None),  # everyone present for, and that is 2/3 of all
    (30, 25, 19, "19/30 official members voted for, at least 20 needed"),  # 76% of those present is not enough
    (3, 3, 2, None),
    (3, 3, 1, "1/3 official members voted for, at least 2 needed"),
])
def test_the_branch_vote_needs_two_thirds_of_all_official_members(world, make_case, total, present, votes_for,
                                                                   reason):
    case = make_case("branch_vote")
    before = count_events(case.id)
    row = record_act(case.id, "record_branch_vote", world["sec_a1"], BRANCH_VOTE_DAY,
                      branch_vote(total, votes_for, present))
    case = fresh(case.id)
    if reason is None:
        assert (case.stage, case.failed_branch_votes, row.data["passed"]) == ("committee_review", 0, True)
    else:
        assert (case.stage, case.failed_branch_votes, str(shortfall_of(row.data))) == ("spotted", 1, reason)
        assert case.exit_reason is None
        assert row.to_stage == "spotted"
        assert not row.data.get("referred_to_higher_committee")
    assert row.data["votes_for"] == votes_for and row.data["members_total"] == total
    assert count_events(case.id) == before + 1


def test_a_failed_vote_keeps_the_secretarys_note_after_the_tally(world, make_case):
    case = make_case("branch_vote")
    row = record_act(case.id, "record_branch_vote", world["sec_a1"], BRANCH_VOTE_DAY, branch_vote(30, 19),
                      reason="Cần rèn luyện thêm")
    assert row.reason == "Cần rèn luyện thêm"
    assert str(shortfall_of(row.data)) == "19/30 official members voted for, at least 20 needed"


def test_failed_admission_votes_are_counted_but_not_referred(world, make_case):
    """The texts refer three failed votes on recognition (or striking off) to the higher committee,
    not votes on admission (QĐ 24-QĐ/TW, point 4.2): tests/test_rules_texts.py."""
    case = make_case("branch_vote")
    sec = world["sec_a1"]
    dossier = dict(FORWARD_ACTS["dossier"][3])
    rows = [record_act(case.id, "record_branch_vote", sec, date(2021, 12, 1), branch_vote(30, 19))]
    for resumed, completed, voted in [(date(2021, 12, 10), date(2021, 12, 15), date(2022, 1, 5)),
                                      (date(2022, 1, 10), date(2022, 1, 15), date(2022, 2, 1))]:
        record_act(case.id, "resume_dossier", sec, resumed, {"note": "Bồi dưỡng thêm"})
        record_act(case.id, "complete_dossier", sec, completed, dossier)
        rows.append(record_act(case.id, "record_branch_vote", sec, voted, branch_vote(30, 18)))

    case = fresh(case.id)
    assert case.stage == "spotted"
    assert case.failed_branch_votes == 3
    assert [bool(r.data.get("referred_to_higher_committee")) for r in rows] == [False, False, False]
    assert str(shortfall_of(rows[-1].data)) == "18/30 official members voted for, at least 20 needed"


def test_a_vote_that_passes_after_failures_goes_on(world, make_case):
    case = make_case("branch_vote")
    sec = world["sec_a1"]
    record_act(case.id, "record_branch_vote", sec, date(2021, 12, 1), branch_vote(30, 19))
    record_act(case.id, "resume_dossier", sec, date(2021, 12, 10), {})
    record_act(case.id, "complete_dossier", sec, date(2021, 12, 15), dict(FORWARD_ACTS["dossier"][3]))
    row = record_act(case.id, "record_branch_vote", sec, date(2022, 1, 5), branch_vote(30, 21))
    case = fresh(case.id)
    assert (case.stage, case.failed_branch_votes) == ("committee_review", 1)
    assert not row.data.get("referred_to_higher_committee")


def committee(size, votes_for):
    return {"committee_size": size, "votes_for": votes_for, "votes_against": size - votes_for}


@pytest.mark.parametrize("size, votes_for, reason", [
    (15, 10, None),
    (15, 9, "9/15 committee members voted for, at least 10 needed"),
    (14, 10, None),  # 9.33 rounds up to 10
    (14, 9, "9/14 committee members voted for, at least 10 needed"),
])
def test_the_committee_review_needs_two_thirds_of_the_committee(world, make_case, size, votes_for, reason):
    case = make_case("committee_review")
    row = record_act(case.id, "record_committee_review", world["com_a"], FORWARD_ACTS["committee_review"][2],
                      committee(size, votes_for))
    case = fresh(case.id)
    if reason is None:
        assert (case.stage, case.exit_reason) == ("decision", None)
    else:
        assert (case.stage, str(shortfall_of(row.data))) == ("rejected", reason)
        # The case row keeps the office's (default language) sentence with the same numbers.
        assert case.exit_reason.startswith(reason.split(" ")[0])


@pytest.mark.parametrize("votes_for, passed", [(20, True), (19, False)])
def test_the_recognition_vote_needs_two_thirds_of_all_official_members(world, make_case, votes_for, passed):
    case = make_case("probation")
    act_name, _who, day, data = ACTS_WITHIN["probation"][0]
    record_documents(world, case.id, act_name)
    data = dict(data, members_total=30, members_present=30, votes_for=votes_for, votes_against=30 - votes_for)
    row = record_act(case.id, act_name, world["sec_a1"], day, data)
    case = fresh(case.id)
    assert (case.stage, case.exit_reason, row.data["passed"]) == ("probation", None, passed)
    if not passed:
        assert str(shortfall_of(row.data)) == "19/30 official members voted for, at least 20 needed"

