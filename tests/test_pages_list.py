"""The list of candidates: scope, search, filters, empty states, a fixed number of queries."""
import unicodedata
from datetime import date

import pytest
from sqlalchemy import text as sql

from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from conftest import record_documents
from pipeline.extensions import db
from pipeline.workflow.operations import record_act

NAMES = {"branch_a1": "Phùng Tấn Thắng", "branch_a2": "Lê Thị Hoa", "branch_b1": "Trần Văn Bình",
         "branch_direct": "Đỗ Minh Quân"}
# Who sees the case of which branch (world of tests/conftest.py).
SCOPE = {
    "sec_a1": {"branch_a1"},
    "sec_a2": {"branch_a2"},
    "sec_b1": {"branch_b1"},
    "com_a": {"branch_a1", "branch_a2"},
    "com_b": {"branch_b1"},
    "board": set(NAMES),
    "admin": set(NAMES),
}


@pytest.fixture
def one_case_per_branch(world, make_case):
    return {code: make_case(branch=getattr(world, code), full_name=name).id for code, name in NAMES.items()}


def listed_names(response):
    return section(response, "candidates") if 'id="candidates"' in response.get_data(as_text=True) else ""


def test_each_role_lists_only_its_scope(pages, one_case_per_branch):
    for username, scope in sorted(SCOPE.items()):
        pages.login(username)
        response = pages.get("/candidates/")
        assert response.status_code == 200
        shown = listed_names(response)
        for code, name in NAMES.items():
            assert (name in shown) == (code in scope), (username, name)


def test_the_home_page_links_to_the_list(pages, world):
    # The home page is the deadlines falling due (tests/test_due_soon.py); the list is one click away.
    pages.login("sec_a1")
    response = pages.get("/")
    assert response.status_code == 200 and 'href="/candidates/"' in response.get_data(as_text=True)


@pytest.fixture
def thang_cases(world, make_case):
    """The same given name stored three ways: typed NFC, typed NFD, and NFD put straight into
    the table (an import that bypassed the model), plus names that must not match."""
    nfc = make_case(full_name="Phùng Tấn Thắng")
    typed_nfd = make_case(full_name=unicodedata.normalize("NFD", "Lê Văn Thắng"))
    raw = make_case(full_name="Trần Thắng")
    db.session.execute(sql("UPDATE candidate SET full_name = :name WHERE id = :id"),
                       {"name": unicodedata.normalize("NFD", "Trần Thắng"), "id": raw.id})
    make_case(full_name="Nguyễn Văn Hùng")
    make_case(full_name="Đỗ Thị Thắm")
    db.session.commit()
    return nfc, typed_nfd, raw


def test_search_ignores_accents_case_and_normal_form(pages, thang_cases):
    pages.login("sec_a1")
    for query in ["thang", "THẮNG", "Thắng", unicodedata.normalize("NFD", "Thắng"), "  thAng "]:
        response = pages.get("/candidates/", query_string={"q": query})
        shown = listed_names(response)
        assert "Phùng Tấn Thắng" in shown, query
        assert "Lê Văn Thắng" in shown, query  # stored NFC by the model, whatever was typed
        assert unicodedata.normalize("NFC", shown).count("Thắng") == 3, query
        assert "Hùng" not in shown and "Thắm" not in shown, query
        assert "3 candidates" in text(response), query


def test_search_reads_d_with_stroke_as_d_and_matches_several_words(pages, thang_cases):
    pages.login("sec_a1")
    assert "Đỗ Thị Thắm" in listed_names(pages.get("/candidates/?q=do+thi"))
    shown = listed_names(pages.get("/candidates/?q=tấn+thắng"))
    assert "Phùng Tấn Thắng" in shown and "Lê Văn" not in shown


def test_search_treats_wildcards_as_letters(pages, thang_cases):
    pages.login("sec_a1")
    for query in ["%", "_", "\\", "'; DROP TABLE candidate; --"]:
        response = pages.get("/candidates/", query_string={"q": query})
        assert response.status_code == 200, query
        assert listed_names(response) == "", query
        assert "No candidate matches these filters." in text(response), query


def test_filter_by_stage(pages, world, make_case):
    make_case("spotted", full_name="Nguyễn Một")
    make_case("training", full_name="Nguyễn Hai")
    make_case("dossier", full_name="Nguyễn Ba")
    pages.login("sec_a1")
    shown = listed_names(pages.get("/candidates/?stage=training"))
    assert "Nguyễn Hai" in shown and "Nguyễn Một" not in shown and "Nguyễn Ba" not in shown
    # An unknown stage is ignored rather than failing.
    shown = listed_names(pages.get("/candidates/?stage=nonsense"))
    assert all(name in shown for name in ("Nguyễn Một", "Nguyễn Hai", "Nguyễn Ba"))


def test_filter_by_unit_takes_its_subtree(pages, world, one_case_per_branch):
    pages.login("board")
    shown = listed_names(pages.get(f"/candidates/?unit={world.commune_a.id}"))
    assert NAMES["branch_a1"] in shown and NAMES["branch_a2"] in shown
    assert NAMES["branch_b1"] not in shown and NAMES["branch_direct"] not in shown
    shown = listed_names(pages.get(f"/candidates/?unit={world.branch_b1.id}&stage=spotted"))
    assert shown.count("Chi bộ") == 1 and NAMES["branch_b1"] in shown


def test_a_unit_outside_scope_cannot_widen_the_list(pages, world, one_case_per_branch):
    pages.login("com_a")
    response = pages.get(f"/candidates/?unit={world.commune_b.id}")
    shown = listed_names(response)
    assert NAMES["branch_b1"] not in shown
    assert NAMES["branch_a1"] in shown  # the filter is ignored, the scope stays
    # The unit picker only finds the user's own subtree (tests/test_unit_picker.py).
    units = text(pages.get("/units/search?q=chi+bo"))
    assert "Chi bộ thôn A1" in units and "Chi bộ trường A2" in units and "B1" not in units


def test_the_list_shows_branch_stage_and_since(pages, world, make_case):
    make_case("training", full_name="Phùng Tấn Thắng")
    pages.login("sec_a1")
    shown = listed_names(pages.get("/candidates/"))
    assert "Phùng Tấn Thắng" in shown
    assert "15/03/1995" in shown  # date of birth, dd/mm/yyyy
    assert "Chi bộ thôn A1" in shown
    assert "Political training class" in shown
    assert "01/09/2021" in shown  # in that stage since the class began


def test_three_failed_recognition_votes_are_flagged(pages, world, make_case):
    """Three failed votes on recognition go to the higher committee (QĐ 24-QĐ/TW, point 4.2);
    failed admission votes are counted, not referred."""
    stuck = make_case("probation", full_name="Phùng Tấn Thắng")
    make_case(full_name="Lê Thị Hoa")
    db.session.execute(sql("UPDATE candidate SET failed_branch_votes = 3 WHERE id <> :id"), {"id": stuck.id})
    record_documents(world, stuck.id, "record_recognition_vote")
    for day in (date(2023, 2, 12), date(2023, 3, 6), date(2023, 4, 3)):
        record_act(stuck.id, "record_recognition_vote", world["sec_a1"], day,
                   {"members_total": 30, "members_present": 28, "votes_for": 10, "votes_against": 18})
    pages.login("sec_a1")
    response = pages.get("/candidates/")
    rows = section(response, "candidates").split("Lê Thị Hoa")
    flagged = [row for row in rows if "referred to the higher committee" in row]
    assert len(flagged) == 1 and "Phùng Tấn Thắng" in flagged[0]


def test_empty_list_says_what_to_do(pages, world):
    pages.login("sec_a1")
    response = pages.get("/candidates/")
    empty = section(response, "empty")
    assert "open a case" in empty and "Open the first case" in empty
    pages.login("board")
    empty = section(pages.get("/candidates/"), "empty")
    assert "Branch secretaries open the cases" in empty and "Open the first case" not in empty


def test_the_list_is_paginated(pages, world, make_case):
    for n in range(7):
        make_case(full_name=f"Nguyễn Văn {'ABCDEFG'[n]}")
    pages.login("sec_a1")
    first = pages.get("/candidates/?per_page=5")
    assert listed_names(first).count("Nguyễn Văn") == 5
    assert "page 1 of 2" in text(first)
    second = pages.get("/candidates/?per_page=5&page=2")
    assert listed_names(second).count("Nguyễn Văn") == 2
    assert "Nguyễn Văn G" in listed_names(second)
    assert pages.get("/candidates/?per_page=5&page=9").status_code == 404
    # A huge page size is capped.
    assert listed_names(pages.get("/candidates/?per_page=100000")).count("Nguyễn Văn") == 7


def test_the_list_runs_the_same_queries_for_3_and_30_cases(pages, world, make_case, count_statements):
    branches = [world.branch_a1, world.branch_a2, world.branch_b1, world.branch_direct]
    for n in range(3):
        make_case(branch=branches[n % 4], full_name=f"Nguyễn Văn Số {n}")
    pages.login("board")
    pages.get("/candidates/")  # warm up whatever is cached per process
    with count_statements() as few:
        response = pages.get("/candidates/")
    assert listed_names(response).count("Nguyễn Văn Số") == 3
    for n in range(3, 30):
        make_case(branch=branches[n % 4], full_name=f"Nguyễn Văn Số {n}")
    with count_statements() as many:
        response = pages.get("/candidates/")
    assert listed_names(response).count("Nguyễn Văn Số") == 30
    assert many.count == few.count
    assert few.count <= 5  # user, units for the filter, count, page
