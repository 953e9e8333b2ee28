"""One ceremony day for several candidates of a branch: all or nothing, with a per-row report."""
from datetime import date

import pytest
from sqlalchemy import func, select

from conftest import fresh
from pipeline.extensions import db
from pipeline.workflow.models import LogEntry

pytestmark = pytest.mark.usefixtures("english")


def log_rows():
    return db.session.scalar(select(func.count(LogEntry.id)))


def post_day(client, branch, case_ids, day="2022-02-10", confirmed="y"):
    return client.post(f"/ceremony-day/{branch.id}?lang=en", data={
        "effective_date": day, "place": "Hội trường thôn", "case_ids": [str(i) for i in case_ids],
        "confirmed": confirmed})


def test_a_ceremony_day_admits_every_chosen_candidate(client, login, world, make_case):
    cases = [make_case("ceremony", full_name=name) for name in ("Lê Văn An", "Trần Thị Bình")]
    login("sec_a1")
    page = client.get(f"/ceremony-day/{world.branch_a1.id}?lang=en").get_data(as_text=True)
    assert "Lê Văn An" in page and "Trần Thị Bình" in page
    response = post_day(client, world.branch_a1, [c.id for c in cases])
    assert response.status_code == 302
    for case in cases:
        after = fresh(case.id)
        assert (after.stage, after.stage_entered_on) == ("probation", date(2022, 2, 10))


def test_one_bad_row_records_nothing_and_says_which(client, login, world, make_case):
    ready = make_case("ceremony", full_name="Lê Văn An")
    not_yet = make_case("decision", full_name="Trần Thị Bình")
    before = log_rows()
    login("sec_a1")
    response = post_day(client, world.branch_a1, [ready.id, not_yet.id])
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was recorded" in text and "Trần Thị Bình" in text
    assert log_rows() == before and fresh(ready.id).stage == "ceremony"


def test_a_ceremony_before_the_decision_was_received_is_refused_row_by_row(client, login, world, make_case):
    case = make_case("ceremony")  # decision received 25/01/2022
    before = log_rows()
    login("sec_a1")
    response = post_day(client, world.branch_a1, [case.id], day="2022-01-24")
    assert response.status_code == 422
    assert "received the decision (25/01/2022)" in response.get_data(as_text=True)
    assert log_rows() == before


def test_without_confirmation_nothing_is_recorded(client, login, world, make_case):
    case = make_case("ceremony")
    before = log_rows()
    login("sec_a1")
    response = post_day(client, world.branch_a1, [case.id], confirmed="")
    assert response.status_code == 422 and log_rows() == before


@pytest.mark.parametrize("username, expected", [
    ("sec_a1", 200), ("com_a", 200), ("sec_a2", 404), ("sec_b1", 404), ("com_b", 404), ("board", 403), ("admin", 403),
])
def test_who_may_open_a_branch_ceremony_day(client, login, world, username, expected):
    login(username)
    assert client.get(f"/ceremony-day/{world.branch_a1.id}").status_code == expected


def test_a_case_of_another_branch_cannot_be_slipped_in(client, login, world, make_case):
    other = make_case("ceremony", branch=world.branch_b1)
    before = log_rows()
    login("sec_a1")
    response = post_day(client, world.branch_a1, [other.id])
    assert response.status_code == 422 and log_rows() == before
    assert fresh(other.id).stage == "ceremony"


def test_a_committee_cannot_mix_branches_in_one_ceremony_day(client, login, world, make_case):
    other = make_case("ceremony", branch=world.branch_a2, full_name="Trần Thị Bình")
    before = log_rows()
    login("com_a")
    response = post_day(client, world.branch_a1, [other.id])
    assert response.status_code == 422 and "another branch" in response.get_data(as_text=True)
    assert log_rows() == before
