"""The dossier's guards: the dossier is complete only when every required document due by then
has been received and is in order; documents too old on the branch meeting date block the vote.
A refused act writes nothing and names each missing item by form code and name."""
from datetime import date

import pytest

from conftest import DOSSIER_DOCUMENTS, FORWARD_ACTS, count_events, fresh, record_documents
from pipeline.workflow.checklist import checklist_for, line_for
from pipeline.workflow.replay import replay
from pipeline.dossier.operations import DocumentEntry, record_document
from pipeline.extensions import db
from pipeline.base.errors import ActBlocked
from pipeline.workflow.log import load_log
from pipeline.workflow.operations import record_act
from test_dossier_checklist import subcommittee_branch

pytestmark = pytest.mark.usefixtures("english")

COMPLETED = FORWARD_ACTS["dossier"][2]  # 01/11/2021
VOTE = FORWARD_ACTS["branch_vote"]


def refused(case_id, act_name, user, day, data=None):
    before = fresh(case_id)
    before = (before.stage, before.version, count_events(case_id))
    with pytest.raises(ActBlocked) as blocked:
        record_act(case_id, act_name, user, day, data or {})
    after = fresh(case_id)
    assert (after.stage, after.version, count_events(case_id)) == before
    return [str(reason) for reason in blocked.value.reasons]


def introducer(name, since, official=True):
    return {"introducer_name": name, "official": official, "known_since": since}


# --- missing documents ---------------------------------------------------------------------------

def test_missing_documents_block_the_completion_naming_each_one(world, make_case):
    case = make_case("dossier")
    reasons = refused(case.id, "complete_dossier", world["sec_a1"], COMPLETED)
    assert reasons == [
        "1-KNĐ Đơn xin vào Đảng has not been received",
        "2-KNĐ Lý lịch của người xin vào Đảng has not been received",
        "2-KNĐ Kết quả thẩm tra lý lịch người xin vào Đảng has not been received",
        "3-KNĐ Giấy giới thiệu người vào Đảng (1) has not been received",
        "3-KNĐ Giấy giới thiệu người vào Đảng (2) has not been received",
        "5-KNĐ Tổng hợp ý kiến nhận xét của tổ chức đoàn thể và chi ủy nơi cư trú đối với người xin vào Đảng "
        "has not been received",
    ]

    record_documents(world, case.id, "complete_dossier", skip=("3-KNĐ:2",))
    reasons = refused(case.id, "complete_dossier", world["sec_a1"], COMPLETED)
    assert reasons == ["3-KNĐ Giấy giới thiệu người vào Đảng (2) has not been received"]

    record_documents(world, case.id, "complete_dossier")
    record_act(case.id, "complete_dossier", world["sec_a1"], COMPLETED, {})
    assert fresh(case.id).stage == "branch_vote"


def test_the_youth_union_path_needs_the_resolution_and_one_member(world, make_case):
    case = make_case("dossier", youth_union_member=True, date_of_birth=date(2000, 3, 15))  # of youth age
    record_documents(world, case.id, "complete_dossier", skip=("4-KNĐ",))
    reasons = refused(case.id, "complete_dossier", world["sec_a1"], COMPLETED)
    assert len(reasons) == 1 and reasons[0].startswith("4-KNĐ Nghị quyết giới thiệu đoàn viên ưu tú vào Đảng")
    record_documents(world, case.id, "complete_dossier")
    record_act(case.id, "complete_dossier", world["sec_a1"], COMPLETED, {})
    assert fresh(case.id).stage == "branch_vote"


def test_the_case_page_names_what_is_missing_before_anyone_tries(world, make_case):
    from flask_babel import force_locale
    from pipeline.workflow.operations import action_states
    case = make_case("dossier")
    record_documents(world, case.id, "complete_dossier", skip=("1-KNĐ",))
    with force_locale("en"):
        states = {t.name: [str(r) for r in reasons]
                  for t, reasons in action_states(world["sec_a1"], fresh(case.id), replay(load_log(case.id)))}
    documents = [r for r in states["complete_dossier"] if "KNĐ" in r]  # today the certificate may have expired
    assert documents == ["1-KNĐ Đơn xin vào Đảng has not been received"]


def test_a_document_dated_after_the_completion_is_not_there_yet(world, make_case):
    case = make_case("dossier")
    record_documents(world, case.id, "complete_dossier", overrides={"5-KNĐ": (date(2021, 11, 3), {})})
    reasons = refused(case.id, "complete_dossier", world["sec_a1"], COMPLETED)
    assert reasons == ["5-KNĐ Tổng hợp ý kiến nhận xét của tổ chức đoàn thể và chi ủy nơi cư trú đối với người "
                       "xin vào Đảng is dated 03/11/2021, after the date of this act (01/11/2021)"]
    record_act(case.id, "complete_dossier", world["sec_a1"], date(2021, 11, 3), {})


def test_a_resume_verification_that_found_problems_blocks(world, make_case):
    case = make_case("dossier")
    record_documents(world, case.id, "complete_dossier", skip=("TTLL",))
    record_document(case.id, world["sec_a1"], DocumentEntry(
        "TTLL", True, date(2021, 10, 25), note="Khai thiếu quá trình công tác 2015–2017",
        details={"verification_result": "issues"}))
    reasons = refused(case.id, "complete_dossier", world["sec_a1"], COMPLETED)
    assert reasons == ["the résumé verification found problems: Khai thiếu quá trình công tác 2015–2017"]


# --- introducers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("second, fragment", [
    pytest.param(introducer("Trần Thị Hai", "2020-11-02"),
                 "Trần Thị Hai has known the candidate for 11 months 30 days, at least 12 months needed",
                 id="known-11-months-30-days"),
    pytest.param(introducer("Trần Thị Hai", "2019-06-01", official=False),
                 "Trần Thị Hai is not an official party member", id="not-an-official-member"),
    pytest.param(introducer("Trần Thị Hai", None),
                 "when Trần Thị Hai began working or living with the candidate is missing", id="since-missing"),
    pytest.param(introducer("", "2019-06-01"),
                 "the name of the introducing member is missing on 3-KNĐ Giấy giới thiệu người vào Đảng (2)",
                 id="name-missing"),
])
def test_an_introducer_must_be_an_official_member_known_for_12_months(world, make_case, second, fragment):
    case = make_case("dossier")
    record_documents(world, case.id, "complete_dossier", overrides={"3-KNĐ:2": (date(2021, 10, 2), second)})
    reasons = refused(case.id, "complete_dossier", world["sec_a1"], COMPLETED)
    assert reasons == [fragment]
    # The checklist says the same on the line itself.
    case = fresh(case.id)
    line = line_for(checklist_for(case, replay(load_log(case.id)), COMPLETED), "3-KNĐ:2")
    assert [str(p) for p in line.problems] == [fragment]


def test_an_introducer_known_for_exactly_12_months_suffices(world, make_case):
    case = make_case("dossier")
    record_documents(world, case.id, "complete_dossier",
                     overrides={"3-KNĐ:2": (date(2021, 10, 2), introducer("Trần Thị Hai", "2020-11-01"))})
    record_act(case.id, "complete_dossier", world["sec_a1"], COMPLETED, {})
    assert fresh(case.id).stage == "branch_vote"


def test_an_introducer_changed_after_completion_is_caught_at_the_vote(world, make_case):
    case = make_case("branch_vote")
    record_document(case.id, world["sec_a1"], DocumentEntry(
        "3-KNĐ:2", True, date(2021, 10, 2), details=introducer("Trần Thị Hai", "2019-06-01", official=False)))
    act_name, _who, day, data = VOTE
    assert refused(case.id, act_name, world["sec_a1"], day, data) == ["Trần Thị Hai is not an official party member"]


# --- staleness -------------------------------------------------------------------------------------

def test_a_stale_document_is_flagged_and_blocks_the_branch_vote(world, make_case):
    case = make_case("branch_vote")  # the résumé (2-KNĐ) is of 25/09/2021, the oldest that ages
    act_name, _who, _day, data = VOTE
    reasons = refused(case.id, act_name, world["sec_a1"], date(2022, 9, 26), data)
    assert reasons == ["2-KNĐ Lý lịch của người xin vào Đảng of 25/09/2021 is more than 12 months old on "
                       "26/09/2022: it must be redone"]
    case = fresh(case.id)
    lines = checklist_for(case, replay(load_log(case.id)), date(2022, 9, 26))
    assert [line.key for line in lines if line.stale] == ["2-KNĐ"]
    assert not line_for(lines, "1-KNĐ").stale  # the application does not age

    record_act(case.id, act_name, world["sec_a1"], date(2022, 9, 25), data)
    assert fresh(case.id).stage == "committee_review"
    # Once the branch has voted, nothing is stale any more.
    case = fresh(case.id)
    lines = checklist_for(case, replay(load_log(case.id)), date(2023, 6, 1))
    assert not any(line.stale for line in lines)


def test_every_stale_document_is_named_and_redoing_it_clears_the_block(world, make_case):
    case = make_case("branch_vote")
    act_name, _who, _day, data = VOTE
    reasons = refused(case.id, act_name, world["sec_a1"], date(2022, 10, 21), data)
    assert [r.split(" of ")[0] for r in reasons] == [
        "2-KNĐ Lý lịch của người xin vào Đảng", "3-KNĐ Giấy giới thiệu người vào Đảng (1)",
        "3-KNĐ Giấy giới thiệu người vào Đảng (2)",
        "5-KNĐ Tổng hợp ý kiến nhận xét của tổ chức đoàn thể và chi ủy nơi cư trú đối với người xin vào Đảng"]
    for key in ("2-KNĐ", "3-KNĐ:1", "3-KNĐ:2", "5-KNĐ"):
        record_document(case.id, world["sec_a1"], DocumentEntry(key, True, date(2022, 10, 10),
                                                                details=DOSSIER_DOCUMENTS[key][1]))
    record_act(case.id, act_name, world["sec_a1"], date(2022, 10, 21), data)
    assert fresh(case.id).stage == "committee_review"


# --- the sub-committee's appraisal -------------------------------------------------------------------

def test_the_subcommittee_appraisal_is_needed_before_the_committee_review(world, make_case):
    case = make_case("committee_review", branch=subcommittee_branch(world))
    act_name, _who, day, data = FORWARD_ACTS["committee_review"]
    assert refused(case.id, act_name, world["com_a"], day, data) == [
        "7-KNĐ Báo cáo thẩm định của đảng ủy bộ phận has not been received"]
    assert record_documents(world, case.id, act_name) == ["7-KNĐ"]
    record_act(case.id, act_name, world["com_a"], day, data)
    assert fresh(case.id).stage == "decision"


def test_make_case_records_the_appraisal_where_a_subcommittee_exists(world, make_case):
    case = make_case("decision", branch=subcommittee_branch(world))
    db.session.expire_all()
    assert "7-KNĐ" in {item.item_key for item in fresh(case.id).dossier_items}
