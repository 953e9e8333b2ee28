"""The home page: the deadlines falling due in the user's scope, overdue first, then within 7
and 30 days; the full lists behind it; where logging in lands."""
import csv
import io
import re
from datetime import date, timedelta

import pytest

from dashboard_support import TODAY, grow, quick_case
from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from xlsx_support import sheet_table


@pytest.fixture
def on_snapshot(app):
    app.config["TODAY"] = TODAY
    yield TODAY
    app.config.pop("TODAY", None)


def due_case(world, name, days, branch=None):
    """A case whose decision deadline is due `days` from today (negative: overdue)."""
    return quick_case(world, branch or world.branch_a1, "decision", date(2022, 7, 1), name,
                      due_on=TODAY + timedelta(days=days))


def group_case_ids(response, key):
    return [int(i) for i in re.findall(r'due-item" data-case="(\d+)"', section_html(response, f"due-{key}"))]


def section_html(response, element_id):
    page = response.get_data(as_text=True)
    match = re.search(r'<section[^>]*id="%s".*?</section>' % re.escape(element_id), page, re.S)
    assert match, element_id
    return match.group(0)


def test_logging_in_lands_on_the_deadlines(pages, world, on_snapshot):
    response = pages.login("sec_a1")
    assert response.request.path == "/"
    assert "Due soon" in text(response) and "Welcome, SEC_A1." in text(response)
    assert pages.get("/").status_code == 200


def test_overdue_first_oldest_first_then_7_then_30_days(pages, world, on_snapshot):
    later = due_case(world, "Nguyễn Hai Mươi", 20)
    today = due_case(world, "Nguyễn Hôm Nay", 0)
    week = due_case(world, "Nguyễn Bảy", 7)
    eighth = due_case(world, "Nguyễn Tám", 8)
    old = due_case(world, "Nguyễn Quá Lâu", -30)
    yesterday = due_case(world, "Nguyễn Hôm Qua", -1)
    due_case(world, "Nguyễn Ba Mốt", 31)  # beyond the 30 days
    pages.login("sec_a1")
    response = pages.get("/")
    page = response.get_data(as_text=True)
    assert page.index('id="due-overdue"') < page.index('id="due-week"') < page.index('id="due-month"')
    assert group_case_ids(response, "overdue") == [old.id, yesterday.id]
    assert group_case_ids(response, "week") == [today.id, week.id]
    assert group_case_ids(response, "month") == [eighth.id, later.id]
    assert "Nguyễn Ba Mốt" not in page
    overdue = " ".join(re.sub(r"<[^>]+>", " ", section_html(response, "due-overdue")).split())
    assert "Nguyễn Quá Lâu overdue by 30 days" in overdue and "overdue by 1 day " in overdue
    assert "Due: 01/10/2022 · Chi bộ thôn A1" in overdue
    assert "Admission decision, within 60 working days of the branch resolution" in overdue
    week_text = " ".join(re.sub(r"<[^>]+>", " ", section_html(response, "due-week")).split())
    assert "due today" in week_text and "7 days left" in week_text
    assert "calendar days" in section(response, "due-note")


def test_each_group_is_capped_with_a_link_to_all(pages, world, on_snapshot):
    made = [due_case(world, f"Nguyễn Số {n:02d}", -1 - n) for n in range(12)]
    pages.login("sec_a1")
    response = pages.get("/")
    shown = group_case_ids(response, "overdue")
    assert shown == [case.id for case in reversed(made)][:10]
    assert 'href="/dashboard/deadlines?when=overdue"' in section_html(response, "due-overdue")
    assert "Show all 12" in text(response)
    full = pages.get("/dashboard/deadlines?when=overdue")
    assert len(re.findall(r'due-item" data-case=', full.get_data(as_text=True))) == 12
    assert "12 deadlines" in text(full)
    first_page = pages.get("/dashboard/deadlines?when=overdue&per_page=5&page=3")
    assert len(re.findall(r'due-item" data-case=', first_page.get_data(as_text=True))) == 2


def test_the_deadlines_are_those_of_the_users_scope(pages, world, on_snapshot):
    a1 = due_case(world, "Phùng Tấn Thắng", -2, world.branch_a1)
    a2 = due_case(world, "Lê Thị Hoa", -3, world.branch_a2)
    b1 = due_case(world, "Trần Văn Bình", -4, world.branch_b1)
    for username, expected in [("sec_a1", [a1]), ("com_a", [a2, a1]), ("com_b", [b1]), ("board", [b1, a2, a1]),
                               ("admin", [b1, a2, a1])]:
        pages.login(username)
        assert group_case_ids(pages.get("/"), "overdue") == [c.id for c in expected], username
        listed = pages.get("/dashboard/deadlines?when=overdue").get_data(as_text=True)
        assert [int(i) for i in re.findall(r'due-item" data-case="(\d+)"', listed)] == [c.id for c in expected]


def test_links_to_the_board_or_the_dashboard(pages, world, on_snapshot):
    pages.login("sec_a1")
    links = section_html_any(pages.get("/"), "home-links")
    assert f"/dashboard/branches/{world.branch_a1.id}/board" in links and "/dashboard/" in links
    pages.login("com_a")
    links = section_html_any(pages.get("/"), "home-links")
    assert "/board" not in links and 'href="/dashboard/"' in links


def section_html_any(response, element_id):
    page = response.get_data(as_text=True)
    match = re.search(r'<(\w+)[^>]*id="%s".*?</\1>' % re.escape(element_id), page, re.S)
    assert match, element_id
    return match.group(0)


def test_nothing_due_says_what_to_do_next(pages, world, on_snapshot):
    pages.login("sec_a1")
    empty = section(pages.get("/"), "empty")
    assert "No deadline falls due in the next 30 days" in empty
    assert "Stuck cases" in empty and "New candidate" in empty
    pages.login("board")
    empty = section(pages.get("/"), "empty")
    assert "Stuck cases" in empty and "New candidate" not in empty


def test_the_full_list_exports(pages, world, on_snapshot):
    due_case(world, "Nguyễn Thị Ánh", -5)
    due_case(world, "Đỗ Minh Quân", -2)
    pages.login("sec_a1")
    response = pages.get("/dashboard/deadlines?when=overdue&format=xlsx")
    lines = sheet_table(response.get_data())  # from the header: the title rows above it are for people
    assert lines[0] == ["Full name", "Branch", "Deadline", "Due", "Days left (calendar days)"]
    assert [line[0] for line in lines[1:]] == ["Nguyễn Thị Ánh", "Đỗ Minh Quân"]
    assert lines[1][3].date() == date(2022, 10, 26) and lines[1][4] == -5
    rows = list(csv.reader(io.StringIO(pages.get("/dashboard/deadlines?when=overdue&format=csv").get_data()
                                       .decode("utf-8-sig"))))
    assert rows[1] == ["Nguyễn Thị Ánh", "Chi bộ thôn A1",
                       "Admission decision, within 60 working days of the branch resolution", "2022-10-26", "-5"]


@pytest.mark.parametrize("username, path", [("board", "/"), ("sec_a1", "/"), ("board", "/dashboard/deadlines"),
                                            ("com_a", "/dashboard/deadlines?when=week&format=csv")])
def test_the_same_statements_for_n_and_ten_times_n_cases(pages, world, on_snapshot, count_statements,
                                                         username, path):
    grow(world, 12)
    pages.login(username)
    pages.get(path)
    with count_statements() as few:
        pages.get(path).get_data()
    grow(world, 108, start=12)
    with count_statements() as many:
        response = pages.get(path)
        response.get_data()
    assert response.status_code == 200
    # An export also writes its read (pipeline/readlog): the head of the user's chain and the row.
    # The home page lists the user's queue too (pipeline.queue): its rows with their count, their
    # overdue deadlines, and for the blocked acts their logs, classes and branches' parents; for
    # a role that records decisions, the deciding units below it (read once, not per case).
    limit = 6 if "format=" in path else 9 if path == "/" else 4
    assert many.count == few.count <= limit, (few.count, many.count)
