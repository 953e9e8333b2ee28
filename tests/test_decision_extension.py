"""The deciding unit extends its time limit for the admission decision, or for the recognition
decision, once, while the limit runs (Quy định 24-QĐ/TW, point 4.3.1: "trường hợp đặc biệt, có
thể gia hạn tối đa 30 ngày làm việc"): the running deadline ends 30 working days later, on the
case page, in the deadline rows and in a replay of the log alike."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conftest import ACTS_WITHIN, record_documents
from pages_support import fresh_case, log_rows, pages, section, text  # noqa: F401
from pipeline.audit.replayed import case_differences
from pipeline.base.errors import ActBlocked, NotPermitted
from pipeline.extensions import db
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow import operations
from pipeline.workflow.deadlines import running_deadlines
from pipeline.workflow.log import load_log
from pipeline.workflow.models import CaseDeadline
from pipeline.workflow.replay import replay
from pipeline.workflow.state import CaseState
from pipeline.workflow.stuck import deadline_label

REASON = "Cần xác minh thêm lý lịch của người vào Đảng"


def rows(case_id):
    db.session.expire_all()
    return {row.key: row for row in db.session.execute(
        select(CaseDeadline).where(CaseDeadline.case_id == case_id)).scalars()}


def extend(case, world, name="extend_decision", day=date(2022, 1, 20), who="board", reason=REASON):
    return operations.record_act(case.id, name, world[who], day, {"document_number": "12-TB/TU"}, reason=reason)


def reviewed_probation(make_case, world):
    """A probationary member whose branch and committee have voted for recognition."""
    case = make_case("probation")
    for act_name, who, day, data in ACTS_WITHIN["probation"]:
        record_documents(world, case.id, act_name)
        operations.record_act(case.id, act_name, world["sec_a1" if who == "sec" else "com_a"], day, data)
    return fresh_case(case.id)


# --- the admission decision ----------------------------------------------------------------

def test_an_extension_moves_the_decision_deadline_30_working_days_past_holidays(app, make_case, world):
    case = make_case("decision")
    before = rows(case.id)["decision"]
    calendar = WorkingCalendar.load()
    entry = extend(case, world)
    after = rows(case.id)
    assert list(after) == ["decision_extended"]
    extended = after["decision_extended"]
    assert extended.starts_on == before.starts_on == date(2021, 12, 1)
    assert extended.due_on == calendar.add_working_days(before.due_on, 30)
    assert extended.limit_value == 90 and extended.stage == "decision"
    assert "gia hạn" in extended.citation and before.citation in extended.citation
    # Counted in working days: weekends and the Hùng Kings' day off (observed 11/4/2022) are skipped.
    skipped = [before.due_on + timedelta(days=n) for n in range(1, (extended.due_on - before.due_on).days)]
    assert any(calendar.holiday_name(day) for day in skipped if day.weekday() < 5)
    assert (extended.due_on - before.due_on).days > 30 * 7 // 5
    # The entry says what it did; the case stays where it was, awaiting the decision.
    assert entry.to_stage == "decision" and entry.reason == REASON
    assert (entry.data["due_before"], entry.data["due_after"], entry.data["working_days"]) == (
        before.due_on.isoformat(), extended.due_on.isoformat(), 30)


def test_a_second_extension_is_refused(app, make_case, world, english):
    case = make_case("decision")
    extend(case, world)
    due = rows(case.id)["decision_extended"].due_on
    with pytest.raises(ActBlocked, match="already been extended once"):
        extend(fresh_case(case.id), world, day=date(2022, 2, 10))
    assert rows(case.id)["decision_extended"].due_on == due


def test_a_limit_that_has_passed_cannot_be_extended(app, make_case, world, english):
    case = make_case("decision")
    due = rows(case.id)["decision"].due_on
    with pytest.raises(ActBlocked, match="a limit that has passed cannot be extended"):
        extend(case, world, day=due + timedelta(days=1))
    extend(fresh_case(case.id), world, day=due)  # its last day is still in time
    assert list(rows(case.id)) == ["decision_extended"]


@pytest.mark.parametrize("who", ["sec_a1", "com_a"])
def test_only_the_deciding_unit_extends(app, make_case, world, who):
    """A branch secretary, or a commune committee without the power to decide, cannot."""
    case = make_case("decision")
    before = log_rows(case.id)
    with pytest.raises(NotPermitted):
        extend(case, world, who=who)
    assert log_rows(case.id) == before and list(rows(case.id)) == ["decision"]


def test_an_extension_needs_its_reason(app, make_case, world, english):
    case = make_case("decision")
    with pytest.raises(ActBlocked, match="A reason is required"):
        extend(case, world, reason="  ")
    assert list(rows(case.id)) == ["decision"]


def test_a_new_branch_resolution_starts_a_limit_the_old_extension_does_not_reach():
    calendar = WorkingCalendar()
    state = CaseState(stage="decision", branch_resolution_date=date(2022, 5, 4),
                      extensions={"decision": date(2021, 12, 1)})
    [deadline] = running_deadlines(state, date(2022, 5, 10), calendar)
    assert (deadline.key, deadline.due) == ("decision", calendar.add_working_days(date(2022, 5, 4), 60))
    state.extensions = {"decision": date(2022, 5, 4)}
    [deadline] = running_deadlines(state, date(2022, 5, 10), calendar)
    assert (deadline.key, deadline.due, deadline.limit) == (
        "decision_extended", calendar.add_working_days(date(2022, 5, 4), 90), 90)
    # The dashboard and the stuck list name a stored row by its key: the extended one says so.
    assert str(deadline_label("decision_extended", 90)) == str(deadline.label) == (
        "Admission decision, extended: within 90 working days of the branch resolution")


# --- the recognition decision --------------------------------------------------------------

def test_the_recognition_decision_is_extended_once_after_the_committees_review(app, make_case, world, english):
    case = make_case("probation")
    record_documents(world, case.id, "record_recognition_vote")
    name, who, day, data = ACTS_WITHIN["probation"][0]
    operations.record_act(case.id, name, world["sec_a1"], day, data)
    with pytest.raises(ActBlocked, match="grassroots committee has not resolved"):
        extend(fresh_case(case.id), world, "extend_recognition_decision", date(2023, 2, 15))
    name, who, day, data = ACTS_WITHIN["probation"][1]
    operations.record_act(case.id, name, world["com_a"], day, data)
    before = rows(case.id)["recognition_decision"]
    with pytest.raises(NotPermitted):
        extend(fresh_case(case.id), world, "extend_recognition_decision", date(2023, 2, 25), who="sec_a1")
    with pytest.raises(ActBlocked, match="A reason is required"):
        extend(fresh_case(case.id), world, "extend_recognition_decision", date(2023, 2, 25), reason="")
    extend(fresh_case(case.id), world, "extend_recognition_decision", date(2023, 2, 25))
    extended = rows(case.id)["recognition_decision_extended"]
    assert extended.starts_on == before.starts_on == date(2023, 2, 12)
    assert extended.due_on == WorkingCalendar.load().add_working_days(before.due_on, 30)
    assert extended.limit_value == 60 and not extended.confirmed  # no figure of its own in the texts
    with pytest.raises(ActBlocked, match="already been extended once"):
        extend(fresh_case(case.id), world, "extend_recognition_decision", date(2023, 3, 1))
    # The member is then recognised as before.
    operations.record_act(case.id, "recognise_official", world["board"], date(2023, 3, 1),
                          {"decision_number": "456-QĐ/TU"})
    assert fresh_case(case.id).stage == "official" and rows(case.id) == {}


# --- the log, the projection, the pages ------------------------------------------------------

def test_the_replayed_deadlines_are_the_stored_ones(app, make_case, world):
    decided = make_case("decision")
    extend(decided, world)
    recognised = reviewed_probation(make_case, world)
    extend(recognised, world, "extend_recognition_decision", date(2023, 2, 25))
    for case in (decided, recognised):
        shown = replay(load_log(case.id), WorkingCalendar.load(), fresh_case(case.id)).deadlines
        assert {d.key: d.due for d in shown} == {k: r.due_on for k, r in rows(case.id).items()}
    compared, differences = case_differences()
    assert compared >= 2 and differences == []


def test_the_deciding_unit_extends_on_the_case_page_and_the_deadline_shown_moves(pages, make_case, world):
    case = make_case("decision")
    due = rows(case.id)["decision"].due_on
    pages.login("sec_a1")
    assert 'data-act="extend_decision"' not in pages.get(f"/candidates/{case.id}").get_data(as_text=True)
    assert pages.get(f"/candidates/{case.id}/act/extend_decision").status_code == 403
    pages.login("board")
    page = pages.get(f"/candidates/{case.id}")
    assert 'data-act="extend_decision"' in page.get_data(as_text=True)
    assert due.strftime("%d/%m/%Y") in section(page, "deadlines")
    before = log_rows(case.id)
    empty = pages.post(f"/candidates/{case.id}/act/extend_decision", data={
        "version": str(fresh_case(case.id).version), "effective_date": "2022-01-20", "reason": ""})
    assert empty.status_code == 422 and log_rows(case.id) == before
    response = pages.post(f"/candidates/{case.id}/act/extend_decision", data={
        "version": str(fresh_case(case.id).version), "effective_date": "2022-01-20", "reason": REASON,
        "document_number": "12-TB/TU"})
    assert response.status_code == 302, text(response)[:2000]
    page = pages.get(f"/candidates/{case.id}")
    new_due = WorkingCalendar.load().add_working_days(due, 30)
    deadlines = section(page, "deadlines")
    assert "extended: within 90 working days" in deadlines and new_due.strftime("%d/%m/%Y") in deadlines
    timeline = section(page, "timeline")
    assert "Extend the time limit for the admission decision" in timeline and REASON in timeline
    assert "Last day after the extension" in timeline and "12-TB/TU" in timeline
    # Once extended, the case page says why it cannot be extended again.
    assert "already been extended once" in section(page, "actions")
