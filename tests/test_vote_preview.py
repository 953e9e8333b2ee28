"""Issue 15: a vote form shows the vote's result as the rules compute it and asks before
recording a vote that fails; the case page offers only the acts that can apply to the case."""
from datetime import date

import pytest

from pages_support import fresh_case, log_rows, pages, section, text  # noqa: F401
from pipeline.workflow import operations
from pipeline.workflow.replay import replay
from pipeline.workflow.log import load_log
from test_pages_acts import act_url, post_act, prepare, valid_payload

FAILING = {
    # act -> (fields of a vote that fails, the result shown, where the case goes)
    "record_branch_vote": ({"members_total": "29", "votes_for": "19", "votes_against": "8"},
                           "19 votes for, 20 of 29 needed: the vote fails.",
                           "The case returns to “Spotted, being nurtured”.", "spotted"),
    "record_committee_review": ({"committee_size": "15", "votes_for": "9", "votes_against": "6"},
                                "9 votes for, 10 of 15 needed: the vote fails.",
                                "The case returns to “Not admitted by the committee”.", "rejected"),
    "record_recognition_vote": ({"members_total": "30", "votes_for": "19", "votes_against": "8"},
                                "19 votes for, 20 of 30 needed: the vote fails.",
                                "The case stays at “Probationary member”.", "probation"),
    "record_recognition_review": ({"committee_size": "12", "votes_for": "7", "votes_against": "5"},
                                  "7 votes for, 8 of 12 needed: the vote fails.",
                                  "The case stays at “Probationary member”.", "probation"),
}
WHO = {"record_branch_vote": "sec_a1", "record_committee_review": "com_a", "record_recognition_vote": "sec_a1",
       "record_recognition_review": "com_a"}


@pytest.mark.parametrize("act_name", sorted(FAILING))
def test_a_failing_vote_is_shown_and_recorded_only_once_confirmed(pages, world, make_case, act_name):
    case_id = prepare(make_case, world, act_name)
    counts, result, where, dest = FAILING[act_name]
    payload = dict(valid_payload(act_name, world), **counts)
    pages.login(WHO[act_name])
    before = log_rows(case_id)

    shown = post_act(pages, case_id, act_name, payload)
    assert shown.status_code == 422
    box = section(shown, "vote-result")
    assert result in box and where in box
    assert 'name="failure_confirmed" required' in shown.get_data(as_text=True)
    assert log_rows(case_id) == before  # nothing recorded yet

    done = post_act(pages, case_id, act_name, dict(payload, failure_confirmed="y"))
    assert done.status_code == 302
    assert log_rows(case_id) == before + 1
    entry = load_log(case_id)[-1]
    assert (entry.act, entry.data["passed"], fresh_case(case_id).stage) == (act_name, False, dest)
    assert "failure_confirmed" not in entry.data


@pytest.mark.parametrize("act_name", sorted(FAILING))
def test_a_passing_vote_records_at_once_without_the_question(pages, world, make_case, act_name):
    case_id = prepare(make_case, world, act_name)
    pages.login(WHO[act_name])
    form = text(pages.get(act_url(case_id, act_name)))
    assert "I confirm: record this vote" not in form
    before = log_rows(case_id)
    assert post_act(pages, case_id, act_name, valid_payload(act_name, world)).status_code == 302
    assert log_rows(case_id) == before + 1 and load_log(case_id)[-1].data["passed"] is True


def test_a_vote_exactly_at_the_threshold_passes_without_confirmation(pages, world, make_case):
    case_id = prepare(make_case, world, "record_branch_vote")
    pages.login("sec_a1")
    payload = dict(valid_payload("record_branch_vote", world), members_total="29", votes_for="20",
                   votes_against="7")
    assert post_act(pages, case_id, "record_branch_vote", payload).status_code == 302
    assert fresh_case(case_id).stage == "committee_review"


def test_the_result_shown_is_the_one_recorded(world, make_case):
    """The preview is the guards' own computation: what it says is what the log then holds."""
    case = make_case("branch_vote")
    act = operations.act_named("record_branch_vote")
    data = {"members_total": 29, "members_present": 27, "votes_for": 19, "votes_against": 8}
    day = load_log(case.id)[-1].effective_date
    shown = operations.vote_result(case, act, day, data)
    entry = operations.record_act(case.id, act.name, world["sec_a1"], day, data)
    assert (shown.passed, shown.needed) == (entry.data["passed"], entry.data["votes_needed"]) == (False, 20)
    assert operations.vote_result(case, operations.act_named("complete_dossier"), day, {}) is None


# --- acts that cannot apply to the case are not offered -------------------------------------------

def offered(world, case):
    states = operations.action_states(world["sec_a1"], case, replay(load_log(case.id)))
    return {act.name: reasons for act, reasons in states}


def test_a_new_candidate_is_not_offered_to_reopen_a_dossier(pages, world, make_case):
    case = make_case("spotted")
    acts = offered(world, case)
    assert "resume_dossier" not in acts
    assert "enrol_training" in acts  # the acts that do apply are still there
    pages.login("sec_a1")
    page = text(pages.get(f"/candidates/{case.id}"))
    assert "Reopen the dossier" not in page and "Send to the training class" in page


def test_a_case_back_in_nurturing_with_its_certificate_is_offered_to_reopen(pages, world, make_case, app):
    case_id = prepare(make_case, world, "resume_dossier")  # a failed branch vote: the certificate remains
    app.config["TODAY"] = date(2022, 1, 10)
    case = fresh_case(case_id)
    assert offered(world, case)["resume_dossier"] == []
    pages.login("sec_a1")
    assert "Reopen the dossier (certificate still valid)" in text(pages.get(f"/candidates/{case_id}"))


def test_an_expired_certificate_still_offers_reopening_blocked_with_the_reason(world, make_case, app):
    """The act could apply (the case had a certificate): it stays, blocked, with why."""
    case_id = prepare(make_case, world, "resume_dossier")
    app.config["TODAY"] = date(2030, 1, 1)
    reasons = offered(world, fresh_case(case_id))["resume_dossier"]
    assert len(reasons) == 1 and "15/09/2026" in str(reasons[0])  # the day the certificate expired
