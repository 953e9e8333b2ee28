"""The case page: scope, particulars, progress, the timeline and the actions with their reasons."""
import re
from datetime import date

from pipeline.base import clock
import pytest
from dateutil.relativedelta import relativedelta

from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.workflow import operations

BRANCHES = ["branch_a1", "branch_a2", "branch_b1", "branch_direct"]
SCOPE = {
    "sec_a1": {"branch_a1"}, "sec_a2": {"branch_a2"}, "sec_b1": {"branch_b1"},
    "com_a": {"branch_a1", "branch_a2"}, "com_b": {"branch_b1"},
    "board": set(BRANCHES), "admin": set(BRANCHES),
}


@pytest.mark.parametrize("username", sorted(SCOPE))
def test_case_page_inside_scope_only(pages, world, make_case, username):
    cases = {branch: make_case(branch=getattr(world, branch), full_name=f"Phùng Tấn Thắng {n}").id
             for n, branch in enumerate(BRANCHES)}
    pages.login(username)
    for n, branch in enumerate(BRANCHES):
        response = pages.get(f"/candidates/{cases[branch]}")
        if branch in SCOPE[username]:
            assert response.status_code == 200, branch
            assert f"Phùng Tấn Thắng {n}" in text(response)
        else:
            assert response.status_code == 404, branch
            assert "Phùng Tấn Thắng" not in text(response)  # never a leak, not even the name


def test_case_page_shows_the_particulars_and_the_stage(pages, world, make_case):
    case = make_case("committee_review", full_name="Phùng Tấn Thắng", ethnicity="Cơ Tu",
                     occupation="Phó Bí thư chi đoàn thôn")
    pages.login("com_a")
    response = pages.get(f"/candidates/{case.id}")
    particulars = section(response, "particulars-title") + text(response)
    assert "15/03/1995" in particulars and "Cơ Tu" in particulars and "Phó Bí thư chi đoàn thôn" in particulars
    assert "Upper secondary school" in particulars and "Youth Union (Đoàn TN)" in particulars
    stage = section(response, "current-stage")
    assert "Awaiting the grassroots committee" in stage and "01/12/2021" in stage
    steps = section(response, "stage-steps")
    assert steps.index("Preparing the dossier") < steps.index("Awaiting the grassroots committee")
    assert 'aria-valuenow="5"' in response.get_data(as_text=True)


def test_the_timeline_tells_the_story_from_the_log(pages, world, make_case):
    case = make_case("ceremony")
    pages.login("sec_a1")
    response = pages.get(f"/candidates/{case.id}")
    timeline = section(response, "timeline")
    labels = ["Spotted as a candidate", "Send to the training class", "Record the training certificate",
              "Dossier complete", "Record the branch vote", "Record the grassroots committee review",
              "Record the admission decision"]
    positions = [timeline.index(label) for label in labels]
    assert positions == sorted(positions)
    # The act's data in words: dates dd/mm/yyyy, units by name, who recorded it.
    assert "Lớp bồi dưỡng 1/2021" in timeline
    assert "CN-001" in timeline
    # The dossier's documents, each recorded on the dossier page.
    assert "Record a dossier document" in timeline
    assert "Introducing member Nguyễn Văn Một" in timeline
    assert "Has worked or lived with the candidate since 01/01/2019" in timeline
    assert "Votes for 25" in timeline
    assert "123-QĐ/TU" in timeline and "Issued by Ban Thường vụ Thị ủy Thử" in timeline
    assert "Date received by the branch 25/01/2022" in timeline
    assert "by SEC_A1" in timeline and "by COM_A" in timeline and "by BOARD" in timeline
    assert "20/01/2022" in timeline  # the decision's effective date


def test_a_rejected_case_shows_the_reason(pages, world, make_case):
    case = make_case("committee_review")
    operations.record_act(case.id, "record_committee_review", world["com_a"], date(2021, 12, 20),
                           {"committee_size": 15, "votes_for": 5, "votes_against": 10})
    pages.login("sec_a1")
    response = pages.get(f"/candidates/{case.id}")
    assert "Not admitted by the committee" in section(response, "current-stage")
    assert "5/15 committee members voted for, at least 10 needed" in section(response, "exit-reason")
    assert "Left the process at step 5." in text(response)
    allowed = section(response, "actions")
    assert "Return to nurturing" in allowed


def test_a_blocked_act_shows_its_reasons_on_the_case_page(pages, world, make_case):
    """A candidate who is 17 years 11 months old today cannot have the branch vote."""
    born = clock.today() - relativedelta(years=17, months=11, days=3)
    case = make_case("branch_vote", date_of_birth=born)
    pages.login("sec_a1")
    response = pages.get(f"/candidates/{case.id}")
    page = response.get_data(as_text=True)
    assert 'class="card mb-2 action-blocked" data-act="record_branch_vote"' in page
    blocked = section(response, "actions")
    vote = blocked[blocked.index("Record the branch vote"):]
    assert "only 17 years 11 months old today (needs 18 full years)" in vote
    # Other acts stay possible.
    assert 'class="btn btn-outline-danger w-100 mb-2 action-allowed" data-act="withdraw"' in page


@pytest.mark.parametrize("username, stage, expected", [
    # Never trained: reopening a dossier cannot apply (tests/test_vote_preview.py).
    ("sec_a1", "spotted", {"enrol_training", "withdraw", "remove_from_pool"}),
    ("com_a", "committee_review", {"record_committee_review", "withdraw"}),
    ("sec_a1", "committee_review", {"withdraw"}),
    ("board", "decision", {"record_decision", "refuse_admission", "extend_decision"}),
    ("board", "spotted", {"enrol_training"}),  # the organiser of the class may enrol
    ("admin", "decision", set()),
    ("com_a", "decision", {"withdraw"}),  # commune A does not decide admissions
])
def test_each_role_sees_its_own_actions(pages, world, make_case, username, stage, expected):
    case = make_case(stage)
    pages.login(username)
    page = pages.get(f"/candidates/{case.id}").get_data(as_text=True)
    shown = set(re.findall(r'action-(?:allowed|blocked)" data-act="(\w+)"', page))
    assert shown == expected
    if not expected:
        assert "Nothing for your role to do at this stage." in text(pages.get(f"/candidates/{case.id}"))


def test_case_page_runs_a_fixed_number_of_queries(pages, world, make_case, count_statements):
    short = make_case("ceremony").id  # 7 log rows
    long = make_case("official").id  # 9 log rows
    pages.login("board")
    pages.get(f"/candidates/{short}")
    with count_statements() as few:
        assert pages.get(f"/candidates/{short}").status_code == 200
    with count_statements() as many:
        assert pages.get(f"/candidates/{long}").status_code == 200
    assert many.count == few.count
    # The deadlines read the working-day calendar's overrides: one query; the link to the branch's
    # PDF says how many open cases it will print: one count. The read log: the head of the user's
    # chain and the row of this read (pipeline/readlog). The case's notes, with their authors: one.
    assert few.count <= 10
