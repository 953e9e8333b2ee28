"""Issue 15: the grassroots committee reviews, and the deciding unit decides, several cases of a
unit at once: all or nothing, each refused row named with its reasons, a failing vote recorded
only once confirmed on its row, a summary after success."""
import pytest

from pages_support import log_rows, pages, section, text  # noqa: F401
from conftest import fresh
from pipeline.workflow.log import load_log

pytestmark = pytest.mark.usefixtures("english")

REVIEW_DAY, DECISION_DAY, RECEIVED = "2021-12-20", "2022-01-20", "2022-01-25"


def review_url(unit):
    return f"/bulk/{unit.id}/committee-review?lang=en"


def decision_url(unit):
    return f"/bulk/{unit.id}/decision?lang=en"


def ticked(cases, rows):
    """Each of `cases` ticked on its row; `rows`: a row's own fields keyed "N_field"."""
    data = {}
    for index, case in enumerate(cases):
        data |= {f"rows-{index}-case_id": str(case.id), f"rows-{index}-chosen": "y"}
    for key, value in rows.items():
        index, name = key.split("_", 1)
        data[f"rows-{index}-{name}"] = value
    return data


def review_form(cases, day=REVIEW_DAY, size="15", votes_for="13", against="0", **rows):
    """The committee review's form: the meeting's fields, each of `cases` ticked."""
    return {"effective_date": day, "committee_size": size, "votes_for": votes_for,
            "votes_against": against} | ticked(cases, rows)


def decision_form(world, cases, first="123-QĐ/TU", **rows):
    """The decisions' form: issued by the town, counted from `first`, each of `cases` ticked."""
    return {"effective_date": DECISION_DAY, "issuing_unit_id": str(world.town.id), "received_on": RECEIVED,
            "first_number": first} | ticked(cases, rows)


def all_log_rows(cases):
    return sum(log_rows(case.id) for case in cases)


# --- all pass: every case moves, each with its log entry --------------------------------------------

def test_the_committee_reviews_every_ticked_case_of_its_commune_at_once(pages, world, make_case):
    cases = [make_case("committee_review", full_name="Lê Văn An"),
             make_case("committee_review", branch=world.branch_a2, full_name="Trần Thị Bình")]
    pages.login("com_a")
    page = pages.get(review_url(world.commune_a))
    assert page.status_code == 200
    listed = section(page, "waiting")
    assert "Lê Văn An" in listed and "Trần Thị Bình" in listed and "Chi bộ trường A2" in listed
    assert "checked" not in page.get_data(as_text=True).split('id="waiting"')[1]  # none ticked, as the ceremony day

    done = pages.post(review_url(world.commune_a), data=review_form(cases, **{"1_votes_for": "12"}))
    assert done.status_code == 302
    assert "stage=decision" in done.headers["Location"]
    for case, votes_for in zip(cases, (13, 12)):
        assert fresh(case.id).stage == "decision"
        entry = load_log(case.id)[-1]
        assert (entry.act, entry.data["passed"], entry.data["votes_for"], entry.data["committee_size"]) == (
            "record_committee_review", True, votes_for, 15)
        assert str(entry.effective_date) == REVIEW_DAY
    summary = text(pages.get(done.headers["Location"]))
    assert "2 candidates are now “Awaiting the admission decision”: Lê Văn An, Trần Thị Bình." in summary


def test_the_board_decides_several_cases_numbered_from_a_first_number(pages, world, make_case):
    cases = [make_case("decision", full_name="Lê Văn An"), make_case("decision", full_name="Ngô Văn Cường"),
             make_case("decision", branch=world.branch_b1, full_name="Trần Thị Bình")]
    pages.login("board")
    page = pages.get(decision_url(world.town))
    assert page.status_code == 200 and "Ngô Văn Cường" in section(page, "waiting")
    # The rows in the page's order (by name): An, Cường, Bình's own number kept.
    done = pages.post(decision_url(world.town), data=decision_form(world, cases, **{"2_decision_number": "7-QĐ/TU"}))
    assert done.status_code == 302
    numbers = []
    for case in cases:
        assert fresh(case.id).stage == "ceremony"
        entry = load_log(case.id)[-1]
        assert (entry.act, entry.data["issuing_unit_id"], entry.data["received_on"]) == (
            "record_decision", world.town.id, RECEIVED)
        numbers.append(entry.data["decision_number"])
    assert numbers == ["123-QĐ/TU", "124-QĐ/TU", "7-QĐ/TU"]
    summary = text(pages.get(done.headers["Location"]))
    assert "Lê Văn An (decision 123-QĐ/TU)" in summary and "Trần Thị Bình (decision 7-QĐ/TU)" in summary


# --- one refused: nothing written, the row named with why ---------------------------------------------

def test_one_refused_row_writes_nothing_and_the_page_says_which_and_why(pages, world, make_case):
    ready = make_case("committee_review", full_name="Lê Văn An")
    not_yet = make_case("branch_vote", full_name="Trần Thị Bình")
    before = all_log_rows([ready, not_yet])
    pages.login("com_a")
    response = pages.post(review_url(world.commune_a), data=review_form([ready, not_yet]))
    assert response.status_code == 422
    report = section(response, "refused")
    assert "Nothing was recorded" in report and "Trần Thị Bình" in report and "Lê Văn An" not in report
    assert "The case is at the stage “Awaiting the branch vote”." in report
    assert all_log_rows([ready, not_yet]) == before and fresh(ready.id).stage == "committee_review"


def test_a_row_its_guards_refuse_is_named_with_the_guards_reasons(pages, world, make_case):
    cases = [make_case("committee_review", full_name="Lê Văn An")]
    before = all_log_rows(cases)
    pages.login("com_a")
    # Before the branch meeting of 01/12/2021: the guard's own sentence.
    response = pages.post(review_url(world.commune_a), data=review_form(cases, day="2021-11-30"))
    assert response.status_code == 422
    report = section(response, "refused")
    assert "Lê Văn An" in report and "before the previous act of this case (01/12/2021)" in report
    assert all_log_rows(cases) == before


def test_a_decision_number_given_twice_is_refused_beside_its_row(pages, world, make_case):
    cases = [make_case("decision", full_name="Lê Văn An"), make_case("decision", full_name="Ngô Văn Cường")]
    before = all_log_rows(cases)
    pages.login("board")
    data = decision_form(world, cases, **{"1_decision_number": "123-QĐ/TU"})  # the first's counted number
    response = pages.post(decision_url(world.town), data=data)
    assert response.status_code == 422
    assert "The number 123-QĐ/TU is given to another candidate above." in text(response)
    assert all_log_rows(cases) == before


def test_without_a_number_to_count_from_the_form_says_so(pages, world, make_case):
    cases = [make_case("decision")]
    pages.login("board")
    response = pages.post(decision_url(world.town), data=decision_form(world, cases, first="QĐ/TU"))
    assert response.status_code == 422 and "Give the number of the first decision" in text(response)
    assert fresh(cases[0].id).stage == "decision"


def test_nothing_ticked_is_refused_with_a_message(pages, world, make_case):
    case = make_case("committee_review")
    pages.login("com_a")
    data = review_form([case])
    data.pop("rows-0-chosen")
    response = pages.post(review_url(world.commune_a), data=data)
    assert response.status_code == 422 and "Choose at least one candidate." in section(response, "form-errors")


# --- a failing vote, in bulk too ------------------------------------------------------------------------

def test_a_failing_vote_is_refused_with_its_result_until_confirmed_on_its_row(pages, world, make_case):
    passing = make_case("committee_review", full_name="Lê Văn An")
    failing = make_case("committee_review", full_name="Trần Thị Bình")
    before = all_log_rows([passing, failing])
    pages.login("com_a")
    data = review_form([passing, failing], **{"1_votes_for": "9", "1_votes_against": "6"})
    shown = pages.post(review_url(world.commune_a), data=data)
    assert shown.status_code == 422
    report = section(shown, "refused")
    assert "Trần Thị Bình" in report and "9 votes for, 10 of 15 needed: the vote fails." in report
    assert "Not admitted by the committee" in report and "Lê Văn An" not in report
    assert 'name="rows-1-failure_confirmed"' in shown.get_data(as_text=True)  # asked beside its row only
    assert 'name="rows-0-failure_confirmed"' not in shown.get_data(as_text=True)
    assert all_log_rows([passing, failing]) == before

    done = pages.post(review_url(world.commune_a), data=dict(data, **{"rows-1-failure_confirmed": "y"}))
    assert done.status_code == 302
    assert (fresh(passing.id).stage, fresh(failing.id).stage) == ("decision", "rejected")
    entry = load_log(failing.id)[-1]
    assert (entry.data["passed"], entry.data["votes_needed"]) == (False, 10)
    assert "failure_confirmed" not in entry.data
    summary = text(pages.get(done.headers["Location"]))
    assert "1 vote did not pass" in summary and "Trần Thị Bình" in summary


# --- scope and roles ----------------------------------------------------------------------------------

def test_a_case_outside_the_users_scope_slipped_into_the_post_is_refused(pages, world, make_case):
    mine = make_case("committee_review", full_name="Lê Văn An")
    theirs = make_case("committee_review", branch=world.branch_b1, full_name="Phạm Thị Ngoài")
    before = all_log_rows([mine, theirs])
    pages.login("com_a")
    response = pages.post(review_url(world.commune_a), data=review_form([mine, theirs]))
    assert response.status_code == 422
    report = section(response, "refused")
    assert "No such case in your units." in report and f"Case #{theirs.id}" in report
    assert "Phạm Thị Ngoài" not in text(response) and "Chi bộ khối phố B1" not in text(response)
    assert all_log_rows([mine, theirs]) == before
    assert (fresh(mine.id).stage, fresh(theirs.id).stage) == ("committee_review", "committee_review")


def test_a_case_of_another_unit_of_the_scope_is_refused_by_name(pages, world, make_case):
    other = make_case("committee_review", branch=world.branch_a2, full_name="Trần Thị Bình")
    before = all_log_rows([other])
    pages.login("com_a")
    response = pages.post(review_url(world.branch_a1), data=review_form([other]))
    assert response.status_code == 422 and "another branch" in section(response, "refused")
    assert all_log_rows([other]) == before


def test_a_unit_outside_the_scope_is_not_found(pages, world, make_case):
    case = make_case("committee_review", branch=world.branch_b1)
    before = all_log_rows([case])
    pages.login("com_a")
    assert pages.get(review_url(world.commune_b)).status_code == 404
    assert pages.post(review_url(world.commune_b), data=review_form([case])).status_code == 404
    assert all_log_rows([case]) == before


@pytest.mark.parametrize("page, username, expected", [
    ("committee-review", "com_a", 200), ("committee-review", "sec_a1", 403), ("committee-review", "board", 403),
    ("committee-review", "admin", 403), ("committee-review", "com_b", 404), ("committee-review", "sec_b1", 404),
    ("decision", "board", 200), ("decision", "com_a", 403),  # commune A does not decide admissions
    ("decision", "sec_a1", 403), ("decision", "admin", 403), ("decision", "com_b", 404),
])
def test_who_may_open_each_page(pages, world, page, username, expected):
    pages.login(username)
    assert pages.get(f"/bulk/{world.branch_a1.id}/{page}").status_code == expected


@pytest.mark.parametrize("page, username", [("committee-review", "sec_a1"), ("committee-review", "board"),
                                            ("decision", "com_a"), ("decision", "sec_a1")])
def test_a_role_that_may_not_record_the_act_is_refused_and_nothing_is_written(pages, world, make_case, page,
                                                                                username):
    stage = "committee_review" if page == "committee-review" else "decision"
    case = make_case(stage)
    data = review_form([case]) if stage == "committee_review" else decision_form(world, [case])
    before = all_log_rows([case])
    pages.login(username)
    assert pages.post(f"/bulk/{world.branch_a1.id}/{page}", data=data).status_code == 403
    assert all_log_rows([case]) == before and fresh(case.id).stage == stage


def test_a_deciding_committee_decides_for_its_own_cases(pages, world, make_case, app):
    """A commune given the power to decide: its committee may open the decision page, its
    decisions issued by itself as the full committee (with its vote)."""
    from pipeline.extensions import db
    from pipeline.transaction import one_transaction
    case = make_case("decision", full_name="Lê Văn An")
    with one_transaction():
        db.session.get(type(world.commune_a), world.commune_a.id).decides_admissions = True
    pages.login("com_a")
    page = pages.get(decision_url(world.commune_a))
    assert page.status_code == 200 and "Đảng bộ xã A" in section(page, "issuing_unit_id")
    data = decision_form(world, [case]) | {"issuing_unit_id": str(world.commune_a.id), "committee_size": "15",
                                           "votes_for": "12", "votes_against": "0"}
    assert pages.post(decision_url(world.commune_a), data=data).status_code == 302
    assert fresh(case.id).stage == "ceremony"


def test_the_board_is_offered_each_deciding_unit_above_the_cases_and_a_wrong_one_is_refused_by_row(
        pages, world, make_case):
    from pipeline.extensions import db
    from pipeline.transaction import one_transaction
    mine = make_case("decision", full_name="Lê Văn An")
    other = make_case("decision", branch=world.branch_b1, full_name="Trần Thị Bình")
    with one_transaction():
        db.session.get(type(world.commune_a), world.commune_a.id).decides_admissions = True
    pages.login("board")
    offered = section(pages.get(decision_url(world.town)), "issuing_unit_id")
    assert "Đảng bộ thị xã Thử" in offered and "Đảng bộ xã A" in offered
    before = all_log_rows([mine, other])
    data = decision_form(world, [mine, other]) | {"issuing_unit_id": str(world.commune_a.id), "committee_size": "15",
                                                   "votes_for": "12", "votes_against": "0"}
    response = pages.post(decision_url(world.town), data=data)
    assert response.status_code == 422
    report = section(response, "refused")
    assert "Trần Thị Bình" in report and "Lê Văn An" not in report
    assert "The issuing unit does not have the power to decide admissions for this branch." in report
    assert all_log_rows([mine, other]) == before


def test_a_case_outside_the_pages_unit_is_refused_naming_the_unit(pages, world, make_case):
    other = make_case("decision", branch=world.branch_b1, full_name="Trần Thị Bình")
    before = all_log_rows([other])
    pages.login("board")
    response = pages.post(decision_url(world.commune_a), data=decision_form(world, [other]))
    assert response.status_code == 422
    assert "The candidate does not belong to Đảng bộ xã A." in section(response, "refused")
    assert all_log_rows([other]) == before


# --- a fixed number of statements -------------------------------------------------------------------------

@pytest.mark.parametrize("stage, username, page, unit", [
    ("committee_review", "com_a", "committee-review", "commune_a"), ("decision", "board", "decision", "town")])
def test_the_page_runs_the_same_statements_for_twice_the_rows(pages, world, make_case, count_statements, stage,
                                                              username, page, unit):
    branches = (world.branch_a1, world.branch_a2)
    for n in range(2):
        make_case(stage, branch=branches[n % 2], full_name=f"Nguyễn Văn Số {n}")
    pages.login(username)
    url = f"/bulk/{getattr(world, unit).id}/{page}"
    pages.get(url)  # warm up whatever is cached per process
    with count_statements() as few:
        assert text(pages.get(url)).count("Nguyễn Văn Số") == 2
    for n in range(2, 4):
        make_case(stage, branch=branches[n % 2], full_name=f"Nguyễn Văn Số {n}")
    with count_statements() as many:
        assert text(pages.get(url)).count("Nguyễn Văn Số") == 4
    assert many.count == few.count


def test_recording_reads_the_same_statements_for_twice_the_rows(pages, world, make_case, app):
    """Each row writes its entry and its projection; what is read is read once for all rows."""
    import sqlalchemy as sa
    from pipeline.extensions import db
    reads = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    counts = []
    pages.login("com_a")
    for n in (2, 4):
        data = review_form([make_case("committee_review", full_name=f"Nguyễn Văn Số {n}{i}") for i in range(n)])
        reads.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert pages.post(review_url(world.commune_a), data=data).status_code == 302
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        counts.append(len(reads))
    assert counts[0] == counts[1]


# --- links from where the cases are seen ----------------------------------------------------------------

def test_the_case_page_and_the_list_link_the_bulk_page_for_the_role_that_records_it(pages, world, make_case):
    reviewed = make_case("committee_review")
    decided = make_case("decision")
    pages.login("com_a")
    link = f'href="/bulk/{world.commune_a.id}/committee-review"'
    assert link in pages.get(f"/candidates/{reviewed.id}").get_data(as_text=True)
    assert link in pages.get("/candidates/?stage=committee_review").get_data(as_text=True)
    assert 'id="bulk-act"' not in pages.get(f"/candidates/{decided.id}").get_data(as_text=True)  # not its act
    pages.login("board")
    assert f'href="/bulk/{world.town.id}/decision"' in pages.get(f"/candidates/{decided.id}").get_data(as_text=True)
    assert 'id="bulk-act"' not in pages.get(f"/candidates/{reviewed.id}").get_data(as_text=True)
    pages.login("sec_a1")
    assert 'id="bulk-act"' not in pages.get("/candidates/?stage=committee_review").get_data(as_text=True)
