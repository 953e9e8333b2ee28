"""Opening a case: who may, where, and what the form refuses."""
import unicodedata
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from pages_support import (TOMORROW, case_count, field_errors, log_rows, pages,  # noqa: F401
                           section, text, with_tomorrow)
from pipeline.cases.models import Case
from pipeline.extensions import db

GOOD = {"full_name": "Phùng Tấn Thắng", "date_of_birth": "1998-05-20", "sex": "male", "ethnicity": "Kinh",
        "education": "upper_secondary", "occupation": "Phó Bí thư chi đoàn thôn", "residence": "Khối phố Tân Khai",
        "youth_union_member": "y", "source_organisation": "youth_union", "helper_member": "Lê Văn Giúp",
        "effective_date": "2022-03-01"}


def only_case():
    db.session.expire_all()
    return db.session.execute(select(Case)).scalar_one()


def test_a_secretary_opens_a_case_in_her_branch(pages, world):
    pages.login("sec_a1")
    form = pages.get("/candidates/new")
    assert form.status_code == 200
    assert "Chi bộ thôn A1" in text(form)
    assert 'name="branch_id"' not in form.get_data(as_text=True)
    response = pages.post("/candidates/new", data=GOOD)
    assert response.status_code == 302
    case = only_case()
    assert response.headers["Location"] == f"/candidates/{case.id}"
    assert (case.branch_id, case.stage, case.stage_entered_on) == (world.branch_a1.id, "spotted", date(2022, 3, 1))
    assert case.youth_union_member is True and case.helper_member == "Lê Văn Giúp"
    assert log_rows(case.id) == 1
    page = pages.get(f"/candidates/{case.id}")
    assert "Case opened for Phùng Tấn Thắng." in text(page)
    assert "Spotted as a candidate" in section(page, "timeline")


def test_a_branch_id_sent_by_a_secretary_is_ignored(pages, world):
    pages.login("sec_a1")
    response = pages.post("/candidates/new", data=dict(GOOD, branch_id=str(world.branch_b1.id)))
    assert response.status_code == 302
    assert only_case().branch_id == world.branch_a1.id


def test_a_committee_chooses_one_of_its_branches(pages, world):
    pages.login("com_a")
    form = pages.get("/candidates/new")
    choices = section(form, "branch_id")
    assert "Chi bộ thôn A1" in choices and "Chi bộ trường A2" in choices
    assert "B1" not in choices and "Công an" not in choices and "Đảng bộ xã A" not in choices
    response = pages.post("/candidates/new", data=dict(GOOD, branch_id=str(world.branch_a2.id)))
    assert response.status_code == 302
    assert only_case().branch_id == world.branch_a2.id


def test_a_committee_cannot_open_a_case_outside_its_branches(pages, world):
    pages.login("com_a")
    for branch, error in [("branch_b1", "Not a valid choice."), ("commune_a", "Not a valid choice."),
                          ("town", "Not a valid choice."), ("0", "Choose the branch."), (None, "Choose the branch.")]:
        data = dict(GOOD, branch_id=str(getattr(world, branch).id if branch != "0" else 0)) if branch else GOOD
        response = pages.post("/candidates/new", data=data)
        assert response.status_code == 422, branch
        assert field_errors(response, "branch_id") == error, branch
    assert case_count() == 0 and log_rows() == 0


@pytest.mark.parametrize("username", ["board", "admin"])
def test_board_and_admin_do_not_open_cases(pages, world, username):
    pages.login(username)
    assert pages.get("/candidates/new").status_code == 403
    assert pages.post("/candidates/new", data=GOOD).status_code == 403
    assert case_count() == 0
    assert "New candidate" not in text(pages.get("/candidates/"))


def _years_ago(years, days=0):
    return (date(2022, 3, 1) - relativedelta(years=years) + timedelta(days=days)).isoformat()


BAD = [
    ("nothing", {}, {"full_name": "This field is required.", "date_of_birth": "This field is required.",
                     "sex": "This field is required.", "education": "This field is required.",
                     "source_organisation": "This field is required.",
                     "effective_date": "This field is required."}),
    ("blank name", {"full_name": "   "}, {"full_name": "This field is required."}),
    ("10,000-character name", {"full_name": "Nguyễn " * 1500}, {"full_name": "cannot be longer than 200"}),
    ("control character in the name", {"full_name": "Phùng\x00 Tấn Thắng"}, {"full_name": "control characters"}),
    ("right-to-left override in the name", {"full_name": "Phùng \u202eTấn"}, {"full_name": "control characters"}),
    ("digits in the name", {"full_name": "Nguyễn Văn 3"}, {"full_name": "letters, spaces"}),
    ("markup in the name", {"full_name": "<script>alert(1)</script>"}, {"full_name": "letters, spaces"}),
    ("punctuation only", {"full_name": "'-."}, {"full_name": "needs letters"}),
    ("letters in the date of birth", {"date_of_birth": "hai mươi tuổi"}, {"date_of_birth": "Not a valid date"}),
    ("15 years old", {"date_of_birth": _years_ago(16, days=1)}, {"date_of_birth": "15 years old"}),
    ("101 years old", {"date_of_birth": _years_ago(101)}, {"date_of_birth": "101 years old"}),
    ("born after spotted", {"date_of_birth": "2022-03-02"}, {"date_of_birth": "before the date spotted"}),
    ("spotted in the future", {"effective_date": TOMORROW},
     {"effective_date": "in the future"}),
    ("unknown sex", {"sex": "other"}, {"sex": "Not a valid choice"}),
    ("unknown education", {"education": "phd"}, {"education": "Not a valid choice"}),
    ("unknown source", {"source_organisation": "party"}, {"source_organisation": "Not a valid choice"}),
    ("long residence", {"residence": "x" * 301}, {"residence": "cannot be longer than 300"}),
    ("control character in the occupation", {"occupation": "Nông\x07dân"}, {"occupation": "control characters"}),
]


def test_bad_input_re_renders_the_form_with_errors_and_writes_nothing(pages, world):
    pages.login("sec_a1")
    for name, change, expected in BAD:
        data = {} if not change else dict(GOOD, **with_tomorrow(change))
        response = pages.post("/candidates/new", data=data)
        assert response.status_code == 422, name
        assert "Please correct the fields marked below." in text(response), name
        for field, error in expected.items():
            assert error in field_errors(response, field), (name, field, field_errors(response, field))
        assert case_count() == 0 and log_rows() == 0, name
        # What was typed is kept.
        if data and "full_name" not in change:
            assert 'value="Phùng Tấn Thắng"' in response.get_data(as_text=True), name


def test_the_age_limits_are_inclusive(pages, world):
    pages.login("sec_a1")
    assert pages.post("/candidates/new", data=dict(GOOD, date_of_birth=_years_ago(16))).status_code == 302
    assert pages.post("/candidates/new", data=dict(GOOD, date_of_birth=_years_ago(100))).status_code == 302
    assert case_count() == 2


def test_a_name_typed_nfd_is_stored_nfc_and_found(pages, world):
    pages.login("sec_a1")
    typed = unicodedata.normalize("NFD", "  Phùng Tấn Thắng ")
    assert pages.post("/candidates/new", data=dict(GOOD, full_name=typed)).status_code == 302
    case = only_case()
    assert case.full_name == "Phùng Tấn Thắng" and case.name_folded == "phung tan thang"
    assert "Phùng Tấn Thắng" in section(pages.get("/candidates/?q=thang"), "candidates")


def test_minority_names_with_apostrophes_are_accepted(pages, world):
    pages.login("sec_a1")
    response = pages.post("/candidates/new", data=dict(GOOD, full_name="H'Hen Niê", ethnicity="Ê Đê"))
    assert response.status_code == 302
    assert only_case().full_name == "H'Hen Niê"
