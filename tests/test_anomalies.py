"""The anomaly checks (pipeline.audit.anomalies): each anomaly is built — through the workflow
where its guards let it through, as a crafted log row with correct hashes where they do not —
and must be listed with its case, its act and why; a clean case must not be. Crafted rows keep
the chain whole: these checks see what the hash chain cannot."""
import csv
import io
import re
from datetime import date, datetime, time, timedelta

import pytest

from audit_support import craft_act, seq_of
from pages_support import pages, section  # noqa: F401  (pages is a fixture)
from pipeline.base import clock
from pipeline.audit.anomalies import LATE_CEREMONY, LATE_ENTRY, SKIPPED_STAGE, WEAK_VOTE, run_check
from pipeline.audit.verify import verify
from pipeline.extensions import db
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.transaction import one_transaction
from pipeline.workflow import operations

pytestmark = pytest.mark.usefixtures("english")
RECEIVED = date(2022, 1, 25)  # the decision's receipt in make_case
PARTICULARS = dict(date_of_birth=date(1999, 1, 1), sex="female", ethnicity="Kinh", education="upper_secondary",
                   source_organisation="youth_union")


def found(world, check, root=None, late_days=30):
    return {(a.case_id, a.seq): a for a in run_check(check, root or world.town, WorkingCalendar.load(),
                                                          late_days)}


def cases_found(world, check, root=None):
    return {case_id for case_id, _seq in found(world, check, root)}


def ceremony(world, case, day, **data):
    return operations.record_act(case.id, "hold_ceremony", world["sec_a1"], day, {"place": "Hội trường", **data})


# --- 1. the ceremony too late -----------------------------------------------------------------

def test_a_ceremony_after_the_working_days_without_consent(world, make_case):
    due = WorkingCalendar().add_working_days(RECEIVED, 30)  # Tết 2022 in between
    on_time, last_day, late, consented = (make_case("ceremony", full_name=f"Người {n}") for n in "ABCD")
    ceremony(world, on_time, date(2022, 2, 10))
    ceremony(world, last_day, due)
    row = ceremony(world, late, due + timedelta(days=1))
    ceremony(world, consented, date(2022, 6, 1), late_consent="Công văn 15-CV/TU đồng ý tổ chức muộn")
    listed = found(world, LATE_CEREMONY)
    assert set(listed) == {(late.id, row.seq)}
    why = str(listed[(late.id, row.seq)].why)
    assert f"after the decision was received on 25/01/2022 (at most 30, so by {due:%d/%m/%Y})" in why
    assert "no consent of the higher committee is recorded" in why


# --- 2. a vote below the majority recorded as passed -------------------------------------------

def test_votes_below_two_thirds_recorded_as_passed(world, make_case):
    branch = make_case("branch_vote", full_name="Chi bộ thiếu phiếu")
    weak_branch = craft_act(branch.id, "record_branch_vote", "committee_review", date(2021, 12, 1), {
        "members_total": 30, "members_present": 28, "votes_for": 19, "votes_against": 9, "rulebook": "2021"},
        world["sec_a1"])
    committee = make_case("committee_review", full_name="Đảng ủy thiếu phiếu")
    weak_committee = craft_act(committee.id, "record_committee_review", "decision", date(2021, 12, 20), {
        "committee_size": 15, "votes_for": 9, "votes_against": 6}, world["com_a"])
    probation = make_case("probation", full_name="Công nhận thiếu phiếu")
    weak_recognition = craft_act(probation.id, "record_recognition_vote", "probation", date(2023, 2, 12), {
        "members_total": 30, "members_present": 30, "votes_for": 12, "votes_against": 18, "passed": True},
        world["sec_a1"])
    clean = make_case("ceremony", full_name="Đủ phiếu")  # 25/30 and 13/15: passed rightly
    failed = make_case("branch_vote", full_name="Không đạt")  # failed, and recorded as failed
    operations.record_act(failed.id, "record_branch_vote", world["sec_a1"], date(2021, 12, 1),
                           {"members_total": 30, "members_present": 30, "votes_for": 19, "votes_against": 11})
    listed = found(world, WEAK_VOTE)
    assert set(listed) == {(branch.id, weak_branch.seq), (committee.id, weak_committee.seq),
                           (probation.id, weak_recognition.seq)}
    assert str(listed[(branch.id, weak_branch.seq)].why) == \
        "19 of 30 voted for, at least 20 (2/3) were needed, yet it is recorded as passed"
    assert "9 of 15 voted for, at least 10 (2/3)" in str(listed[(committee.id, weak_committee.seq)].why)
    assert clean.id not in cases_found(world, WEAK_VOTE) and failed.id not in cases_found(world, WEAK_VOTE)
    assert verify().ok  # the rows are consistent: only this check sees them


# --- 3. a stage skipped -----------------------------------------------------------------------

def test_a_case_that_skips_a_stage(world, make_case):
    jumped = make_case("dossier", full_name="Nhảy bước")
    jump = craft_act(jumped.id, "record_decision", "ceremony", date(2022, 1, 20), {
        "decision_number": "9-QĐ/TU", "received_on": "2022-01-25", "issuing_unit_id": world.town.id}, world["board"])
    detached = make_case("training", full_name="Lệch bước")
    detach = craft_act(detached.id, "complete_dossier", "branch_vote", date(2021, 11, 1), {}, world["sec_a1"],
                       from_stage="dossier")
    clean = make_case("official", full_name="Đủ bước")
    listed = found(world, SKIPPED_STAGE)
    assert set(listed) == {(jumped.id, jump.seq), (detached.id, detach.seq)}
    assert str(listed[(jumped.id, jump.seq)].why) == (
        "“Record the admission decision” cannot move a case from “Preparing the dossier” to "
        "“Awaiting the admission ceremony”")
    assert str(listed[(detached.id, detach.seq)].why) == (
        "it starts from “Preparing the dossier” but the previous act left the case in “Political training class”")
    assert clean.id not in cases_found(world, SKIPPED_STAGE)
    assert verify().ok


# --- 4. entered late --------------------------------------------------------------------------

def spot(world, name, effective, recorded_at=None):
    with one_transaction():
        case = operations.open_case(world["sec_a1"], world.branch_a1, effective, dict(full_name=name, **PARTICULARS),
                                    recorded_at=recorded_at).case
    return case


def test_acts_entered_long_after_they_took_effect(world, make_case):
    old = make_case("spotted", full_name="Nhập muộn")  # spotted 01/06/2021, entered today
    today = clock.today()
    fresh = spot(world, "Nhập ngay", today)
    effective = today - timedelta(days=60)
    at_limit = spot(world, "Đúng hạn", effective, datetime.combine(effective + timedelta(days=30), time(23, 0)))
    over = spot(world, "Quá hạn", effective, datetime.combine(effective + timedelta(days=31), time(1, 0)))
    listed = found(world, LATE_ENTRY)
    assert {case_id for case_id, _seq in listed} == {old.id, over.id}
    assert str(listed[(over.id, 1)].why) == "entered 31 days after it took effect (more than 30)"
    assert fresh.id not in cases_found(world, LATE_ENTRY) and at_limit.id not in cases_found(world, LATE_ENTRY)
    assert found(world, LATE_ENTRY, late_days=100000) == {}


# --- the page ---------------------------------------------------------------------------------

@pytest.fixture
def anomalies_in_both_communes(world, make_case):
    a = make_case("ceremony", full_name="Nguyễn Văn An")
    ceremony(world, a, date(2022, 6, 1))
    b = make_case("committee_review", branch=world.branch_b1, full_name="Trần Văn Bình")
    craft_act(b.id, "record_committee_review", "decision", date(2021, 12, 20), {
        "committee_size": 15, "votes_for": 5, "votes_against": 10}, world["com_b"])
    return a, b


def page_rows(response):
    return set(re.findall(r'data-case="(\d+)" data-seq="(\d+)" data-check="(\w+)"', response.get_data(as_text=True)))


def test_the_page_lists_each_anomaly_in_the_users_scope(anomalies_in_both_communes, pages, world):
    a, b = anomalies_in_both_communes
    ceremony_seq = seq_of(a.id, "hold_ceremony")
    review_seq = seq_of(b.id, "record_committee_review")
    pages.login("board")
    page = pages.get("/audit/anomalies")
    rows = page_rows(page)
    assert (str(a.id), str(ceremony_seq), LATE_CEREMONY) in rows
    assert (str(b.id), str(review_seq), WEAK_VOTE) in rows
    late = section(page, f"check-{LATE_CEREMONY}")
    assert "Nguyễn Văn An" in late and "Record the admission ceremony" in late and "01/06/2022" in late
    assert 'data-total="0"' in page.get_data(as_text=True)  # no stage skipped
    pages.login("com_a")
    rows = page_rows(pages.get("/audit/anomalies"))
    assert rows and {case for case, _seq, _check in rows} == {str(a.id)}
    assert pages.get(f"/audit/anomalies?unit={world.commune_b.id}").status_code == 404
    pages.login("com_b")
    assert (str(b.id), str(review_seq), WEAK_VOTE) in page_rows(pages.get("/audit/anomalies"))
    pages.login("sec_a1")
    assert pages.get("/audit/anomalies").status_code == 403


def test_the_export_has_every_anomaly(anomalies_in_both_communes, pages):
    a, b = anomalies_in_both_communes
    pages.login("board")
    body = pages.get("/audit/anomalies?format=csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["Check", "Case no.", "Full name", "Branch", "Act no.", "Act", "Took effect", "Why"]
    checks = {(r[0], r[1]) for r in rows[1:]}
    assert ("Ceremony too late after the decision, without consent", str(a.id)) in checks
    assert ("Vote below the required majority recorded as passed", str(b.id)) in checks
    assert len(rows) - 1 == len(page_rows(pages.get("/audit/anomalies")))  # fewer than 100 per check


def test_the_page_runs_the_same_statements_for_more_data(world, make_case, pages, count_statements):
    make_case("ceremony")
    pages.login("board")
    pages.get("/audit/anomalies")
    with count_statements() as few:
        assert pages.get("/audit/anomalies").status_code == 200
    for n in range(5):
        make_case("probation", full_name=f"Người {n}")
    with count_statements() as many:
        assert pages.get("/audit/anomalies").status_code == 200
    assert few.count == many.count
    print(f"anomalies page: {few.count} statements")


def test_the_ceremony_form_records_the_consent_that_answers_for_a_delay(world, make_case, pages):
    case = make_case("ceremony")
    pages.login("sec_a1")
    form = pages.get(f"/candidates/{case.id}/act/hold_ceremony").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form) or re.search(
        r'name="version" value="(\d+)"', form)
    response = pages.post(f"/candidates/{case.id}/act/hold_ceremony", data={
        "effective_date": "2022-06-01", "place": "Hội trường", "version": version.group(1), "confirmed": "y",
        "late_consent": "Công văn 15-CV/TU đồng ý tổ chức muộn"})
    assert response.status_code == 302
    assert found(world, LATE_CEREMONY) == {}
