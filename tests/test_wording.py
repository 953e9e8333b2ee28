"""Vietnamese wording on the Điện Bàn 2022 demo (issue 15): what a Vietnamese reader of the case
pages noticed. One load of the demo per database."""
import re
from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale

from pages_support import pages  # noqa: F401  (a fixture)
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.cases.models import Case
from pipeline.extensions import db

SNAPSHOT = date(2022, 10, 31)


def vietnamese_page(app, pages, stage, path="/candidates/{}"):
    app.config["TODAY"] = SNAPSHOT
    pages.post("/login?lang=vi", data={"username": "btc", "password": "demo"}, follow_redirects=True)
    case = db.session.execute(sa.select(Case).where(Case.stage == stage).order_by(Case.id).limit(1)).scalar_one()
    return pages.get(path.format(case.id)).get_data(as_text=True)


def timeline_entries(page):
    return re.findall(r'<li class="timeline-entry[^"]*" data-event="(\w+)"[^>]*>(.*?)</li>', page, re.S)


def test_members_are_not_listed_under_candidates(app, demo, pages):
    for stage in ("probation", "official"):
        page = vietnamese_page(app, pages, stage)
        crumbs = re.search(r'<ol class="breadcrumb">(.*?)</ol>', page, re.S).group(1)
        assert "Quần chúng" not in crumbs and ">Hồ sơ</a>" in crumbs, stage
    listing = pages.get("/candidates/").get_data(as_text=True)
    assert re.search(r'<h1[^>]*>Hồ sơ</h1>', listing)


def test_a_document_record_does_not_say_the_case_moved(app, demo, pages):
    entries = timeline_entries(vietnamese_page(app, pages, "probation"))
    documents = [body for event, body in entries if event == "record_document"]
    assert documents and not any("chuyển sang" in body for body in documents)
    moves = [body for event, body in entries if event == "hold_ceremony"]
    assert moves and "chuyển sang" in moves[0] and "Đảng viên dự bị" in moves[0]  # a real move still says so


def test_a_received_documents_date_is_set_apart_from_its_name(app, demo, pages):
    page = vietnamese_page(app, pages, "probation")
    checklist = re.search(r'id="dossier-checklist"(.*?)</section>', page, re.S).group(1)
    dated = re.findall(r'(.)<span class="text-body-secondary">· \d\d/\d\d/\d{4}</span>', checklist)
    assert dated and all(before.isspace() for before in dated)


def test_a_class_named_lop_is_not_called_lop_lop(app, demo, pages):
    """The demo's classes are named "Lớp bồi dưỡng…"; the reasons on a case in training say the name."""
    page = vietnamese_page(app, pages, "training")
    assert "Lớp bồi dưỡng nhận thức về Đảng khóa" in page
    assert not re.search(r"lớp Lớp", page, re.I)


def test_the_vote_count_message_says_who_may_vote(app):
    with force_locale("vi"):
        message = str(_l("%(votes)d votes cast but only %(present)d could vote.", votes=28, present=27))
    assert "người được biểu quyết" not in message and "27 người có quyền biểu quyết" in message


def test_a_decision_names_the_standing_committee_that_issues_it(app, demo, pages):
    """The decision form offers "Ban Thường vụ Thị ủy Điện Bàn", the body that decides, not the
    organisation "Đảng bộ thị xã Điện Bàn"; its history entry reads the same."""
    form = vietnamese_page(app, pages, "decision", "/candidates/{}/act/record_decision")
    choice = re.search(r'<select[^>]*id="issuing_unit_id".*?</select>', form, re.S).group(0)
    assert "Ban Thường vụ Thị ủy Điện Bàn" in choice and "Đảng bộ thị xã" not in choice
    history = vietnamese_page(app, pages, "ceremony")
    decided = [body for event, body in timeline_entries(history) if event == "record_decision"]
    assert decided and "Ban Thường vụ Thị ủy Điện Bàn" in decided[0]


def test_committee_names_follow_the_level():
    from pipeline.units.naming import committee_name
    assert [committee_name(name) for name in ("Đảng bộ thị xã Điện Bàn", "Đảng bộ xã Điện Hòa", "Đảng bộ tỉnh Quảng Nam",
                                               "Đảng bộ huyện Duy Xuyên", "Chi bộ thôn 1")] == [
        "Thị ủy Điện Bàn", "Đảng ủy xã Điện Hòa", "Tỉnh ủy Quảng Nam", "Huyện ủy Duy Xuyên", "Chi bộ thôn 1"]


def test_in_english_each_citation_and_form_title_has_its_gloss(app, demo, pages):
    """The official Vietnamese stays; in English its gloss stands beside it. In Vietnamese, none."""
    app.config["TODAY"] = SNAPSHOT
    pages.post("/login?lang=en", data={"username": "btc", "password": "demo"}, follow_redirects=True)
    rules = pages.get("/process").get_data(as_text=True)
    assert "Quy định 24-QĐ/TW" in rules and "(Regulation 24-QĐ/TW of the Central Committee" in rules
    assert "(the Party Statute, Article 4" in rules
    case = db.session.execute(sa.select(Case).where(Case.stage == "dossier").order_by(Case.id).limit(1)).scalar_one()
    page = pages.get(f"/candidates/{case.id}").get_data(as_text=True)
    assert "Đơn xin vào Đảng" in page and 'class="text-body-secondary form-gloss">(Application' in page
    pages.post("/language", data={"lang": "vi"})
    rules = pages.get("/process").get_data(as_text=True)
    assert "Quy định 24-QĐ/TW" in rules and "Regulation 24-QĐ/TW" not in rules
