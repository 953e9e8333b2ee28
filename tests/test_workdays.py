"""The working-day calendar (DOMAIN.md §3: Saturdays, Sundays and Vietnam's public holidays, Tết
included, are not working days) and the administrator's page for the swapped days."""
from datetime import date

from pipeline.base import clock
import pytest
from sqlalchemy import func, select

from pages_support import field_errors, pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.extensions import db
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workdays.models import CalendarOverride

CALENDAR = WorkingCalendar()


@pytest.mark.parametrize("day, working", [
    (date(2023, 1, 9), True),  # an ordinary Monday
    (date(2023, 1, 7), False),  # Saturday
    (date(2023, 1, 8), False),  # Sunday
    (date(2023, 1, 2), False),  # New Year's Day fell on a Sunday: observed on Monday
    (date(2023, 1, 20), False),  # Tết 2023: 29 Tết, Friday 20 January ...
    (date(2023, 1, 26), False),  # ... to the fifth day, Thursday 26 January
    (date(2023, 1, 27), True),  # back to work on Friday 27 January
    (date(2023, 4, 29), False),  # Hùng Kings' day on a Saturday ...
    (date(2023, 5, 2), False),  # ... observed on Tuesday 2 May
    (date(2023, 5, 3), False),  # 30 April on a Sunday, observed on Wednesday 3 May
    (date(2023, 5, 4), True),
    (date(2023, 9, 1), False), (date(2023, 9, 4), False),  # National Day: two days and one observed
    (date(2024, 5, 4), True),  # a Saturday the government made a working day (swapped for 29/4/2024) ...
    (date(2024, 4, 29), False),  # ... and the Monday given off for it
])
def test_which_days_are_working_days(day, working):
    assert CALENDAR.is_working_day(day) is working


def test_holidays_are_named_in_vietnamese_and_english():
    assert WorkingCalendar(language="vi").holiday_name(date(2023, 1, 22)) == "Tết Nguyên Đán"
    assert WorkingCalendar(language="en_US").holiday_name(date(2023, 1, 22)) == "Lunar New Year"
    assert CALENDAR.holiday_name(date(2023, 1, 9)) is None


@pytest.mark.parametrize("start, n, due", [
    # Across Tết 2023 (20-26 January off). After Tuesday 10 January: 11, 12, 13, 16, 17, 18, 19
    # January (7); 20-26 off; 27, 30, 31 January (10); 1-3 February (13); 6-10 (18); 13-17 (23);
    # 20-24 (28); Monday 27 (29), Tuesday 28 February (30).
    (date(2023, 1, 10), 30, date(2023, 2, 28)),
    # Across 30/4-1/5 2023 (29/4 Saturday to 3/5 Wednesday off). After Thursday 20 April: 21, 24,
    # 25, 26, 27, 28 April (6); 29/4-3/5 off; 4, 5 May (8); 8-12 (13); 15-19 (18); 22-26 (23);
    # 29 May-2 June (28); Monday 5 June (29), Tuesday 6 June (30).
    (date(2023, 4, 20), 30, date(2023, 6, 6)),
    # 60 working days across New Year and Tết 2022 (3 January observed; 31 January-4 February off).
    # After Wednesday 1 December 2021: 2, 3 (2); 6-10 (7); 13-17 (12); 20-24 (17); 27-31 (22);
    # 3 January off; 4-7 (26); 10-14 (31); 17-21 (36); 24-28 (41); Tết; 7-11 February (46);
    # 14-18 (51); 21-25 (56); 28 February, 1, 2 March (59); Thursday 3 March 2022 (60).
    (date(2021, 12, 1), 60, date(2022, 3, 3)),
    # Starting on a day off counts from the next working day: after Sunday 22 January 2023 the
    # first working day is Friday 27 January.
    (date(2023, 1, 22), 1, date(2023, 1, 27)),
    (date(2023, 1, 13), 1, date(2023, 1, 16)),  # Friday -> Monday
    (date(2023, 1, 13), 0, date(2023, 1, 13)),
    (date(2023, 1, 27), -1, date(2023, 1, 19)),  # backwards across Tết
])
def test_add_working_days(start, n, due):
    assert CALENDAR.add_working_days(start, n) == due
    assert CALENDAR.working_days_between(start, due) == n


@pytest.mark.parametrize("a, b, count", [
    (date(2023, 1, 10), date(2023, 1, 10), 0),
    (date(2023, 1, 13), date(2023, 1, 15), 0),  # Friday to Sunday: nothing after Friday counts
    (date(2023, 1, 13), date(2023, 1, 16), 1),
    (date(2023, 1, 19), date(2023, 1, 27), 1),  # all of Tết in between
    (date(2023, 1, 27), date(2023, 1, 19), -1),
    (date(2023, 2, 28), date(2023, 3, 4), 3),  # Saturday 4 March: Wednesday to Friday
    (date(2023, 3, 4), date(2023, 2, 28), -3),
])
def test_working_days_between(a, b, count):
    assert CALENDAR.working_days_between(a, b) == count


@pytest.mark.parametrize("overrides, due", [
    ({}, date(2023, 2, 28)),
    ({date(2023, 2, 4): True}, date(2023, 2, 27)),  # a Saturday made a working day: one day sooner
    ({date(2023, 2, 15): False}, date(2023, 3, 1)),  # an extra day off: one day later
    ({date(2023, 1, 20): True}, date(2023, 2, 27)),  # a holiday made a working day
    ({date(2023, 3, 10): False}, date(2023, 2, 28)),  # after the due date: no change
])
def test_overrides_shift_the_due_date(overrides, due):
    assert WorkingCalendar(overrides).add_working_days(date(2023, 1, 10), 30) == due


def test_the_calendar_reads_every_override_in_one_query(app, count_statements):
    db.session.add_all([CalendarOverride(day=date(2023, 2, 4), is_working_day=True, note="bù"),
                        CalendarOverride(day=date(2023, 2, 15), is_working_day=False, note="nghỉ thêm")])
    db.session.commit()
    with count_statements() as counter:
        calendar = WorkingCalendar.load()
        due = calendar.add_working_days(date(2023, 1, 10), 30)
        calendar.working_days_between(date(2023, 1, 1), date(2023, 12, 31))
    assert counter.count == 1
    assert due == date(2023, 2, 28)  # one day sooner, one day later


# --- the administrator's page ----------------------------------------------------------------

URL = "/admin/calendar"


def override_count():
    return db.session.scalar(select(func.count()).select_from(CalendarOverride))


def add(pages, day, kind="working", note="Thông báo hoán đổi ngày làm việc"):
    return pages.post(URL, data={"day": day, "kind": kind, "note": note})


def test_logged_out_visitors_are_sent_to_log_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("username", ["sec_a1", "com_a", "board"])
def test_other_roles_do_not_see_the_page(pages, world, username):
    db.session.add(CalendarOverride(day=date(2023, 2, 4), is_working_day=True, note=""))
    db.session.commit()
    override_id = db.session.scalar(select(CalendarOverride.id))
    pages.login(username)
    assert "Working-day calendar" not in text(pages.get("/candidates/"))
    for response in [pages.get(URL), pages.get(URL + "?year=2023"), add(pages, "2023-02-11"),
                     pages.get(f"{URL}/{override_id}/delete"), pages.post(f"{URL}/{override_id}/delete")]:
        assert response.status_code == 404
    assert override_count() == 1


def test_admin_adds_a_swapped_working_day_and_deletes_it(pages, world):
    pages.login("admin")
    assert "Working-day calendar" in section(pages.get("/candidates/"), "main-nav")
    response = add(pages, "2023-02-04")
    assert response.status_code == 302 and response.headers["Location"].endswith(URL + "?year=2023")
    row = db.session.execute(select(CalendarOverride)).scalar_one()
    assert (row.day, row.is_working_day, row.note, row.created_by_id) == (
        date(2023, 2, 4), True, "Thông báo hoán đổi ngày làm việc", world["admin"].id)
    assert WorkingCalendar.load().add_working_days(date(2023, 1, 10), 30) == date(2023, 2, 27)

    page = pages.get(URL + "?year=2023")
    overrides = section(page, "overrides")
    assert "04/02/2023" in overrides and "working day" in overrides and "ADMIN" in overrides
    holidays = section(page, "holidays")
    assert "23/01/2023" in holidays and "Mùng hai Tết Nguyên Đán" in holidays  # official names

    confirm = pages.get(f"{URL}/{row.id}/delete")
    assert confirm.status_code == 200
    assert "04/02/2023 will no longer be a working day" in text(confirm)
    assert override_count() == 1  # asking is not deleting
    deleted = pages.post(f"{URL}/{row.id}/delete")
    assert deleted.status_code == 302
    assert override_count() == 0
    assert pages.get(f"{URL}/{row.id}/delete").status_code == 404


def test_admin_adds_an_extra_day_off(pages, world):
    pages.login("admin")
    assert add(pages, "2023-02-15", kind="off", note="").status_code == 302
    assert WorkingCalendar.load().is_working_day(date(2023, 2, 15)) is False
    assert "No days recorded for 2024." in text(pages.get(URL + "?year=2024"))


def test_a_second_entry_for_the_same_day_is_refused(pages, world):
    pages.login("admin")
    assert add(pages, "2023-02-04").status_code == 302
    response = add(pages, "2023-02-04", note="lần hai")
    assert response.status_code == 422
    assert "04/02/2023 already has an entry: delete it first to change it." in field_errors(response, "day")
    assert override_count() == 1
    assert db.session.scalar(select(CalendarOverride.note)) == "Thông báo hoán đổi ngày làm việc"


@pytest.mark.parametrize("day, kind, field, message", [
    ("2023-02-30", "working", "day", "Not a valid date value."),
    ("04/02/2023x", "working", "day", "Not a valid date value."),
    ("", "working", "day", "This field is required."),
    ("1899-12-31", "off", "day", "Choose a day between 2000 and 2100."),
    ("2023-02-07", "working", "kind", "07/02/2023 is already a working day."),  # an ordinary Tuesday
    ("2023-01-23", "off", "kind", "23/01/2023 is already a day off."),  # Tết
    ("2023-02-04", "", "kind", "This field is required."),
    ("2023-02-04", "sometimes", "kind", "Not a valid choice."),
])
def test_bad_entries_are_refused_beside_the_field(pages, world, day, kind, field, message):
    pages.login("admin")
    response = add(pages, day, kind=kind)
    assert response.status_code == 422
    assert message in field_errors(response, field)
    assert override_count() == 0


def test_a_note_with_control_characters_is_refused(pages, world):
    pages.login("admin")
    response = add(pages, "2023-02-04", note="bù\x00")
    assert response.status_code == 422 and field_errors(response, "note")
    assert override_count() == 0


def test_year_parameter_out_of_range_shows_this_year(pages, world):
    pages.login("admin")
    for query in ("?year=abc", "?year=99999", ""):
        response = pages.get(URL + query)
        assert response.status_code == 200
        assert f"Working-day calendar {clock.today().year}" in text(response)
