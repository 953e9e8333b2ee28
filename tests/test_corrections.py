"""Corrections (pipeline.audit.corrections): a new log row naming the act it corrects, with a
reason; the corrected row is never touched. The case page shows it under the act it corrects,
the audit page links both ways."""
from datetime import date

import pytest

from audit_support import events_of, seq_of
from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.base import errors
from pipeline.base import clock
from pipeline.audit.corrections import record_correction
from pipeline.audit.verify import check_case
from pipeline.workflow import operations
from pipeline.workflow.log import verify_chain

pytestmark = pytest.mark.usefixtures("english")
REASON = "Biên bản ghi 24 phiếu tán thành, không phải 25"
WITHDRAWN = "Xin rút vì lý do gia đình"


def form(seq, version, **changes):
    data = {"corrects_seq": seq, "what": "Votes for", "corrected_value": "24", "effective_date": "2022-01-05",
            "reason": REASON, "version": version}
    data.update(changes)
    return data


def test_a_secretary_corrects_the_branch_vote_from_the_case_page(world, make_case, pages):
    case = make_case("committee_review")
    before = events_of(case.id)
    vote = seq_of(case.id, "record_branch_vote")
    pages.login("sec_a1")
    page = pages.get(f"/candidates/{case.id}")
    assert f'href="/audit/cases/{case.id}/correct"' in page.get_data(as_text=True)
    assert pages.get(f"/audit/cases/{case.id}/correct?seq={vote}").status_code == 200
    response = pages.post(f"/audit/cases/{case.id}/correct", data=form(vote, case.version), follow_redirects=True)
    assert response.status_code == 200
    assert f"Correction of act no. {vote} recorded" in text(response)
    after = events_of(case.id)
    # The corrected row is as it was; the correction is one more row, and the chain is whole.
    assert [(r.hash, r.data) for r in after[:-1]] == [(r.hash, r.data) for r in before]
    correction = after[-1]
    assert correction.act == "record_correction" and correction.seq == len(before) + 1
    assert correction.data["corrects_seq"] == vote and correction.data["corrects_event"] == "record_branch_vote"
    assert correction.data["what"] == "Votes for" and correction.data["corrected_value"] == "24"
    assert correction.reason == REASON and correction.effective_date == date(2022, 1, 5)
    assert verify_chain(after) is None and check_case(after, "committee_review") is None
    # Shown under the branch vote, not as an act of its own.
    timeline = section(response, "timeline")
    assert f"Corrected on 05/01/2022 by SEC_A1: {REASON}" in timeline
    assert "Votes for: 24" in timeline
    assert timeline.index("Record the branch vote") < timeline.index("Corrected on")
    assert "Correct an earlier act" not in timeline
    # The stage did not move.
    assert "Awaiting the grassroots committee" in section(response, "current-stage")


def test_the_audit_page_links_the_correction_and_the_act(world, make_case, pages):
    case = make_case("committee_review")
    vote = seq_of(case.id, "record_branch_vote")
    row = record_correction(case.id, world["com_a"], vote, "Votes for", "24", REASON, date(2022, 1, 5))
    pages.login("com_a")
    page = pages.get(f"/audit/cases/{case.id}")
    corrected = section(page, f"act-{vote}")
    assert f"Corrected by act no. {row.seq}" in corrected and "Votes for → 24" in corrected
    correction = section(page, f"act-{row.seq}")
    assert f"Corrects act no. {vote}" in correction and REASON in correction
    assert f'href="#act-{vote}"' in page.get_data(as_text=True)


def test_a_correction_works_in_any_stage_even_after_the_case_closed(world, make_case):
    case = make_case("branch_vote")
    operations.record_act(case.id, "withdraw", world["sec_a1"], date(2021, 12, 5), {}, reason=WITHDRAWN)
    row = record_correction(case.id, world["sec_a1"], 1, "Residence", "Thôn 2", "Ghi nhầm thôn", date(2022, 1, 5))
    assert row.to_stage == row.from_stage == "withdrawn"


def test_a_correction_sets_no_order_for_later_acts(world, make_case):
    """Dated the day it is made, it must not stop an act that took effect before it from being recorded."""
    case = make_case("decision")
    record_correction(case.id, world["sec_a1"], 1, "Residence", "Thôn 2", "Ghi nhầm thôn", clock.today())
    operations.record_act(case.id, "record_decision", world["board"], date(2022, 1, 20),
                           {"decision_number": "1-QĐ/TU", "received_on": "2022-01-25",
                            "issuing_unit_id": world.town.id})
    assert events_of(case.id)[-1].act == "record_decision"


@pytest.mark.parametrize("changes, message", [
    ({"corrects_seq": 99}, "Not a valid choice."),
    ({"reason": ""}, "This field is required."),
    ({"reason": "ngắn"}, "Field must be between 5 and 1000 characters long."),
    ({"what": ""}, "This field is required."),
    ({"effective_date": "2021-01-01"}, "A correction cannot be dated before the act it corrects"),
    ({"effective_date": "2999-01-01"}, "This date is in the future."),
])
def test_what_a_correction_needs(world, make_case, pages, changes, message):
    case = make_case("training")
    rows = len(events_of(case.id))
    pages.login("sec_a1")
    response = pages.post(f"/audit/cases/{case.id}/correct", data=form(2, case.version, **changes))
    assert response.status_code == 422
    assert message in text(response)
    assert len(events_of(case.id)) == rows


def test_an_act_that_is_not_in_the_log_or_is_a_correction_cannot_be_corrected(world, make_case):
    case = make_case("training")
    with pytest.raises(errors.ActBlocked, match="is not in this case's log"):
        record_correction(case.id, world["sec_a1"], 42, "x", "y", REASON, date(2022, 1, 5))
    first = record_correction(case.id, world["sec_a1"], 1, "Residence", "Thôn 2", REASON, date(2022, 1, 5))
    with pytest.raises(errors.ActBlocked, match="A correction cannot be corrected: record another correction "
                                                    "of act no. 1"):
        record_correction(case.id, world["sec_a1"], first.seq, "x", "y", REASON, date(2022, 1, 6))


def test_a_stale_page_is_refused(world, make_case, pages):
    case = make_case("training")
    pages.login("sec_a1")
    response = pages.post(f"/audit/cases/{case.id}/correct", data=form(1, case.version - 1), follow_redirects=True)
    assert "This case has changed in the meantime" in text(response)
    assert events_of(case.id)[-1].act != "record_correction"


@pytest.mark.parametrize("username, status", [("admin", 403), ("sec_b1", 404), ("com_b", 404), ("com_a", 200),
                                              ("board", 200)])
def test_who_may_correct(world, make_case, pages, username, status):
    case = make_case("training")
    pages.login(username)
    assert pages.get(f"/audit/cases/{case.id}/correct").status_code == status
    if status != 200:
        assert pages.post(f"/audit/cases/{case.id}/correct", data=form(1, case.version)).status_code == status
        assert events_of(case.id)[-1].act != "record_correction"
    with_link = f'href="/audit/cases/{case.id}/correct"' in pages.get(f"/candidates/{case.id}").get_data(as_text=True)
    assert with_link == (status == 200)


def test_a_correction_after_the_case_left_keeps_where_it_left(world, make_case, pages):
    case = make_case("committee_review")
    operations.record_act(case.id, "withdraw", world["sec_a1"], date(2021, 12, 5), {}, reason=WITHDRAWN)
    record_correction(case.id, world["sec_a1"], 1, "Residence", "Thôn 2", "Ghi nhầm thôn", date(2022, 1, 5))
    pages.login("sec_a1")
    page = text(pages.get(f"/candidates/{case.id}"))
    assert "Left the process at step 5." in page
    assert WITHDRAWN in section(pages.get(f"/candidates/{case.id}"), "exit-reason")
