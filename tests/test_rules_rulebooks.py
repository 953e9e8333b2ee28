"""Rulebooks are dated data (DOMAIN.md §3): the one in force on an act's date judges it, every
value has a citation, and figures from secondary sources are marked unconfirmed."""
from datetime import date
from fractions import Fraction

from pipeline.base import clock
import pytest

from conftest import FORWARD_ACTS, record_training_result, with_ids
from pipeline.rules import rulebook as rulebook_module
from pipeline.rules.rulebook import NoRulebook, load_rulebooks, rulebook_on
from pipeline.training.operations import create_class
from pipeline.workflow.definition import MOVES
from pipeline.base.errors import ActBlocked
from pipeline.workflow.log import load_log
from pipeline.workflow.operations import record_act

pytestmark = pytest.mark.usefixtures("english")


# --- which rulebook is in force -----------------------------------------------------------------

@pytest.mark.parametrize("day, code", [
    (date(2016, 7, 25), "2016"),
    (date(2019, 1, 1), "2016"),
    (date(2021, 7, 29), "2016"),
    (date(2021, 7, 30), "2021"),
    (date(2022, 10, 8), "2021"),
    (date(2025, 1, 19), "2021"),
    (date(2025, 1, 20), "2025-01"),
    (date(2025, 3, 1), "2025-01"),
    (date(2025, 6, 30), "2025-01"),
    (date(2025, 7, 1), "2025-07"),
    (date(2026, 11, 25), "2025-07"),
    (date(2030, 1, 1), "2025-07"),
])
def test_the_rulebook_in_force_on_a_date(day, code):
    assert rulebook_on(day).code == code


@pytest.mark.parametrize("day", [date(2016, 7, 24), date(2010, 1, 1)])
def test_no_rulebook_before_the_2016_rules(day):
    with pytest.raises(NoRulebook):
        rulebook_on(day)


def test_each_rulebook_ends_where_the_next_begins():
    books = load_rulebooks()
    for book, following in zip(books, books[1:]):
        assert book.effective_to == following.effective_from
    assert books[-1].effective_to is None


# --- the values of DOMAIN.md §3 -------------------------------------------------------------------

DOMAIN_VALUES = {
    "min_age_months": 18 * 12,
    "max_age_months": 60 * 12,
    "min_education": "lower_secondary",
    "introducers_required": 2,
    "introducers_required_youth_path": 1,
    "introducer_known_months": 12,
    "branch_vote_fraction": Fraction(2, 3),
    "committee_vote_fraction": Fraction(2, 3),
    "decision_working_days": 60,
    "decision_extension_working_days": 30,
    "ceremony_working_days": 30,
    "probation_months": 12,
    "recognition_review_working_days": 30,
    "recognition_decision_working_days": 30,
    "certificate_validity_months": 60,
    "dossier_staleness_months": 12,
}
UNCONFIRMED = {"certificate_validity_months", "dossier_staleness_months"}


@pytest.mark.parametrize("book", load_rulebooks(), ids=lambda b: b.code)
def test_every_rule_of_the_domain_is_in_each_rulebook_with_its_citation(book):
    missing = set(DOMAIN_VALUES) - set(book.values)
    assert not missing
    for name, expected in DOMAIN_VALUES.items():
        got = book.fraction(name) if isinstance(expected, Fraction) else book[name]
        assert got == expected, name
        assert len(book.citation(name).strip()) > 10, name


@pytest.mark.parametrize("book", load_rulebooks(), ids=lambda b: b.code)
def test_figures_from_secondary_sources_are_marked_unconfirmed(book):
    unconfirmed = {name for name, value in book.values.items() if not value.confirmed}
    assert unconfirmed & set(DOMAIN_VALUES) == UNCONFIRMED


@pytest.mark.parametrize("book", load_rulebooks(), ids=lambda b: b.code)
def test_each_rulebook_names_its_regulations(book):
    assert book.title and book.sources
    assert all(source.strip() for source in book.sources)


# --- judging each act by the rulebook of its date ---------------------------------------------------

def test_an_act_before_the_2021_rules_is_judged_by_the_2016_rulebook(world, make_case):
    case = make_case("spotted")  # spotted on 01/06/2021, before the 2021 rules took effect
    act_name, _who, _day, data = FORWARD_ACTS["spotted"]
    data = with_ids(world, act_name, data)
    record_act(case.id, act_name, world["sec_a1"], date(2021, 7, 29), data)
    assert load_log(case.id)[-1].data["rulebook"] == "2016"
    # (an act before any rulebook: tests/test_rules_texts.py)


def test_every_act_records_the_rulebook_it_was_judged_by(world, make_case):
    case = make_case("official")
    events = load_log(case.id)
    acts = [row for row in events if row.from_stage is not None and row.act != "record_document"]
    assert len(acts) == 10  # 8 that move the case, 2 recognition votes within probation
    assert {row.data["rulebook"] for row in acts} == {"2021"}
    # Documents name the rulebook whose checklist they were recorded against (the one in force
    # when they were entered: today, in this test).
    documents = [row for row in events if row.act == "record_document"]
    assert len(documents) == 10  # 6 for the admission, 4 for the recognition
    assert {row.data["rulebook"] for row in documents} == {rulebook_on(clock.today()).code}


@pytest.mark.parametrize("days, codes", [
    ((date(2025, 3, 1), date(2025, 6, 30)), ["2025-01", "2025-01"]),
    ((date(2025, 6, 30), date(2025, 7, 1)), ["2025-01", "2025-07"]),
    ((date(2024, 12, 31), date(2025, 7, 2)), ["2021", "2025-07"]),
])
def test_acts_across_a_change_of_rules_record_each_its_own(world, make_case, days, codes):
    case = make_case("spotted")
    training_class = create_class(world["board"], world.town, "Lớp bồi dưỡng", days[0], days[0])
    record_act(case.id, "enrol_training", world["sec_a1"], days[0], {"class_id": training_class.id})
    record_training_result(world, case.id, day=days[0])  # a fact: judged by no rulebook
    record_act(case.id, "complete_training", world["sec_a1"], days[1], {"certificate_number": "CN-9"})
    assert [row.data["rulebook"] for row in load_log(case.id)[1:] if row.act in {act.name for act in MOVES}] == codes


@pytest.fixture
def rulebook_raising_the_age_in_2022(tmp_path, monkeypatch):
    """The shipped rulebooks, plus a hypothetical one from 01/01/2022 that only raises the minimum
    age to 20: everything else it inherits."""
    with open(rulebook_module.RULEBOOKS_FILE, encoding="utf-8") as fh:
        shipped = fh.read()
    path = tmp_path / "rulebooks.toml"
    path.write_text(shipped + """
[[rulebook]]
code = "test-2022"
title = "Thử nghiệm"
effective_from = 2022-01-01
sources = ["Thử nghiệm"]
inherits = "2021"

  [rulebook.values]
  min_age_months = { value = 240, citation = "Thử nghiệm: đủ 20 tuổi" }
""", encoding="utf-8")
    monkeypatch.setattr(rulebook_module, "RULEBOOKS_FILE", str(path))
    load_rulebooks.cache_clear()
    yield
    load_rulebooks.cache_clear()


def test_a_changed_rule_applies_from_its_date_only(rulebook_raising_the_age_in_2022, world, make_case):
    book = rulebook_on(date(2022, 6, 1))
    assert book.code == "test-2022"
    assert book["min_age_months"] == 240
    assert book["branch_vote_fraction"] == "2/3"
    assert book.citation("probation_months") == rulebook_on(date(2021, 12, 1)).citation("probation_months")

    act_name, _who, _day, data = FORWARD_ACTS["branch_vote"]
    young = make_case("branch_vote", date_of_birth=date(2002, 6, 1))  # 19 and a half at the vote
    record_act(young.id, act_name, world["sec_a1"], date(2021, 12, 31), data)
    assert load_log(young.id)[-1].to_stage == "committee_review"

    later = make_case("branch_vote", date_of_birth=date(2002, 6, 1), full_name="Lê Văn Sau")
    with pytest.raises(ActBlocked) as blocked:
        record_act(later.id, act_name, world["sec_a1"], date(2022, 1, 1), data)
    assert any("needs 20 full years" in str(r) for r in blocked.value.reasons)
