"""Issue 15: voiding an act entered by mistake. The void is a chained entry naming the act; the
case is replayed without it (back where it was, with its dates); the act stays, struck through;
refused with the reasons when a later act built on it, for someone else's act, or too late."""
from datetime import date, timedelta

import pytest

from pages_support import fresh_case, log_rows, pages, section, text  # noqa: F401
from pipeline.audit.verify import verify
from pipeline.base import clock
from pipeline.base.errors import ActBlocked
from pipeline.workflow import operations
from pipeline.workflow.log import load_log, verify_chain
from pipeline.workflow.replay import replay
from pipeline.workflow.voiding import void_act

MISTYPED = {"members_total": 51, "members_present": 14, "votes_for": 13, "votes_against": 1}


def mistyped_vote(world, make_case):
    """A case waiting for its branch vote, then a vote with 51 official members typed for 15:
    it fails and sends the case back to nurturing."""
    case = make_case("branch_vote")
    entered_on = case.stage_entered_on
    operations.record_act(case.id, "record_branch_vote", world["sec_a1"], date(2021, 12, 1), MISTYPED)
    assert fresh_case(case.id).stage == "spotted"
    return case.id, entered_on, load_log(case.id)[-1].seq


def void_url(case_id, seq):
    return f"/candidates/{case_id}/void/{seq}"


def test_voiding_a_mistyped_vote_puts_the_case_back_where_it_was(pages, world, make_case):
    case_id, entered_on, seq = mistyped_vote(world, make_case)
    pages.login("sec_a1")
    shown = text(pages.get(void_url(case_id, seq)))
    assert "51" in shown and "Voiding it returns the case to “Awaiting the branch vote”, where it has been since" in shown

    before = log_rows(case_id)
    refused = pages.post(void_url(case_id, seq), data={"version": str(fresh_case(case_id).version),
                                                       "reason": "", "confirmed": "y"})
    assert refused.status_code == 422 and log_rows(case_id) == before  # a reason is required

    done = pages.post(void_url(case_id, seq), data={"version": str(fresh_case(case_id).version),
                                                    "reason": "Gõ nhầm 51 thay vì 15 đảng viên chính thức",
                                                    "confirmed": "y"})
    assert done.status_code == 302
    case = fresh_case(case_id)
    assert (case.stage, case.stage_entered_on) == ("branch_vote", entered_on)
    log = load_log(case_id)
    assert (log[-1].act, log[-1].data["voids_seq"], log[-1].from_stage, log[-1].to_stage) == (
        "void_act", seq, "spotted", "branch_vote")
    assert verify_chain(log) is None and replay(log).failed_branch_votes == 0

    page = pages.get(f"/candidates/{case_id}")
    entry = section(page, f"entry-{seq}")
    assert "Voided" in entry and "Gõ nhầm 51 thay vì 15" in entry
    assert f'id="entry-{seq}"' in page.get_data(as_text=True) and "voided" in page.get_data(as_text=True)

    # The right vote can now be recorded, as on the day.
    operations.record_act(case_id, "record_branch_vote", world["sec_a1"], date(2021, 12, 1),
                          dict(MISTYPED, members_total=15))
    assert fresh_case(case_id).stage == "committee_review"
    assert verify().ok


def test_a_void_is_refused_when_a_later_act_built_on_the_voided_one(world, make_case, english):
    case = make_case("committee_review")
    vote = next(row for row in load_log(case.id) if row.act == "record_branch_vote")
    operations.record_act(case.id, "record_committee_review", world["com_a"], date(2021, 12, 20),
                          {"committee_size": 15, "votes_for": 13, "votes_against": 0})
    before = log_rows(case.id)
    with pytest.raises(ActBlocked) as refused:
        void_act(case.id, world["sec_a1"], vote.seq, "nhầm")
    assert any("void that act first" in str(reason) for reason in refused.value.reasons)
    assert log_rows(case.id) == before and fresh_case(case.id).stage == "decision"


def test_only_the_author_or_a_committee_above_may_void(world, make_case, english):
    case_id, _entered, seq = mistyped_vote(world, make_case)
    with pytest.raises(ActBlocked) as refused:
        void_act(case_id, world["board"], seq + 10, "nhầm")
    assert "not in this case's log" in str(refused.value.reasons[0])
    with pytest.raises(ActBlocked):
        void_act(case_id, world["sec_a1"], 1, "nhầm")  # the spotting opens the case
    # The commune's committee above the branch may void the secretary's act.
    void_act(case_id, world["com_a"], seq, "Cấp ủy phát hiện nhập nhầm số đảng viên")
    assert fresh_case(case_id).stage == "branch_vote"
    with pytest.raises(ActBlocked) as again:
        void_act(case_id, world["sec_a1"], seq, "nhầm")
    assert "voided already" in str(again.value.reasons[0])


def test_a_secretary_may_not_void_the_committees_act_and_the_page_says_why(pages, world, make_case):
    case = make_case("decision")
    review = next(row for row in load_log(case.id) if row.act == "record_committee_review")
    pages.login("sec_a1")
    page = pages.get(void_url(case.id, review.seq))
    assert "Only the person who recorded the act, or a committee above the branch" in text(page)
    assert 'id="void-form"' not in page.get_data(as_text=True)
    before = log_rows(case.id)
    posted = pages.post(void_url(case.id, review.seq), data={"version": str(fresh_case(case.id).version),
                                                             "reason": "nhầm", "confirmed": "y"})
    assert posted.status_code == 422 and log_rows(case.id) == before


def test_a_void_after_the_period_is_refused(app, world, make_case, english):
    case_id, _entered, seq = mistyped_vote(world, make_case)
    app.config["TODAY"] = clock.today() + timedelta(days=31)
    try:
        with pytest.raises(ActBlocked) as refused:
            void_act(case_id, world["sec_a1"], seq, "nhầm")
    finally:
        app.config["TODAY"] = None
    assert "within 30 days" in str(refused.value.reasons[0])


def test_the_case_page_offers_void_only_where_it_can_apply(pages, world, make_case):
    case_id, _entered, seq = mistyped_vote(world, make_case)
    pages.login("sec_b1")
    assert pages.get(void_url(case_id, seq)).status_code == 404  # outside the scope
    pages.login("admin")
    assert pages.get(void_url(case_id, seq)).status_code in (403, 404)
    pages.login("sec_a1")
    page = pages.get(f"/candidates/{case_id}").get_data(as_text=True)
    assert f'/candidates/{case_id}/void/{seq}"' in page
    assert f'/candidates/{case_id}/void/1"' not in page  # the spotting is never offered
    assert pages.get(void_url(case_id, 99999999)).status_code == 404


def test_voiding_a_document_removes_it_from_the_dossier(world, make_case):
    """The dossier is what the log replays to: a document voided is a document not received."""
    case = make_case("branch_vote")
    documents = [row for row in load_log(case.id) if row.act == "record_document"]
    keys = [row.data["item"] for row in documents]
    document = next(row for row in reversed(documents) if keys.count(row.data["item"]) == 1)
    with pytest.raises(ActBlocked):  # the dossier was declared complete after it
        void_act(case.id, document.actor, document.seq, "Ghi nhầm giấy tờ")
    complete = load_log(case.id)[-1]
    assert complete.act == "complete_dossier"
    void_act(case.id, complete.actor, complete.seq, "Chưa đủ hồ sơ, bấm nhầm")
    void_act(case.id, document.actor, document.seq, "Ghi nhầm giấy tờ của người khác")
    state = replay(load_log(case.id))
    key = document.data["item"]
    assert (key not in state.documents or not state.documents[key].received) and fresh_case(case.id).stage == "dossier"
    item_keys = {item.item_key for item in fresh_case(case.id).dossier_items if item.received}
    assert key not in item_keys
