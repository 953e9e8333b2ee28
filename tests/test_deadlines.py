"""The deadlines of DOMAIN.md §3, counted in working days (or months) from the rulebook in force
on the day each one starts, and shown on the case page."""
from datetime import date, timedelta
from types import SimpleNamespace

from pipeline.base import clock
import pytest

from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.workflow.checklist import ChecklistLine, checklist_for, stale_reasons
from pipeline.extensions import db
from pipeline.rules.rulebook import RuleValue, rulebook_on
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workdays.models import CalendarOverride
from pipeline.workflow import deadlines as deadlines_module
from pipeline.workflow.deadlines import oldest_stale_document, running_deadlines, twelve_month_mark
from pipeline.workflow.guards import ActContext, training_certificate_valid
from pipeline.workflow.state import CaseState, DocumentState

CALENDAR = WorkingCalendar()
RULE_OF = {rule.key: rule.rule for rule in deadlines_module.DEADLINE_RULES}
TODAY = date(2023, 1, 10)


def facts(**values):
    """A case's state with only the dates the deadlines count from (its stage set by `keys`)."""
    return CaseState(**values)


def line(key, received_on, required=True):
    return ChecklistLine(key=key, code=key.split(":")[0], name=key, phase="admission", required=required,
                         received=received_on is not None, received_on=received_on)


# The dossier so far: the oldest document subject to staleness is the first introducer's letter.
CHECKLIST = [line("CN-NTVĐ", date(2021, 9, 15)),  # not subject to staleness (it has its own validity)
             line("1-KNĐ", date(2021, 9, 1)),  # not subject to staleness
             line("2-KNĐ", date(2021, 10, 5)), line("3-KNĐ:1", date(2021, 9, 20)), line("3-KNĐ:2", date(2021, 11, 1)),
             line("4A-KNĐ", date(2021, 8, 1), required=False),  # offered, not needed: does not count
             line("5-KNĐ", None)]


def in_stage(stage, state):
    state.stage = stage
    return state


def keys(stage, case_facts, today=TODAY, checklist=CHECKLIST):
    return [d.key for d in running_deadlines(in_stage(stage, case_facts), today, CALENDAR, checklist)]


EVERYTHING = dict(certificate_date=date(2021, 9, 15), dossier_opened_on=date(2021, 9, 15),
                  branch_resolution_date=date(2021, 12, 1), decision_received_on=date(2022, 1, 25),
                  ceremony_date=date(2022, 2, 10))


@pytest.mark.parametrize("stage, expected", [
    ("spotted", []),
    ("training", []),
    ("dossier", ["certificate", "dossier"]),
    ("branch_vote", ["certificate", "dossier"]),
    ("committee_review", ["decision"]),
    ("decision", ["decision"]),
    ("ceremony", ["ceremony"]),
    ("probation", ["recognition_review"]),
    ("official", []),
    ("rejected", []), ("withdrawn", []), ("removed", []), ("expired", []), ("struck_off", []),
])
def test_only_the_current_stages_deadlines_run(stage, expected):
    assert keys(stage, facts(**EVERYTHING)) == expected


def test_a_deadline_without_its_starting_act_does_not_run():
    assert keys("ceremony", facts()) == []
    assert keys("probation", facts()) == []
    assert keys("dossier", facts()) == ["dossier"]
    assert keys("dossier", facts(certificate_date=date(2021, 9, 15)), checklist=None) == ["certificate"]
    # Nothing received that can go stale: no staleness deadline yet.
    assert keys("dossier", facts(), checklist=[line("1-KNĐ", date(2021, 9, 1)), line("2-KNĐ", None)]) == []


def test_the_oldest_document_subject_to_staleness_starts_the_dossier_deadline():
    assert oldest_stale_document(CHECKLIST, TODAY) == date(2021, 9, 20)
    assert oldest_stale_document([], TODAY) is None and oldest_stale_document(None, TODAY) is None


@pytest.mark.parametrize("vote_passed, expected", [
    (None, ["recognition_review"]),  # the branch has not voted yet
    (True, ["recognition_decision"]),  # it voted for: the decision is awaited
    (False, []),  # it voted against: striking off is the branch's act, not a deadline
])
def test_recognition_deadlines_follow_the_branch_vote(vote_passed, expected):
    case_facts = facts(ceremony_date=date(2022, 2, 10))
    if vote_passed is not None:
        case_facts.recognition_vote_date = date(2023, 2, 20)
        case_facts.recognition_vote_passed = vote_passed
    assert keys("probation", case_facts) == expected


def one(stage, case_facts, today=TODAY, calendar=CALENDAR, checklist=None):
    [deadline] = running_deadlines(in_stage(stage, case_facts), today, calendar, checklist)
    return deadline


@pytest.mark.parametrize("stage, case_facts, key, due", [
    # 60 working days after the branch resolution of Wednesday 1 December 2021, across New Year
    # (3 January 2022 observed) and Tết 2022 (31 January-4 February): see test_workdays.
    ("decision", facts(branch_resolution_date=date(2021, 12, 1)), "decision", date(2022, 3, 3)),
    # 30 working days after receiving the decision on Tuesday 10 January 2023, across Tết 2023.
    ("ceremony", facts(decision_received_on=date(2023, 1, 10)), "ceremony", date(2023, 2, 28)),
    # 30 working days after receiving it on Thursday 20 April 2023, across 29/4-3/5 2023.
    ("ceremony", facts(decision_received_on=date(2023, 4, 20)), "ceremony", date(2023, 6, 6)),
    # Ceremony on Thursday 10 February 2022: 12 months end on Friday 10 February 2023; 30 working
    # days after: 13-17 February (5), 20-24 (10), 27 February-3 March (15), 6-10 (20), 13-17 (25),
    # 20-24 March (30).
    ("probation", facts(ceremony_date=date(2022, 2, 10)), "recognition_review", date(2023, 3, 24)),
    # Ceremony on 29 February 2024: 12 months end on 28 February 2025 (a Friday); 30 working days
    # after: 3-7 March (5), 10-14 (10), 17-21 (15), 24-28 (20), 31 March-4 April (25), 7 April is
    # Hùng Kings' day, 8-11 April (29), Monday 14 April 2025 (30).
    ("probation", facts(ceremony_date=date(2024, 2, 29)), "recognition_review", date(2025, 4, 14)),
    # The branch voted for recognition on Monday 20 February 2023; 30 working days after:
    # 21-24 February (4), 27 February-3 March (9), 6-10 (14), 13-17 (19), 20-24 (24),
    # 27-31 March (29), Monday 3 April 2023 (30).
    ("probation", facts(ceremony_date=date(2022, 2, 10), recognition_vote_date=date(2023, 2, 20),
                        recognition_vote_passed=True), "recognition_decision", date(2023, 4, 3)),
    # Certificate of 15 September 2021, valid 60 months: the guard refuses from 15 September 2026,
    # so 14 September 2026 is the last day for the branch vote.
    ("dossier", facts(certificate_date=date(2021, 9, 15)), "certificate", date(2026, 9, 14)),
    # A certificate of 29 February 2024 expires on 28 February 2029 (no 29th that year).
    ("dossier", facts(certificate_date=date(2024, 2, 29)), "certificate", date(2029, 2, 27)),
    # The oldest introducer's letter is of 20 September 2021: it is stale only after 20 September
    # 2022, the last day in time for the branch vote.
    ("branch_vote", facts(), "dossier", date(2022, 9, 20)),
])
def test_due_dates(stage, case_facts, key, due):
    deadline = one(stage, case_facts, checklist=CHECKLIST if key == "dossier" else None)
    assert (deadline.key, deadline.due) == (key, due)
    assert deadline.citation == rulebook_on(deadline.start).citation(RULE_OF[key])


def test_the_twelve_month_mark_of_29_february():
    """The probation of a ceremony on 29 February 2024 ends on 28 February 2025: the code adds
    12 calendar months with dateutil's relativedelta, which falls back to the last day of a
    shorter month (never 1 March), the same way guards.probation_end counts it."""
    assert twelve_month_mark(date(2024, 2, 29)) == date(2025, 2, 28)
    assert twelve_month_mark(date(2023, 2, 28)) == date(2024, 2, 28)
    assert twelve_month_mark(date(2022, 2, 10)) == date(2023, 2, 10)


@pytest.mark.parametrize("today, remaining, overdue", [
    (date(2023, 1, 10), 30, False),
    (date(2023, 1, 20), 23, False),  # 7 working days gone (11-19 January); Tết does not count
    (date(2023, 1, 26), 23, False),  # still Tết: nothing more gone
    (date(2023, 2, 27), 1, False),
    (date(2023, 2, 28), 0, False),  # due today
    (date(2023, 3, 1), -1, True),
    (date(2023, 3, 4), -3, True),  # Saturday: overdue by Wednesday to Friday
])
def test_working_days_left_and_overdue(today, remaining, overdue):
    deadline = one("ceremony", facts(decision_received_on=date(2023, 1, 10)), today)
    assert (deadline.remaining, deadline.overdue, deadline.in_working_days) == (remaining, overdue, True)


def test_overdue_on_the_weekend_after_a_friday_due_date():
    # Received Friday 13 January 2023: 16-19 January (4), Tết, 27 (5), 30-31 (7), 1-3 February (10),
    # 6-10 (15), 13-17 (20), 20-24 (25), 27 February-3 March (30): due Friday 3 March.
    deadline = one("ceremony", facts(decision_received_on=date(2023, 1, 13)), date(2023, 3, 4))
    assert (deadline.due, deadline.remaining, deadline.overdue, deadline.state) == (date(2023, 3, 3), 0, True, "overdue")


def test_a_close_deadline_is_urgent():
    received = facts(decision_received_on=date(2023, 1, 10))
    assert [one("ceremony", received, day).state for day in (date(2023, 2, 20), date(2023, 2, 21), date(2023, 2, 28))] \
        == ["ok", "soon", "soon"]  # 6 working days left, then 5


@pytest.mark.parametrize("today, remaining, overdue", [
    (date(2026, 9, 1), 13, False),
    (date(2026, 9, 14), 0, False),
    (date(2026, 9, 15), -1, True),
])
def test_month_limits_count_calendar_days(today, remaining, overdue):
    deadline = one("dossier", facts(certificate_date=date(2021, 9, 15)), today)
    assert (deadline.remaining, deadline.overdue, deadline.in_working_days) == (remaining, overdue, False)
    assert deadline.confirmed is False  # 60 months is from secondary sources (DOMAIN.md §3)


def test_overrides_move_the_due_date_by_one_day():
    received = facts(decision_received_on=date(2023, 1, 10))
    assert one("ceremony", received, calendar=WorkingCalendar({date(2023, 2, 4): True})).due == date(2023, 2, 27)
    assert one("ceremony", received, calendar=WorkingCalendar({date(2023, 2, 15): False})).due == date(2023, 3, 1)


def test_the_certificate_deadline_ends_where_the_guard_starts_refusing(app):
    case_facts = facts(certificate_date=date(2021, 9, 15))
    deadline = one("dossier", case_facts)

    def refused(day):
        return training_certificate_valid(ActContext(None, case_facts, day, data={}, today=day))

    assert refused(deadline.due) == []
    assert refused(deadline.due + timedelta(days=1)) != []


def test_the_staleness_deadline_ends_where_the_checklist_starts_refusing(app):
    """The last day in time is the last day the dossier checklist (which the branch vote's guard
    reads) still finds no document stale."""
    case = SimpleNamespace(youth_union_member=False, branch=SimpleNamespace(parent=None))
    state = CaseState(documents={
        "2-KNĐ": DocumentState("2-KNĐ", received=True, received_on=date(2021, 10, 5)),
        "5-KNĐ": DocumentState("5-KNĐ", received=True, received_on=date(2021, 9, 28))})
    deadline = one("branch_vote", facts(), checklist=checklist_for(case, state, TODAY))
    assert (deadline.start, deadline.due) == (date(2021, 9, 28), date(2022, 9, 28))
    assert stale_reasons(checklist_for(case, state, deadline.due)) == []
    assert stale_reasons(checklist_for(case, state, deadline.due + timedelta(days=1))) != []


def test_the_rulebook_of_the_starting_day_sets_the_length(monkeypatch):
    """A deadline that starts under one rulebook keeps that rulebook's length."""
    real = rulebook_on

    def fake_rulebook_on(day):
        book = real(day)
        if day >= date(2023, 1, 1):
            values = dict(book.values, ceremony_working_days=RuleValue("ceremony_working_days", 10, "new rule"))
            book = SimpleNamespace(values=values, citation=lambda name: values[name].citation)
        return book

    monkeypatch.setattr(deadlines_module, "rulebook_on", fake_rulebook_on)
    old = one("ceremony", facts(decision_received_on=date(2022, 12, 30)))
    new = one("ceremony", facts(decision_received_on=date(2023, 1, 3)))
    assert old.citation != "new rule" and new.citation == "new rule"
    # 10 working days after Tuesday 3 January 2023: 4-6 (3), 9-13 (8), Monday 16, Tuesday 17 (10).
    assert new.due == date(2023, 1, 17)
    assert old.due == CALENDAR.add_working_days(date(2022, 12, 30), 30)


def test_no_rulebook_no_deadline():
    # Before the first rulebook (25 July 2016) nothing can be counted.
    assert keys("ceremony", facts(decision_received_on=date(2016, 7, 1))) == []


# --- the case page ---------------------------------------------------------------------------

def test_an_overdue_ceremony_on_the_case_page(pages, world, make_case):
    """make_case's decision was received on 25 January 2022: the ceremony was due on
    15 March 2022 (30 working days across Tết 2022: 26-28 January (3), Tết 31 January-4 February,
    7-11 February (8), 14-18 (13), 21-25 (18), 28 February-4 March (23), 7-11 March (28),
    Monday 14 (29), Tuesday 15 March (30)), so today it is long overdue."""
    case = make_case("ceremony")
    pages.login("sec_a1")
    response = pages.get(f"/candidates/{case.id}")
    shown = section(response, "deadlines")
    late = WorkingCalendar().working_days_between(date(2022, 3, 15), clock.today())
    assert "Admission ceremony, within 30 working days of receiving the decision" in shown
    assert "Due: 15/03/2022" in shown
    assert f"overdue by {late} working days" in shown
    assert "Counted from 25/01/2022." in shown and "Quy định 24-QĐ/TW" in shown
    assert "deadline-remaining text-bg-danger" in response.get_data(as_text=True)

    # An extra day off the administrator records after the due date takes one day off the count.
    day_off = next(d for d in (date(2022, 3, 16) + timedelta(days=i) for i in range(10))
                   if WorkingCalendar().is_working_day(d))
    db.session.add(CalendarOverride(day=day_off, is_working_day=False, note=""))
    db.session.commit()
    shown = section(pages.get(f"/candidates/{case.id}"), "deadlines")
    assert f"overdue by {late - 1} working days" in shown


def test_the_case_page_in_vietnamese_shows_the_deadline(pages, world, make_case):
    case = make_case("committee_review")
    pages.login("com_a")
    page = pages.get(f"/candidates/{case.id}?lang=vi")
    assert "03/03/2022" in section(page, "deadlines")  # 60 working days after 1 December 2021


def test_month_limits_on_the_case_page(pages, world, make_case):
    """make_case's certificate is of 15 September 2021; its oldest document subject to staleness
    is the résumé (2-KNĐ) of 25 September 2021 (conftest.DOSSIER_DOCUMENTS)."""
    case = make_case("branch_vote")
    pages.login("sec_a1")
    shown = section(pages.get(f"/candidates/{case.id}"), "deadlines")
    certificate_due, dossier_due = date(2026, 9, 14), date(2022, 9, 25)
    assert "Due: 14/09/2026" in shown
    left = (certificate_due - clock.today()).days
    assert (f"{left} days left" if left > 0 else ("due today" if left == 0 else f"overdue by {-left} days")) in shown
    assert "unconfirmed" not in shown  # said once, on the process page's rules (tests/test_rules_texts.py)
    assert "Due: 25/09/2022" in shown and f"overdue by {(clock.today() - dossier_due).days} days" in shown


def test_no_deadline_section_once_official(pages, world, make_case):
    case = make_case("official")
    pages.login("sec_a1")
    assert 'id="deadlines"' not in pages.get(f"/candidates/{case.id}").get_data(as_text=True)


def test_deadlines_cost_one_query_whatever_the_overrides(pages, world, make_case, count_statements):
    case = make_case("ceremony").id
    official = make_case("official").id
    pages.login("sec_a1")
    pages.get(f"/candidates/{case}")
    with count_statements() as none:
        pages.get(f"/candidates/{case}")
    db.session.add_all([CalendarOverride(day=date(2022, 2, 5 + i), is_working_day=True, note="") for i in range(2)]
                       + [CalendarOverride(day=date(2022, 3, 1 + i), is_working_day=False, note="") for i in range(3)])
    db.session.commit()
    with count_statements() as five:
        pages.get(f"/candidates/{case}")
    with count_statements() as no_deadline:
        pages.get(f"/candidates/{official}")
    assert none.count == five.count == no_deadline.count
