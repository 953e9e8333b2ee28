"""The act forms: a case walked through the pages, scope and roles, bad input on every form,
stale pages, and acts the rules refuse. Whatever is refused writes nothing."""
import json
import unicodedata
from datetime import date

from pipeline.workflow.log import load_log
from pipeline.base import clock
import pytest

from conftest import ACTS_WITHIN, DOSSIER_DOCUMENTS, TRAINING_RESULT_DAY, record_documents, record_training_result
from dateutil.relativedelta import relativedelta
from sqlalchemy import select, text as sql

from pages_support import (TOMORROW, fresh_case, field_errors, log_rows, pages,  # noqa: F401
                           section, text, with_tomorrow)
from pipeline.extensions import db
from pipeline.training.operations import latest_enrolment
from pipeline.workflow import definition, operations
from pipeline.workflow.models import LogEntry
from pipeline.workflow.log import replay_stage, verify_chain



def valid_payload(act_name, world):
    """Form fields, as a browser sends them, that each act accepts on a case made by make_case."""
    return {
        "enrol_training": {"effective_date": "2021-09-01", "class_id": str(world.training_class.id)},
        "resume_dossier": {"effective_date": "2022-01-10", "note": "Giấy chứng nhận còn giá trị"},
        "complete_training": {"effective_date": "2021-09-15", "certificate_number": "CN-001"},
        "complete_dossier": {"effective_date": "2021-11-01", "note": "Hồ sơ đủ, đề nghị chi bộ xét"},
        "record_branch_vote": {"effective_date": "2021-12-01", "members_total": "30", "members_present": "27",
                               "votes_for": "25", "votes_against": "2", "resolution_number": "01-NQ/CB"},
        "record_committee_review": {"effective_date": "2021-12-20", "committee_size": "15", "votes_for": "13",
                                    "votes_against": "0", "resolution_number": "02-NQ/ĐU"},
        "record_decision": {"decision_number": "123-QĐ/TU", "effective_date": "2022-01-20",
                            "issuing_unit_id": str(world.town.id), "received_on": "2022-01-25"},
        "refuse_admission": {"effective_date": "2022-01-20", "reason": "Chưa đủ tiêu chuẩn", "confirmed": "y"},
        "extend_decision": {"effective_date": "2022-01-20", "reason": "Cần xác minh thêm lý lịch",
                            "document_number": "12-TB/TU"},
        "hold_ceremony": {"effective_date": "2022-02-10", "place": "Hội trường thôn", "confirmed": "y"},
        "record_recognition_vote": {"effective_date": "2023-02-12", "members_total": "30", "members_present": "28",
                                    "votes_for": "26", "votes_against": "0", "resolution_number": "05-NQ/CB"},
        "record_recognition_review": {"effective_date": "2023-02-20", "committee_size": "15", "votes_for": "13",
                                      "votes_against": "0", "resolution_number": "09-NQ/ĐU"},
        "recognise_official": {"decision_number": "456-QĐ/TU", "effective_date": "2023-02-25", "confirmed": "y"},
        "extend_recognition_decision": {"effective_date": "2023-02-25", "reason": "Chờ kết luận kiểm tra",
                                        "document_number": "34-TB/TU"},
        "strike_off": {"effective_date": "2022-06-01", "reason": "Vi phạm tư cách đảng viên", "confirmed": "y"},
        "withdraw": {"effective_date": "2021-08-15", "reason": "Chuyển nơi cư trú", "confirmed": "y"},
        "remove_from_pool": {"effective_date": "2021-08-15", "reason": "Không còn phấn đấu", "confirmed": "y"},
        "expire": {"effective_date": "2021-10-01", "reason": "Quá hạn bổ sung hồ sơ"},
        "reopen": {"effective_date": "2021-11-01", "reason": "Bồi dưỡng lại từ đầu"},
    }[act_name]


# act name -> (stage reached with make_case, who acts, a text field of the form or None)
ACTS = {
    "enrol_training": ("spotted", "sec_a1", None),  # a class is chosen, nothing typed
    "resume_dossier": ("failed_vote", "sec_a1", "note"),
    "complete_training": ("passed_training", "sec_a1", "certificate_number"),
    "complete_dossier": ("dossier_ready", "sec_a1", "note"),
    "record_branch_vote": ("branch_vote", "sec_a1", "resolution_number"),
    "record_committee_review": ("committee_review", "com_a", "resolution_number"),
    "record_decision": ("decision", "board", "decision_number"),
    "refuse_admission": ("decision", "board", "reason"),
    "extend_decision": ("decision", "board", "reason"),
    "hold_ceremony": ("ceremony", "sec_a1", "place"),
    "record_recognition_vote": ("probation", "sec_a1", "resolution_number"),
    "record_recognition_review": ("recognition_voted", "com_a", "resolution_number"),
    "recognise_official": ("recognition_reviewed", "board", "decision_number"),
    "extend_recognition_decision": ("recognition_reviewed", "board", "reason"),
    "strike_off": ("probation", "sec_a1", "reason"),
    "withdraw": ("spotted", "sec_a1", "reason"),
    "remove_from_pool": ("spotted", "sec_a1", "reason"),
    "expire": ("training", "sec_a1", "reason"),
    "reopen": ("expired", "sec_a1", "reason"),
}
VOTE_ACTS = ("record_branch_vote", "record_committee_review", "record_recognition_vote",
             "record_recognition_review")


def test_every_act_of_the_workflow_has_a_page_test():
    assert set(ACTS) == {act.name for act in definition.MOVES}


def prepare(make_case, world, act_name):
    """A case where `trigger` can be recorded; returns its id."""
    stage = ACTS[act_name][0]
    if stage == "failed_vote":  # back in nurturing with a valid certificate
        case = make_case("branch_vote")
        operations.record_act(case.id, "record_branch_vote", world["sec_a1"], date(2021, 12, 1),
                               {"members_total": 30, "members_present": 27, "votes_for": 10, "votes_against": 17})
        return case.id
    if stage == "passed_training":  # the class recorded a pass: the certificate comes next
        case = make_case("training")
        record_training_result(world, case.id)
        return case.id
    if stage == "expired":
        case = make_case("training")
        operations.record_act(case.id, "expire", world["sec_a1"], date(2021, 10, 1), {}, reason="Quá hạn")
        return case.id
    if stage == "dossier_ready":  # the documents are on the dossier page
        case = make_case("dossier")
        record_documents(world, case.id, "complete_dossier")
        return case.id
    if stage in ("recognition_voted", "recognition_reviewed"):
        case = make_case("probation")
        acts = ACTS_WITHIN["probation"][:1 if stage == "recognition_voted" else 2]
        for act_name, who, day, data in acts:
            record_documents(world, case.id, act_name)
            operations.record_act(case.id, act_name, world["sec_a1" if who == "sec" else "com_a"], day, data)
        return case.id
    case = make_case(stage)
    if act_name == "record_recognition_vote":  # the probation documents come first
        record_documents(world, case.id, act_name)
    return case.id


def act_url(case_id, act_name):
    return f"/candidates/{case_id}/act/{act_name}"


def post_act(pages, case_id, act_name, payload, version=None):
    data = dict(payload)
    data["version"] = str(fresh_case(case_id).version if version is None else version)
    return pages.post(act_url(case_id, act_name), data=data)


# --- the main road, walked through the pages -----------------------------------------------

def test_a_case_walks_from_spotting_to_official_through_the_pages(pages, world):
    pages.login("sec_a1")
    response = pages.post("/candidates/new", data={
        "full_name": "Phùng Tấn Thắng", "date_of_birth": "1995-03-15", "sex": "male", "ethnicity": "Kinh",
        "education": "upper_secondary", "occupation": "Phó Bí thư chi đoàn thôn", "residence": "Khối phố Tân Khai",
        "youth_union_member": "", "source_organisation": "youth_union", "helper_member": "Lê Văn Giúp",
        "effective_date": "2021-06-01"})
    assert response.status_code == 302
    case_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert log_rows(case_id) == 1

    road = [("enrol_training", "sec_a1", "training"), ("complete_training", "sec_a1", "dossier"),
            ("complete_dossier", "sec_a1", "branch_vote"), ("record_branch_vote", "sec_a1", "committee_review"),
            ("record_committee_review", "com_a", "decision"), ("record_decision", "board", "ceremony"),
            ("hold_ceremony", "sec_a1", "probation"), ("record_recognition_vote", "sec_a1", "probation"),
            ("record_recognition_review", "com_a", "probation"), ("recognise_official", "board", "official")]
    facts = 0  # rows of acts that keep the stage
    for n, (act_name, username, stage) in enumerate(road, start=2):
        if act_name == "complete_training":  # the class's organiser records the pass on the class page
            pages.login("board")
            response = pages.post(f"/training/{world.training_class.id}/results", data={
                "results_on": TRAINING_RESULT_DAY.isoformat(), "rows-0-result": "passed",
                "rows-0-enrolment_id": str(latest_enrolment(case_id).id)})
            assert response.status_code == 302, text(response)[:2000]
            facts += 1
        documents = {"complete_dossier": ("1-KNĐ", "2-KNĐ", "TTLL", "3-KNĐ:1", "3-KNĐ:2", "5-KNĐ"),
                     "record_recognition_vote": ("CN-ĐVM", "10-KNĐ", "11-KNĐ", "12-KNĐ")}
        if act_name in documents:  # each document on the dossier page
            pages.login("sec_a1")
            for key in documents[act_name]:
                day, details = DOSSIER_DOCUMENTS[key]
                fields = {k: ("y" if v is True else v) for k, v in details.items()}
                response = pages.post(f"/candidates/{case_id}/dossier/{key}", data={
                    "version": str(fresh_case(case_id).version), "received": "y",
                    "received_on": day.isoformat(), **fields})
                assert response.status_code == 302, (key, text(response)[:2000])
                facts += 1
        pages.login(username)
        case_page = pages.get(f"/candidates/{case_id}")
        assert f'data-act="{act_name}"' in case_page.get_data(as_text=True)  # offered as an action
        form = pages.get(act_url(case_id, act_name))
        assert form.status_code == 200
        response = post_act(pages, case_id, act_name, valid_payload(act_name, world))
        assert response.status_code == 302, (act_name, text(response)[:2000])
        assert response.headers["Location"] == f"/candidates/{case_id}"
        assert fresh_case(case_id).stage == stage
        assert log_rows(case_id) == n + facts
        shown = pages.get(f"/candidates/{case_id}")
        assert "Recorded" in text(shown)  # the flash message

    everything = db.session.execute(select(LogEntry).where(LogEntry.case_id == case_id)
                                    .order_by(LogEntry.seq)).scalars().all()
    assert replay_stage(everything) == "official" and verify_chain(everything) is None
    keeping_the_stage = {act.name for act in definition.ACTS if not act.moves}
    assert [e.act for e in everything if e.act in keeping_the_stage] == [
        "record_training_result"] + ["record_document"] * 10
    events = [e for e in everything if e.act not in keeping_the_stage]
    assert [e.act for e in events] == ["spot"] + [act_name for act_name, _, _ in road]
    assert events[1].data["class_id"] == world.training_class.id
    assert events[6].data["issuing_unit_id"] == world.town.id
    introducer = next(e for e in everything if e.act == "record_document" and e.data["item"] == "3-KNĐ:1")
    assert {k: introducer.data[k] for k in ("introducer_name", "known_since", "official")} == {
        "introducer_name": "Nguyễn Văn Một", "known_since": "2019-01-01", "official": True}
    assert "confirmed" not in events[7].data
    page = pages.get(f"/candidates/{case_id}")
    assert "Official member" in section(page, "current-stage")
    assert section(page, "timeline").count("Recorded") == len(road) + 1 + facts


# --- every act form: good input, bad input -------------------------------------------------

@pytest.mark.parametrize("act_name", sorted(ACTS))
def test_each_act_form_records_one_row_with_its_text_in_nfc(pages, world, make_case, act_name):
    case_id = prepare(make_case, world, act_name)
    before = log_rows(case_id)
    pages.login(ACTS[act_name][1])
    form = pages.get(act_url(case_id, act_name))
    assert form.status_code == 200
    table_act = definition.ACT_BY_NAME[act_name]
    assert str(table_act.label) in text(form)
    assert ("I confirm" in text(form)) == table_act.confirm
    # Text typed in decomposed form (NFD, as some keyboards send it) is stored composed (NFC).
    typed = unicodedata.normalize("NFD", "Hội trường thôn Hà Tây 2")
    if ACTS[act_name][2] is None:  # nothing typed: the class's name goes into the log
        typed = unicodedata.normalize("NFD", world.training_class.name)
    payload = dict(valid_payload(act_name, world), **({ACTS[act_name][2]: typed} if ACTS[act_name][2] else {}))
    response = post_act(pages, case_id, act_name, payload)
    assert response.status_code == 302, text(response)[:3000]
    assert log_rows(case_id) == before + 1
    assert fresh_case(case_id).stage in table_act.destinations
    row = db.session.execute(select(LogEntry).where(LogEntry.case_id == case_id)
                             .order_by(LogEntry.seq.desc()).limit(1)).scalar_one()
    stored = json.dumps(row.data, ensure_ascii=False) + row.reason
    assert unicodedata.normalize("NFC", typed) in stored and typed not in stored


def _bad_inputs():
    """(trigger, name, change to the good payload, the field whose error is expected, error text)."""
    cases = []
    for act_name, (_stage, _user, text_field) in sorted(ACTS.items()):
        cases += [
            (act_name, "nothing", None, "effective_date", "This field is required."),
            (act_name, "future date", {"effective_date": TOMORROW}, "effective_date", "in the future"),
            (act_name, "letters for a date", {"effective_date": "hôm qua"}, "effective_date", "Not a valid date"),
        ]
        if text_field:
            cases += [
                (act_name, "10,000 characters", {text_field: "Ă" * 10000}, text_field,
                 "between 5 and 1000 characters" if text_field == "reason" else "cannot be longer than"),
                (act_name, "control characters", {text_field: "Số\x00 một\u202e"}, text_field, "control characters"),
            ]
        if definition.ACT_BY_NAME[act_name].confirm:
            cases.append((act_name, "not confirmed", {"confirmed": ""}, "confirmed", "Tick the box"))
        if text_field == "reason":
            cases.append((act_name, "blank reason", {"reason": "   "}, "reason", "This field is required."))
            cases.append((act_name, "short reason", {"reason": "ừ"}, "reason", "between 5 and 1000"))
    total = {"record_branch_vote": "members_total", "record_recognition_vote": "members_total",
             "record_committee_review": "committee_size", "record_recognition_review": "committee_size"}
    for act_name in VOTE_ACTS:
        cases += [
            (act_name, "letters in a number", {total[act_name]: "ba mươi"}, total[act_name], "Not a valid integer"),
            (act_name, "negative votes", {"votes_against": "-1"}, "votes_against", "between 0 and"),
            (act_name, "absurd total", {total[act_name]: "100000000000000000000"}, total[act_name], "between 0 and"),
            (act_name, "more votes than voters", {"votes_for": "40"}, "votes_for", "votes cast but only"),
            (act_name, "no members", {total[act_name]: "0", "votes_for": "0", "votes_against": "0",
                                     "members_present": "0"}, total[act_name], "at least one member"),
        ]
        if total[act_name] == "members_total":
            cases.append((act_name, "more present than members", {"members_present": "31"}, "members_present",
                          "More present (31) than members in total (30)"))
    cases += [
        ("enrol_training", "a class that does not exist", {"class_id": "999999"}, "class_id", "Not a valid choice"),
        ("enrol_training", "no class", {"class_id": ""}, "class_id", "Choose a class."),
        ("record_decision", "a unit that does not decide", "commune_a", "issuing_unit_id", "Not a valid choice"),
        ("record_decision", "received before issued", {"received_on": "2022-01-10"}, "received_on",
         "before it was issued"),
        ("record_decision", "received in the future", {"received_on": TOMORROW}, "received_on", "in the future"),
    ]
    return cases


BAD_INPUTS = _bad_inputs()


@pytest.mark.parametrize("act_name", sorted(ACTS))
def test_bad_input_is_refused_beside_the_field_and_writes_nothing(pages, world, make_case, act_name):
    """Every bad input of this act's form, sent in turn on the same case: each is refused with
    the error beside its field, and the case and its log stay as they were."""
    case_id = prepare(make_case, world, act_name)
    before_rows, before = log_rows(), fresh_case(case_id)
    stage, version = before.stage, before.version
    pages.login(ACTS[act_name][1])
    bad = [b for b in BAD_INPUTS if b[0] == act_name]
    assert len(bad) >= 4
    for _trigger, name, change, field, error in bad:
        if change is None:
            payload = {}
        elif change == "commune_a":
            payload = dict(valid_payload(act_name, world), issuing_unit_id=str(world.commune_a.id))
        else:
            payload = dict(valid_payload(act_name, world), **with_tomorrow(change))
        response = post_act(pages, case_id, act_name, payload, version=version)
        assert response.status_code == 422, name
        assert error in field_errors(response, field), (name, field, field_errors(response, field))
        assert "Nothing was recorded" in text(response), name
        assert log_rows() == before_rows, name
        after = fresh_case(case_id)
        assert (after.stage, after.version) == (stage, version), name


# --- scope and roles -----------------------------------------------------------------------

@pytest.mark.parametrize("username", ["sec_a2", "sec_b1", "com_b"])
def test_acting_outside_scope_is_a_404_and_writes_nothing(pages, world, make_case, username):
    case_id = make_case(branch=world.branch_a1, full_name="Phùng Tấn Thắng").id
    before = log_rows()
    pages.login(username)
    for act_name in ("enrol_training", "withdraw", "not_an_act"):
        assert pages.get(act_url(case_id, act_name)).status_code == 404, act_name
        payload = valid_payload(act_name, world) if act_name != "not_an_act" else {"effective_date": "2021-09-01"}
        response = post_act(pages, case_id, act_name, payload)
        assert response.status_code == 404, act_name
        assert "Phùng Tấn Thắng" not in text(response)
    assert log_rows() == before
    assert fresh_case(case_id).stage == "spotted"


@pytest.mark.parametrize("act_name", sorted(ACTS))
def test_board_and_admin_record_only_the_deciding_and_training_acts(pages, world, make_case, act_name):
    case_id = prepare(make_case, world, act_name)
    before = log_rows()
    for username in ("board", "admin"):
        allowed = username == "board" and "board" in definition.ACT_BY_NAME[act_name].roles
        pages.login(username)
        assert pages.get(act_url(case_id, act_name)).status_code == (200 if allowed else 403), username
        if not allowed:
            response = post_act(pages, case_id, act_name, valid_payload(act_name, world))
            assert response.status_code == 403, username
            assert log_rows() == before


@pytest.mark.parametrize("act_name", ["record_decision", "refuse_admission"])
def test_a_committee_without_the_power_to_decide_cannot_decide(pages, world, make_case, act_name):
    case_id = make_case("decision").id
    before = log_rows()
    pages.login("com_a")
    assert pages.get(act_url(case_id, act_name)).status_code == 403
    assert post_act(pages, case_id, act_name, valid_payload(act_name, world)).status_code == 403
    assert log_rows() == before


def test_a_committee_records_for_its_branches_but_not_the_committee_review_elsewhere(pages, world, make_case):
    case_id = make_case("committee_review", branch=world.branch_a2).id
    pages.login("com_a")
    response = post_act(pages, case_id, "record_committee_review", valid_payload("record_committee_review", world))
    assert response.status_code == 302 and fresh_case(case_id).stage == "decision"
    other = make_case("committee_review", branch=world.branch_b1).id
    before = log_rows()
    assert post_act(pages, other, "record_committee_review",
                    valid_payload("record_committee_review", world)).status_code == 404
    assert log_rows() == before


def test_the_decision_form_offers_only_the_users_deciding_unit(pages, world, make_case):
    case_id = make_case("decision").id
    pages.login("board")
    choices = section(pages.get(act_url(case_id, "record_decision")), "issuing_unit_id")
    assert "Ban Thường vụ Thị ủy Thử" in choices and "xã A" not in choices


# --- stale pages and races -----------------------------------------------------------------

def test_a_stale_version_is_refused_with_the_changed_case_message(pages, world, make_case):
    case_id = make_case().id
    pages.login("sec_a1")
    old_version = fresh_case(case_id).version
    # Someone changed the case meanwhile without moving it (e.g. corrected particulars).
    db.session.execute(sql("UPDATE candidate SET version = version + 1 WHERE id = :id"), {"id": case_id})
    db.session.commit()
    before = log_rows(case_id)
    response = post_act(pages, case_id, "enrol_training", valid_payload("enrol_training", world),
                        version=old_version)
    assert response.status_code == 302 and response.headers["Location"] == f"/candidates/{case_id}"
    assert "This case has changed in the meantime" in text(pages.get(f"/candidates/{case_id}"))
    assert log_rows(case_id) == before and fresh_case(case_id).stage == "spotted"


def test_two_secretaries_submitting_the_same_act_record_it_once(pages, world, make_case, app):
    case_id = make_case().id
    pages.login("sec_a1")
    version = fresh_case(case_id).version
    first = post_act(pages, case_id, "enrol_training", valid_payload("enrol_training", world), version=version)
    assert first.status_code == 302
    second = post_act(pages, case_id, "withdraw", valid_payload("withdraw", world), version=version)
    assert second.status_code == 302
    assert "This case has changed in the meantime" in text(pages.get(f"/candidates/{case_id}"))
    again = post_act(pages, case_id, "enrol_training", valid_payload("enrol_training", world), version=version)
    assert again.status_code == 302
    assert [e.act for e in load_log(case_id)] == ["spot", "enrol_training"]


def test_an_act_not_possible_from_the_current_stage_sends_back_to_the_case(pages, world, make_case):
    case_id = make_case("training").id
    pages.login("sec_a1")
    response = pages.get(act_url(case_id, "enrol_training"))
    assert response.status_code == 302 and response.headers["Location"] == f"/candidates/{case_id}"
    assert "This case has changed in the meantime" in text(pages.get(f"/candidates/{case_id}"))
    assert pages.get(act_url(case_id, "no_such_act")).status_code == 404


def test_a_missing_or_garbled_version_is_a_bad_request(pages, world, make_case):
    case_id = make_case().id
    pages.login("sec_a1")
    for version in ("", "abc"):
        response = post_act(pages, case_id, "enrol_training", valid_payload("enrol_training", world),
                            version=version)
        assert response.status_code == 400
    assert log_rows(case_id) == 1


# --- what the rules refuse, and votes that fail -------------------------------------------

def test_an_act_the_rules_refuse_shows_the_reasons_and_writes_nothing(pages, world, make_case):
    born = clock.today() - relativedelta(years=17, months=11, days=3)
    case_id = make_case("branch_vote", date_of_birth=born).id
    before = log_rows(case_id)
    pages.login("sec_a1")
    form = pages.get(act_url(case_id, "record_branch_vote"))
    assert "only 17 years 11 months old today" in section(form, "preview")
    response = post_act(pages, case_id, "record_branch_vote",
                        dict(valid_payload("record_branch_vote", world), effective_date=clock.today().isoformat()))
    assert response.status_code == 422
    refused = section(response, "refused")
    assert "Nothing was recorded" in refused
    assert "only 17 years 11 months old on the branch meeting date (needs 18 full years)" in refused
    # What was typed is still there.
    assert 'name="members_total" required type="number" value="30"' in response.get_data(as_text=True)
    assert log_rows(case_id) == before and fresh_case(case_id).stage == "branch_vote"


def test_a_failed_branch_vote_is_recorded_and_explained(pages, world, make_case):
    case_id = make_case("branch_vote").id
    pages.login("sec_a1")
    response = post_act(pages, case_id, "record_branch_vote",
                        dict(valid_payload("record_branch_vote", world), votes_for="19", votes_against="8",
                             failure_confirmed="y"))
    assert response.status_code == 302
    page = text(pages.get(f"/candidates/{case_id}"))
    assert "The vote did not pass (19/30 official members voted for, at least 20 needed)" in page
    case = fresh_case(case_id)
    assert case.stage == "spotted" and case.failed_branch_votes == 1


def test_the_third_failed_recognition_vote_flags_the_case(pages, world, make_case):
    """Three failed votes on recognition go to the higher committee (QĐ 24-QĐ/TW, point 4.2)."""
    case_id = make_case("probation").id
    record_documents(world, case_id, "record_recognition_vote")
    pages.login("sec_a1")
    for n, day in enumerate(["2023-02-12", "2023-03-06", "2023-04-03"]):
        assert post_act(pages, case_id, "record_recognition_vote",
                        dict(valid_payload("record_recognition_vote", world), effective_date=day,
                             votes_for="10", votes_against="17", failure_confirmed="y")).status_code == 302
        if n < 2:
            assert "referred to the higher committee" not in section(pages.get(f"/candidates/{case_id}"),
                                                                      "current-stage")
    page = pages.get(f"/candidates/{case_id}")
    assert "referred to the higher committee" in section(page, "current-stage")
    assert "Referred to the higher committee Yes" in section(page, "timeline")
    assert "referred to the higher committee" in section(pages.get("/candidates/"), "candidates")
