"""The running deadlines kept as rows (pipeline.workflow.projection): written with every act in
the same transaction, moved when the working-day calendar changes, rebuilt from the log by the
command line, and never ahead of or behind what the case page shows."""
from datetime import date

import pytest
from sqlalchemy import select

from pipeline.workflow.log import load_log
from pipeline.base import errors
from pipeline.extensions import db
from pipeline.workdays import operations as calendar_operations
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow import operations
from pipeline.workflow.models import CaseDeadline
from pipeline.workflow.operations import rebuild_open_cases
from pipeline.workflow.replay import replay


def rows(case_id):
    return {row.key: row for row in db.session.execute(
    select(CaseDeadline).where(CaseDeadline.case_id == case_id)).scalars()}


def test_an_act_writes_the_deadlines_the_case_page_shows(app, make_case, world):
    case = make_case("decision")
    stored = rows(case.id)
    shown = replay(load_log(case.id), WorkingCalendar.load(), case).deadlines
    assert list(stored) == ["decision"] == [d.key for d in shown]
    assert (stored["decision"].starts_on, stored["decision"].due_on) == (shown[0].start, shown[0].due)
    assert stored["decision"].limit_value == 60 and stored["decision"].stage == "decision"


def test_the_next_act_replaces_the_rows(app, make_case, world):
    case = make_case("ceremony")
    assert list(rows(case.id)) == ["ceremony"]
    operations.record_act(case.id, "hold_ceremony", world["sec_a1"], date(2022, 2, 10), {"place": "Hội trường"})
    probation = rows(case.id)
    assert list(probation) == ["recognition_review"]
    assert probation["recognition_review"].starts_on == date(2023, 2, 10)


def test_a_refused_act_leaves_the_rows_as_they_were(app, make_case, world):
    case = make_case("ceremony")
    before = {k: (r.starts_on, r.due_on) for k, r in rows(case.id).items()}
    try:  # a date in the future is refused: nothing is written
        operations.record_act(case.id, "hold_ceremony", world["sec_a1"], date(2099, 1, 1), {"place": "x"})
    except errors.ActError:
        pass
    db.session.expire_all()
    assert {k: (r.starts_on, r.due_on) for k, r in rows(case.id).items()} == before


def test_a_day_off_added_to_the_calendar_moves_working_day_deadlines(app, make_case, world):
    case = make_case("ceremony")
    due = rows(case.id)["ceremony"].due_on
    start = rows(case.id)["ceremony"].starts_on
    # A working day between the start and the due date becomes a day off: one day later.
    day_off = WorkingCalendar().add_working_days(start, 3)
    calendar_operations.add_calendar_override(world["admin"], day_off, False, "Nghỉ bù")
    db.session.commit()
    moved = rows(case.id)["ceremony"].due_on
    assert moved > due and WorkingCalendar.load().working_days_between(due, moved) == 1


def test_the_command_line_rebuilds_lost_rows_from_the_log(app, make_case, runner):
    case = make_case("committee_review")
    expected = {k: r.due_on for k, r in rows(case.id).items()}
    db.session.execute(CaseDeadline.__table__.delete())
    db.session.commit()
    assert rows(case.id) == {}
    result = runner.invoke(args=["deadlines", "refresh"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    assert {k: r.due_on for k, r in rows(case.id).items()} == expected


@pytest.mark.real_database
def test_init_db_fills_the_rows_of_a_database_from_before_the_table(app, make_case, runner):
    case = make_case("ceremony")
    db.session.execute(CaseDeadline.__table__.delete())
    db.session.commit()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert list(rows(case.id)) == ["ceremony"]


def test_cases_out_of_the_pipeline_have_no_rows(app, make_case, world):
    case = make_case("ceremony")
    operations.record_act(case.id, "withdraw", world["sec_a1"], date(2022, 2, 1), {},
                           reason="Chuyển công tác")
    assert rows(case.id) == {}
    assert rebuild_open_cases() == 0


def test_an_act_counts_its_deadline_with_the_days_off_already_in_the_calendar(app, make_case, world):
    """The act reads the calendar only when it counts a deadline: then with its overrides."""
    from conftest import FORWARD_ACTS, actor_for, record_documents, with_ids
    case = make_case("decision")
    act_name, who, day, data = FORWARD_ACTS["decision"]
    day_off = WorkingCalendar().add_working_days(day, 15)  # a working day in the ceremony's window
    calendar_operations.add_calendar_override(world["admin"], day_off, False, "Nghỉ bù")
    db.session.commit()
    record_documents(world, case.id, act_name)
    operations.record_act(case.id, act_name, actor_for(world, who, case.branch), day,
                          with_ids(world, act_name, data))
    row = rows(case.id)["ceremony"]
    calendar = WorkingCalendar.load()
    assert row.due_on == calendar.add_working_days(row.starts_on, row.limit_value)
    assert row.due_on != WorkingCalendar().add_working_days(row.starts_on, row.limit_value)
