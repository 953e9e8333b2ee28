"""The dossier checklist (DOMAIN.md §4) is derived from the rulebook and the case: the Youth Union
path or two introducing members, with or without a sub-committee level; documents that are
the record of an act come from the log."""
from datetime import date

from pipeline.base import clock
import pytest

from conftest import DOSSIER_DOCUMENTS, actor_for, record_documents
from pipeline.workflow.checklist import checklist_for, line_for, phases_for
from pipeline.workflow.definition import act_named
from pipeline.workflow.replay import replay
from pipeline.dossier.operations import DocumentEntry, record_document
from pipeline.extensions import db
from pipeline.rules.rulebook import _documents, load_rulebooks, rulebook_on
from pipeline.units.models import add_unit
from pipeline.workflow.log import load_log
from pipeline.workflow.operations import record_act

pytestmark = pytest.mark.usefixtures("english")

TODAY = date(2021, 10, 30)


def subcommittee_branch(world):
    """A village branch under a đảng ủy bộ phận of commune A (com_a acts for it)."""
    sub = add_unit("sub_a", "Đảng ủy bộ phận cụm A", "subcommittee", parent=world.commune_a)
    branch = add_unit("branch_s1", "Chi bộ thôn S1", "village", parent=sub)
    db.session.commit()
    return branch


def lines_of(case, on=TODAY):
    db.session.expire_all()
    case = db.session.get(type(case), case.id)
    return checklist_for(case, replay(load_log(case.id)), on)


def admission(lines):
    return [line for line in lines if line.phase == "admission"]


ALWAYS = ["CN-NTVĐ", "1-KNĐ", "2-KNĐ", "TTLL"]
AFTER = ["5-KNĐ", "6-KNĐ"]


@pytest.mark.parametrize("youth, with_subcommittee, keys, due_for_dossier", [
    pytest.param(False, False, ALWAYS + ["3-KNĐ:1", "3-KNĐ:2"] + AFTER + ["8-KNĐ", "9-KNĐ"],
                 ["CN-NTVĐ", "1-KNĐ", "2-KNĐ", "2-KNĐ", "3-KNĐ", "3-KNĐ", "5-KNĐ"], id="two-members"),
    pytest.param(False, True, ALWAYS + ["3-KNĐ:1", "3-KNĐ:2"] + AFTER + ["7-KNĐ", "8-KNĐ", "9-KNĐ"],
                 ["CN-NTVĐ", "1-KNĐ", "2-KNĐ", "2-KNĐ", "3-KNĐ", "3-KNĐ", "5-KNĐ"], id="two-members-subcommittee"),
    pytest.param(True, False, ALWAYS + ["3-KNĐ:1", "4-KNĐ"] + AFTER + ["8-KNĐ", "9-KNĐ"],
                 ["CN-NTVĐ", "1-KNĐ", "2-KNĐ", "2-KNĐ", "3-KNĐ", "4-KNĐ", "5-KNĐ"], id="youth-union"),
    pytest.param(True, True, ALWAYS + ["3-KNĐ:1", "4-KNĐ"] + AFTER + ["7-KNĐ", "8-KNĐ", "9-KNĐ"],
                 ["CN-NTVĐ", "1-KNĐ", "2-KNĐ", "2-KNĐ", "3-KNĐ", "4-KNĐ", "5-KNĐ"], id="youth-union-subcommittee"),
])
def test_the_admission_documents_due_for_each_path(world, make_case, youth, with_subcommittee, keys,
                                                    due_for_dossier):
    branch = subcommittee_branch(world) if with_subcommittee else world.branch_a1
    case = make_case("dossier", branch=branch, youth_union_member=youth)
    lines = admission(lines_of(case))
    required = [line.key for line in lines if line.required]
    assert sorted(required) == sorted(keys)
    assert [line.code for line in lines if line.required and line.due_by == "complete_dossier"] == due_for_dossier
    # Only a candidate outside the Youth Union is offered the Trade Union path, never required.
    offered = [line.key for line in lines if line.optional]
    assert offered == ([] if youth else ["4A-KNĐ"])
    assert ("7-KNĐ" in {line.key for line in lines}) == with_subcommittee
    # The certificate comes from the log (complete_training), nothing else is received yet.
    assert [line.key for line in lines if line.received] == ["CN-NTVĐ"]


def test_names_are_the_official_ones_and_repeated_items_are_numbered(world, make_case):
    lines = lines_of(make_case("dossier"))
    assert line_for(lines, "1-KNĐ").label == "1-KNĐ Đơn xin vào Đảng"
    assert line_for(lines, "3-KNĐ:2").label == "3-KNĐ Giấy giới thiệu người vào Đảng (2)"
    assert line_for(lines, "TTLL").code == "2-KNĐ" and line_for(lines, "TTLL").kind == "verification"
    # Gathered in the stage its act leaves.
    assert act_named(line_for(lines, "3-KNĐ:1").due_by).sources == ("dossier",)
    assert line_for(lines, "7-KNĐ") is None


def test_the_trade_union_resolution_replaces_the_second_introducer(world, make_case):
    case = make_case("dossier")
    record_document(case.id, world["sec_a1"], DocumentEntry("4A-KNĐ", True, date(2021, 10, 3),
                                                            details={"number": "02-NQ/CĐCS"}))
    lines = admission(lines_of(case))
    assert line_for(lines, "4A-KNĐ").required and line_for(lines, "4A-KNĐ").received
    assert line_for(lines, "3-KNĐ:2") is None
    assert [line.key for line in lines if line.required and line.kind == "introducer"] == ["3-KNĐ:1"]
    recorded = record_documents(world, case.id, "complete_dossier")
    assert "3-KNĐ:2" not in recorded
    record_act(case.id, "complete_dossier", world["sec_a1"], date(2021, 11, 1), {})


def test_an_item_of_another_path_stays_visible_but_not_required(world, make_case):
    case = make_case("dossier")
    record_documents(world, case.id, "complete_dossier")
    case.youth_union_member = True  # corrected particulars: the Youth Union path after all
    db.session.commit()
    lines = lines_of(case)
    second = line_for(lines, "3-KNĐ:2")
    assert second.received and not second.required
    assert line_for(lines, "4-KNĐ").required and not line_for(lines, "4-KNĐ").received


def test_documents_of_acts_come_from_the_log(world, make_case):
    case = make_case("committee_review")
    lines = lines_of(case, on=date(2021, 12, 10))
    certificate = line_for(lines, "CN-NTVĐ")
    assert (certificate.received, certificate.received_on, certificate.number) == (True, date(2021, 9, 15), "CN-001")
    resolution = line_for(lines, "6-KNĐ")
    assert (resolution.received, resolution.received_on, resolution.recorded_by) == (True, date(2021, 12, 1), "SEC_A1")
    assert not line_for(lines, "8-KNĐ").received and not line_for(lines, "9-KNĐ").received


def test_a_failed_vote_produces_no_resolution_and_a_return_starts_over(world, make_case):
    case = make_case("branch_vote")
    record_act(case.id, "record_branch_vote", world["sec_a1"], date(2021, 12, 1),
                {"members_total": 30, "members_present": 30, "votes_for": 10, "votes_against": 20})
    lines = lines_of(case, on=date(2021, 12, 5))
    assert not line_for(lines, "6-KNĐ").received
    assert line_for(lines, "CN-NTVĐ").received  # the certificate outlives the return to nurturing
    assert line_for(lines, "1-KNĐ").received  # typed documents stay (their age is what matters)


def test_recognition_documents_follow_admission(world, make_case):
    lines = lines_of(make_case("dossier"))
    recognition = [line.key for line in lines if line.phase == "recognition"]
    assert recognition == ["CN-ĐVM", "10-KNĐ", "11-KNĐ", "12-KNĐ", "13-KNĐ", "15-KNĐ", "QĐ-CNCT"]
    assert {line.key for line in lines if line.phase == "recognition" and line.from_log} == {
        "13-KNĐ", "15-KNĐ", "QĐ-CNCT"}
    assert phases_for("dossier") == ("admission",)
    assert phases_for("probation") == ("admission", "recognition")


def test_recording_an_item_writes_one_log_row_and_keeps_the_stage(world, make_case):
    case = make_case("dossier")
    before = (case.stage, case.version, len(load_log(case.id)))
    row, item = record_document(case.id, world["sec_a1"], DocumentEntry(
        "3-KNĐ:1", True, date(2021, 10, 1), note="Viết tay, có xác nhận",
        details={"introducer_name": "Nguyễn Văn Một", "official": True, "known_since": date(2019, 1, 1)}))
    db.session.expire_all()
    events = load_log(case.id)
    assert len(events) == before[2] + 1 and events[-1].act == "record_document"
    assert (events[-1].from_stage, events[-1].to_stage) == ("dossier", "dossier")
    assert events[-1].effective_date == date(2021, 10, 1)
    assert events[-1].data == {"item": "3-KNĐ:1", "received": True, "received_on": "2021-10-01",
                               "introducer_name": "Nguyễn Văn Một", "official": True, "known_since": "2019-01-01",
                               "note": "Viết tay, có xác nhận", "rulebook": rulebook_on(clock.today()).code}
    case = db.session.get(type(case), case.id)
    assert case.stage == before[0] and case.version == before[1] + 1
    (stored,) = case.dossier_items
    assert (stored.item_key, stored.received, stored.received_on, stored.recorded_by.username) == (
        "3-KNĐ:1", True, date(2021, 10, 1), "sec_a1")
    assert stored.details == {"introducer_name": "Nguyễn Văn Một", "official": True, "known_since": "2019-01-01"}

    # Recording it again updates the same item, with one more log row.
    record_document(case.id, world["com_a"], DocumentEntry("3-KNĐ:1", False, None))
    db.session.expire_all()
    case = db.session.get(type(case), case.id)
    assert len(case.dossier_items) == 1 and not case.dossier_items[0].received
    assert case.dossier_items[0].recorded_by.username == "com_a"
    assert len(load_log(case.id)) == before[2] + 2


def test_an_item_the_case_does_not_need_cannot_be_recorded(world, make_case):
    from pipeline.base.errors import ActBlocked
    case = make_case("dossier")
    before = len(load_log(case.id))
    for key in ("7-KNĐ", "4-KNĐ", "99-KNĐ"):
        with pytest.raises(ActBlocked, match="not part of this case's dossier"):
            record_document(case.id, world["sec_a1"], DocumentEntry(key, True, date(2021, 10, 1)))
    assert len(load_log(case.id)) == before and not case.dossier_items


def test_a_document_that_comes_with_an_act_takes_only_a_note(world, make_case):
    case = make_case("committee_review")
    record_document(case.id, world["sec_a1"], DocumentEntry("6-KNĐ", True, date(2020, 1, 1), note="Bản gốc lưu chi bộ"))
    line = line_for(lines_of(case, on=date(2021, 12, 10)), "6-KNĐ")
    assert (line.received_on, line.note) == (date(2021, 12, 1), "Bản gốc lưu chi bộ")
    assert load_log(case.id)[-1].data == {"item": "6-KNĐ", "note": "Bản gốc lưu chi bộ",
                                             "rulebook": rulebook_on(clock.today()).code}


# --- the rulebook data ---------------------------------------------------------------------------

@pytest.mark.parametrize("book", load_rulebooks(), ids=lambda b: b.code)
def test_every_rulebook_lists_the_documents_of_the_domain_with_citations(book):
    codes = {spec.code for spec in book.documents}
    assert codes >= {"CN-NTVĐ", "1-KNĐ", "2-KNĐ", "3-KNĐ", "4-KNĐ", "4A-KNĐ", "5-KNĐ", "6-KNĐ", "7-KNĐ",
                     "8-KNĐ", "9-KNĐ", "10-KNĐ", "11-KNĐ", "12-KNĐ", "13-KNĐ", "15-KNĐ"}
    for spec in book.documents:
        assert len(spec.citation) > 10 and spec.name and spec.phase in ("admission", "recognition"), spec.key


def test_a_later_rulebook_can_renumber_or_retire_a_form():
    inherited = rulebook_on(date(2021, 8, 1)).documents
    changed = _documents(inherited, [
        {"key": "5-KNĐ", "code": "5A-KNĐ", "name": "Tổng hợp ý kiến (mẫu mới)", "phase": "admission",
         "due_by": "complete_dossier", "citation": "Hướng dẫn giả định, dùng trong kiểm thử"},
        {"key": "4A-KNĐ", "code": "4A-KNĐ", "retired": True},
    ])
    keys = [spec.key for spec in changed]
    assert "4A-KNĐ" not in keys and keys.index("5-KNĐ") == [s.key for s in inherited].index("5-KNĐ") - 1
    assert next(spec for spec in changed if spec.key == "5-KNĐ").code == "5A-KNĐ"
    assert len(DOSSIER_DOCUMENTS) >= 8 and actor_for  # the shared fixtures data stays importable
