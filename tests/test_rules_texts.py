"""The rules as the texts say (issue 14), each at its edges, table-driven:
- acts dated before 30/07/2021 are judged by QĐ 29-QĐ/TW and HD 01-HD/TW (2016); none before 25/07/2016;
- each value cites the text in force on the act's date (QĐ 232 from 20/01/2025, QĐ 294 and HD 06 from 01/07/2025);
- three failed votes on RECOGNITION (the branch's, the committee's) go to the higher committee (QĐ, point 4.2);
- the Youth Union path only in the youth age (16-30): outside it, two introducers;
- over 60 at the branch meeting, the written consent is needed before the DECISION (HD 01, point 1.1);
- a grassroots committee given the power to decide decides as the full committee (2/3 of its members);
- the unconfirmed figures are said once, on the process page's rules, not on every case page."""
from datetime import date

import pytest

from conftest import ACTS_WITHIN, FORWARD_ACTS, fresh, record_documents, with_ids
from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.base.errors import ActBlocked
from pipeline.extensions import db
from pipeline.rules.rulebook import NoRulebook, load_rulebooks, rulebook_on
from pipeline.transaction import one_transaction
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow import operations
from pipeline.workflow.checklist import checklist_for, line_for
from pipeline.workflow.log import load_log
from pipeline.workflow.operations import record_act
from pipeline.workflow.replay import replay

pytestmark = pytest.mark.usefixtures("english")


def reasons_of(case_id, act_name, user, day, data):
    with pytest.raises(ActBlocked) as blocked:
        record_act(case_id, act_name, user, day, data)
    return [str(r) for r in blocked.value.reasons]


# --- 1. the 2016 rulebook ------------------------------------------------------------------------

@pytest.mark.parametrize("day, code", [
    (date(2016, 7, 25), "2016"), (date(2021, 7, 29), "2016"), (date(2021, 7, 30), "2021"),
    (date(2025, 1, 19), "2021"), (date(2025, 1, 20), "2025-01"), (date(2025, 6, 30), "2025-01"),
    (date(2025, 7, 1), "2025-07"),
])
def test_the_book_in_force_at_each_edge(day, code):
    assert rulebook_on(day).code == code


def test_nothing_before_the_2016_rules():
    with pytest.raises(NoRulebook):
        rulebook_on(date(2016, 7, 24))


def particulars(**changes):
    return dict(dict(full_name="Trần Văn Cũ", date_of_birth=date(1990, 5, 1), sex="male", ethnicity="Kinh",
                     education="upper_secondary", occupation="Nông dân", residence="Thôn 1",
                     youth_union_member=False, source_organisation="youth_union", helper_member="Lê Văn Giúp"),
                **changes)


@pytest.mark.parametrize("day, blocked, book", [
    (date(2016, 7, 24), True, None),
    (date(2016, 7, 25), False, "2016"),
    (date(2021, 7, 29), False, "2016"),
])
def test_an_older_case_is_judged_by_the_2016_rules(world, day, blocked, book):
    with one_transaction():
        held = operations.open_case(world["sec_a1"], world.branch_a1, date(2016, 1, 4), particulars(),
                                    calendar=WorkingCalendar.load())
    data = with_ids(world, "enrol_training", {})
    if blocked:
        assert any("No rulebook covers 24/07/2016" in r
                   for r in reasons_of(held.case.id, "enrol_training", world["sec_a1"], day, data))
        return
    record_act(held.case.id, "enrol_training", world["sec_a1"], day, data)
    assert load_log(held.case.id)[-1].data["rulebook"] == book


def test_the_2016_book_has_its_own_texts_and_the_same_dossier():
    older, newer = load_rulebooks()[:2]
    assert (older.code, older.effective_to, newer.code) == ("2016", date(2021, 7, 30), "2021")
    assert set(older.values) == set(newer.values)
    assert [d.key for d in older.documents] == [d.key for d in newer.documents]
    assert "hoặc tương đương" in older.citation("min_education")  # QĐ 29: "or equivalent"; QĐ 24 dropped it
    assert "hoặc tương đương" not in newer.citation("min_education")
    assert all("Quy định 24-QĐ/TW" not in v.citation for v in older.values.values())
    assert all("Quy định 24-QĐ/TW" not in d.citation for d in older.documents)


# --- 5. each value cites the text in force on the day -------------------------------------------

REGULATED = ("min_age_months", "max_age_months", "min_education", "introducer_known_months",
             "decision_working_days", "ceremony_working_days", "recognition_review_working_days",
             "recognition_decision_working_days", "failed_votes_before_referral")


@pytest.mark.parametrize("day, regulation, other", [
    (date(2021, 7, 29), "Quy định 29-QĐ/TW", "Quy định 24-QĐ/TW"),
    (date(2021, 7, 30), "Quy định 24-QĐ/TW", "Quy định 29-QĐ/TW"),
    (date(2025, 1, 19), "Quy định 24-QĐ/TW", "Quy định 232-QĐ/TW"),
    (date(2025, 1, 20), "Quy định 232-QĐ/TW", "Quy định 24-QĐ/TW"),
    (date(2025, 6, 30), "Quy định 232-QĐ/TW", "Quy định 294-QĐ/TW"),
    (date(2025, 7, 1), "Quy định 294-QĐ/TW", "Quy định 232-QĐ/TW"),
])
def test_each_value_cites_the_regulation_in_force(day, regulation, other):
    book = rulebook_on(day)
    for name in REGULATED:
        assert regulation in book.citation(name) and other not in book.citation(name), name
    assert any(regulation in d.citation for d in book.documents)


@pytest.mark.parametrize("day, guidance", [
    (date(2021, 7, 29), "Hướng dẫn 01-HD/TW (20/9/2016)"),
    (date(2021, 7, 30), "Hướng dẫn 01-HD/TW (28/9/2021)"),
    (date(2025, 6, 30), "Hướng dẫn 01-HD/TW (28/9/2021)"),
    (date(2025, 7, 1), "Hướng dẫn 06-HD/TW (9/6/2025)"),
])
def test_the_over_60_consent_cites_the_guidance_in_force(day, guidance):
    citation = rulebook_on(day).citation("max_age_months")
    assert guidance in citation and "trực thuộc Trung ương" in citation and "trước khi" in citation
    assert "tỉnh ủy" not in citation


@pytest.mark.parametrize("book", load_rulebooks(), ids=lambda b: b.code)
def test_no_value_cites_the_domain_notes_and_each_book_dates_its_texts(book):
    assert all("DOMAIN.md" not in v.citation for name, v in book.values.items()
               if name not in ("admission_count_basis",))  # a report setting, not a regulation
    assert any(str(book.effective_from.year) in s for s in book.sources)


# --- 2. three failed votes: on recognition, not on admission ---------------------------------------

RECOGNITION_DAYS = [date(2023, 2, 12), date(2023, 3, 6), date(2023, 4, 3)]


@pytest.mark.parametrize("act_name, who, failing", [
    ("record_recognition_vote", "sec_a1", {"members_total": 30, "members_present": 28, "votes_for": 19,
                                           "votes_against": 9}),
    ("record_recognition_review", "com_a", {"committee_size": 15, "votes_for": 9, "votes_against": 6}),
])
def test_the_third_failed_vote_on_recognition_goes_to_the_higher_committee(world, make_case, act_name, who,
                                                                            failing):
    case = make_case("probation")
    record_documents(world, case.id, "record_recognition_vote")
    if act_name == "record_recognition_review":  # the committee reviews after the branch voted for
        _, _, day, data = ACTS_WITHIN["probation"][0]
        record_act(case.id, "record_recognition_vote", world["sec_a1"], day, data)
    rows = [record_act(case.id, act_name, world[who], day, failing) for day in RECOGNITION_DAYS]
    assert [r.data["passed"] for r in rows] == [False, False, False]
    assert [bool(r.data.get("referred_to_higher_committee")) for r in rows] == [False, False, True]
    assert fresh(case.id).stage == "probation"


# --- 3. the Youth Union path within the youth age ---------------------------------------------------

@pytest.mark.parametrize("born, youth_member, on, path_needs", [
    (date(2000, 3, 15), True, date(2021, 11, 1), ("4-KNĐ", 1)),    # 21
    (date(1990, 11, 2), True, date(2021, 11, 1), ("4-KNĐ", 1)),    # 30 years 11 months: still 30
    (date(1990, 11, 1), True, date(2021, 11, 1), (None, 2)),       # 31 on the day
    (date(1976, 5, 1), True, date(2021, 11, 1), (None, 2)),        # 45
    (date(2000, 3, 15), False, date(2021, 11, 1), (None, 2)),      # not a Youth Union member
])
def test_the_youth_union_path_only_in_the_youth_age(world, make_case, born, youth_member, on, path_needs):
    case = make_case("dossier", date_of_birth=born, youth_union_member=youth_member)
    lines = checklist_for(fresh(case.id), replay(load_log(case.id)), on)
    resolution, introducers = path_needs
    youth_resolution = line_for(lines, "4-KNĐ")
    assert bool(youth_resolution and youth_resolution.required) == (resolution is not None)
    assert sum(1 for line in lines if line.code == "3-KNĐ" and line.required) == introducers


def test_a_45_year_old_youth_member_needs_a_second_introducer(world, make_case, app):
    app.config["TODAY"] = date(2021, 11, 1)  # the dossier page records by the day's checklist
    case = make_case("dossier", date_of_birth=date(1976, 5, 1), youth_union_member=True)
    record_documents(world, case.id, "complete_dossier", skip=("3-KNĐ:2",))
    reasons = reasons_of(case.id, "complete_dossier", world["sec_a1"], date(2021, 11, 1), {})
    assert any(r.startswith("3-KNĐ") and "(2)" in r for r in reasons)
    record_documents(world, case.id, "complete_dossier")
    record_act(case.id, "complete_dossier", world["sec_a1"], date(2021, 11, 1), {})
    assert fresh(case.id).stage == "branch_vote"


# --- 4. over 60: the consent before the decision ------------------------------------------------

CONSENT = "Công văn 15-CV/TU ngày 10/01/2022 của Ban Thường vụ Tỉnh ủy"


@pytest.mark.parametrize("born, at_vote, at_decision, blocked", [
    (date(1961, 12, 1), "", "", False),            # exactly 60 on the branch meeting day: no consent
    (date(1961, 11, 1), "", "", True),             # 60 years 1 month: the decision waits for it
    (date(1961, 11, 1), "", CONSENT, False),       # given with the decision
    (date(1955, 5, 10), CONSENT, "", False),       # already recorded at the branch vote
])
def test_over_60_the_consent_is_needed_before_the_decision(world, make_case, born, at_vote, at_decision, blocked):
    case = make_case("branch_vote", date_of_birth=born)
    _, _, day, data = FORWARD_ACTS["branch_vote"]
    record_act(case.id, "record_branch_vote", world["sec_a1"], day, dict(data, over_age_consent=at_vote))
    _, _, day, data = FORWARD_ACTS["committee_review"]
    record_act(case.id, "record_committee_review", world["com_a"], day, data)
    _, _, day, data = FORWARD_ACTS["decision"]
    data = dict(data, over_age_consent=at_decision)
    if blocked:
        reasons = reasons_of(case.id, "record_decision", world["board"], day, data)
        assert any("60 years 1 months" in r and "directly under the Central Committee" in r for r in reasons)
        assert fresh(case.id).stage == "decision"
    else:
        record_act(case.id, "record_decision", world["board"], day, data)
        assert fresh(case.id).stage == "ceremony"


# --- 6. a grassroots committee decides as the full committee ---------------------------------------

@pytest.mark.parametrize("size, votes_for, blocked, needed", [
    (15, 10, False, 10),
    (15, 9, True, 10),
    (None, None, True, None),
])
def test_a_grassroots_committee_decides_with_two_thirds_of_its_members(world, make_case, size, votes_for,
                                                                         blocked, needed):
    world.commune_a.decides_admissions = True
    db.session.commit()
    case = make_case("decision")
    _, _, day, data = FORWARD_ACTS["decision"]
    data = dict(data, issuing_unit_id=world.commune_a.id, decision_number="03-QĐ/ĐU",
                committee_size=size, votes_for=votes_for, votes_against=0 if size else None)
    if blocked:
        reasons = reasons_of(case.id, "record_decision", world["com_a"], day, data)
        assert any("committee" in r for r in reasons)
        assert fresh(case.id).stage == "decision"
    else:
        row = record_act(case.id, "record_decision", world["com_a"], day, data)
        assert (row.data["votes_needed"], fresh(case.id).stage) == (needed, "ceremony")


def test_the_boards_decision_needs_no_vote(world, make_case):
    case = make_case("decision")
    _, _, day, data = FORWARD_ACTS["decision"]
    row = record_act(case.id, "record_decision", world["board"], day,
                     dict(data, issuing_unit_id=world.town.id))
    assert "votes_needed" not in row.data and fresh(case.id).stage == "ceremony"


# --- 7. the rules page ------------------------------------------------------------------------------

CAVEAT = "secondary sources (unconfirmed)"


def test_the_rules_page_shows_each_book_its_dates_and_each_value_with_its_citation(pages, world):
    pages.login("sec_a1")
    response = pages.get("/process")
    rules = section(response, "rules")  # the heading
    assert rules
    page = text(response)
    for book in load_rulebooks():
        assert book.title in page
        for rule in book.values.values():
            assert rule.citation in page
    assert "In force from 25/07/2016 to 29/07/2021" in page
    assert "In force from 20/01/2025 to 30/06/2025" in page
    assert "In force from 01/07/2025." in page
    assert page.count(CAVEAT) == 1


def test_the_case_page_does_not_repeat_the_caveat(pages, world, make_case):
    case = make_case("branch_vote")  # its certificate's deadline counts an unconfirmed figure
    pages.login("sec_a1")
    response = pages.get(f"/candidates/{case.id}")
    assert "Due: 14/09/2026" in section(response, "deadlines")
    page = text(response)
    assert "unconfirmed" not in page and "chưa xác nhận" not in page and CAVEAT not in page


@pytest.mark.parametrize("kind, day, full_committee", [
    ("commune", date(2025, 6, 30), True),   # a grassroots committee given the power: the full committee
    ("commune", date(2025, 7, 1), False),   # QĐ 294: the commune level's standing committee decides
    ("ward", date(2025, 7, 1), False),
    ("committee", date(2025, 7, 1), True),  # a grassroots committee of an agency or enterprise
    ("town", date(2022, 1, 20), False),
])
def test_who_decides_as_the_full_committee_follows_the_texts_of_the_day(app, kind, day, full_committee):
    from types import SimpleNamespace
    from pipeline.workflow.guards import ActContext, decided_by_full_committee
    unit = SimpleNamespace(kind=kind)
    ctx = ActContext(None, None, day, data={"issuing_unit_id": 1})
    ctx.remember("issuing_unit", lambda: unit)
    assert decided_by_full_committee(ctx) is full_committee
