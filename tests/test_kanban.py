"""A branch's board: columns of open stages, cards with days in the stage and overdue badges, the
acts the user's role may take one click away; scoped; a fixed number of statements."""
import re
from datetime import date

import pytest

from dashboard_support import TODAY, grow, quick_case
from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.dashboard.filters import OPEN_STAGE_NAMES


@pytest.fixture
def on_snapshot(app):
    app.config["TODAY"] = TODAY
    yield TODAY
    app.config.pop("TODAY", None)


def board_path(branch):
    return f"/dashboard/branches/{branch.id}/board"


def column(response, stage):
    page = response.get_data(as_text=True)
    match = re.search(r'<section class="[^"]*board-column" data-stage="%s".*?</section>' % stage, page, re.S)
    assert match, stage
    return match.group(0)


def cards(response, stage):
    return [int(i) for i in re.findall(r'data-case="(\d+)"', column(response, stage))]


def acts(response, stage):
    return re.findall(r'board-act" data-act="(\w+)"', column(response, stage))


def test_columns_cards_and_badges(pages, world, on_snapshot):
    late = quick_case(world, world.branch_a1, "decision", date(2022, 7, 1), "Trần Quá Hạn", due_on=date(2022, 10, 20))
    slow = quick_case(world, world.branch_a1, "spotted", date(2021, 9, 1), "Lê Chậm Chạp")
    fine = quick_case(world, world.branch_a1, "spotted", date(2022, 10, 1), "Phạm Đúng Hạn")
    quick_case(world, world.branch_a2, "spotted", date(2021, 1, 1), "Người Chi Bộ Khác")
    pages.login("sec_a1")
    response = pages.get(board_path(world.branch_a1))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.findall(r'board-column" data-stage="(\w+)"', page) == list(OPEN_STAGE_NAMES)
    assert cards(response, "spotted") == [slow.id, fine.id]  # longest in the stage first
    assert cards(response, "decision") == [late.id]
    assert "Người Chi Bộ Khác" not in page
    late_card = section(response, "board")
    assert "Overdue: due 20/10/2022" in late_card
    assert "122 days in the stage · since 01/07/2022" in late_card
    assert "Too long since 02/09/2022" in late_card
    assert "30 days in the stage · since 01/10/2022" in late_card
    spotted = column(response, "spotted")
    assert spotted.count("badge-too-long") == 1 and "badge-overdue" not in spotted
    assert "No case at this stage." in column(response, "probation")
    # Every card opens its case; one click to the act form.
    assert f'href="/candidates/{slow.id}"' in page
    assert f'href="/candidates/{slow.id}/act/enrol_training"' in page


def test_the_acts_shown_are_the_forward_acts_of_the_users_role(pages, world, on_snapshot):
    for stage in OPEN_STAGE_NAMES:
        quick_case(world, world.branch_a1, stage, date(2022, 9, 1), f"Nguyễn {stage}")
    pages.login("sec_a1")
    response = pages.get(board_path(world.branch_a1))
    assert acts(response, "spotted") == ["enrol_training", "resume_dossier"]
    assert acts(response, "dossier") == ["complete_dossier"]
    assert acts(response, "committee_review") == []  # the committee's act
    assert acts(response, "decision") == []  # the deciding unit's
    assert acts(response, "ceremony") == ["hold_ceremony"]
    assert "withdraw" not in response.get_data(as_text=True)  # exits stay on the case page
    pages.login("com_a")
    response = pages.get(board_path(world.branch_a1))
    assert acts(response, "committee_review") == ["record_committee_review"]
    assert acts(response, "decision") == []  # commune A does not decide admissions
    pages.login("board")
    response = pages.get(board_path(world.branch_a1))
    assert acts(response, "decision") == ["record_decision"]
    assert acts(response, "spotted") == ["enrol_training"]  # the class's organiser
    pages.login("admin")
    assert all(acts(pages.get(board_path(world.branch_a1)), stage) == [] for stage in OPEN_STAGE_NAMES)


def test_the_act_link_opens_the_form_that_explains_blocks(pages, world, on_snapshot):
    case = quick_case(world, world.branch_a1, "dossier", date(2022, 9, 1), "Phùng Tấn Thắng")
    pages.login("sec_a1")
    response = pages.get(f"/candidates/{case.id}/act/complete_dossier")
    assert response.status_code == 200


def test_the_board_is_scoped(pages, world, on_snapshot):
    quick_case(world, world.branch_b1, "spotted", date(2022, 9, 1), "Trần Văn Bình")
    for username, branch, status in [("sec_a1", world.branch_a1, 200), ("sec_a1", world.branch_a2, 404),
                                     ("com_a", world.branch_a2, 200), ("com_a", world.branch_b1, 404),
                                     ("board", world.branch_b1, 200), ("board", world.commune_a, 404)]:
        pages.login(username)
        assert pages.get(board_path(branch)).status_code == status, (username, branch.code)
    pages.login("com_a")
    assert pages.get("/dashboard/branches/999999/board").status_code == 404


def test_the_matrix_and_the_case_list_link_to_the_board(pages, world, on_snapshot):
    case = quick_case(world, world.branch_a1, "spotted", date(2021, 1, 1), "Phùng Tấn Thắng")
    pages.login("com_a")
    matrix = pages.get("/dashboard/").get_data(as_text=True)
    assert board_path(world.branch_a1) in matrix and board_path(world.branch_a2) in matrix
    listing = pages.get("/dashboard/cases?which=stuck").get_data(as_text=True)
    assert f'data-case="{case.id}"' in listing and board_path(world.branch_a1) in listing
    pages.login("board")  # communes expand in the matrix; their branches have boards one level down
    assert board_path(world.branch_direct) in pages.get("/dashboard/").get_data(as_text=True)
    assert board_path(world.branch_a1) not in pages.get("/dashboard/").get_data(as_text=True)


def test_on_a_phone_the_columns_stack(pages, world, on_snapshot):
    pages.login("sec_a1")
    page = pages.get(board_path(world.branch_a1)).get_data(as_text=True)
    # One column under 768px (col-12), side by side and scrolling sideways from 992px.
    assert 'class="row g-3 flex-lg-nowrap overflow-x-auto pb-2" id="board"' in page
    assert page.count('class="col-12 col-md-6 col-lg-4 col-xl-3 board-column"') == len(OPEN_STAGE_NAMES)
    assert " style=" not in page and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def test_the_board_runs_the_same_statements_for_n_and_ten_times_n_cases(pages, world, on_snapshot,
                                                                       count_statements):
    grow(world, 8)
    pages.login("com_a")
    path = board_path(world.branch_a2)  # grow() gives it overdue cases
    pages.get(path)
    with count_statements() as few:
        response = pages.get(path)
    shown = len(re.findall(r'<article class="card', response.get_data(as_text=True)))
    grow(world, 72, start=8)
    with count_statements() as many:
        response = pages.get(path)
    assert len(re.findall(r'<article class="card', response.get_data(as_text=True))) == 10 * shown > 0
    assert many.count == few.count <= 5, (few.count, many.count)
    assert text(response).count("Overdue: due") > 0
