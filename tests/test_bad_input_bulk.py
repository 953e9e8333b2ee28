"""The bulk acts' forms (pipeline/bulkacts) against bad input, as tests/test_bad_input.py does for
the ceremony day: random unicode, control characters, huge and negative numbers, dates out of
range, doubled fields, rows naming cases of other units or at other stages, units outside the
scope. Never a 500, a refusal says why and writes nothing, a success writes only its entries."""
import pytest
from hypothesis import strategies as st

from bad_input_support import dates, explore, flags, ids, integers, logged_in, mostly, pairs_of, submit, texts, \
    valid_pairs
from conftest import fresh

# The rows' field names as the page sends them: rows-N-<field>.
WAITING = "WAITING"  # in generated data: the case waiting now (once recorded, another comes)


def counts():
    return st.one_of(st.integers(-2, 40).map(str), integers)


def recorded(changes):
    """A success writes log entries (and their projections), nothing else watched."""
    return set(changes) == {"case_event"} and changes["case_event"] >= 1


def bulk_attempts(pages, make_case, stage, page, full_name):
    waiting = [make_case(stage, full_name=full_name).id]

    def attempt(example):
        unit_id, pairs = example
        pairs = [(name, str(waiting[0]) if value == WAITING else value) for name, value in pairs]
        outcome = submit(pages, "POST", f"/bulk/{unit_id}/{page}", pairs, recorded)
        if fresh(waiting[0]).stage != stage:
            waiting[0] = make_case(stage, full_name="Phan Văn Mới").id
        return outcome

    return attempt


def more_rows(others, fields):
    """Rows 1 and 2 beside the first: other cases, the waiting one again, odd values."""
    row = st.tuples(st.integers(1, 2), st.one_of(st.just(WAITING), ids(*others)), st.sampled_from(fields), texts)
    return mostly([], st.lists(row, max_size=3), share=5).map(
        lambda rows: [pair for index, case, field, value in rows
                      for pair in ((f"rows-{index}-case_id", case), (f"rows-{index}-chosen", "y"),
                                   (f"rows-{index}-{field}", value))])


@pytest.mark.parametrize("unit", ["commune_a", "branch_a1"])
def test_a_committee_review_of_several_cases(client, world, make_case, unit):
    pages = logged_in(client, "com_a")
    attempt = bulk_attempts(pages, make_case, "committee_review", "committee-review", "Lê Văn An")
    others = [make_case("committee_review", branch=world.branch_b1, full_name="Trần Văn Khác").id,
              make_case("decision", full_name="Ngô Văn Chưa").id]
    home = getattr(world, unit).id
    valid = {"effective_date": "2021-12-20", "committee_size": "15", "votes_for": "13", "votes_against": "0",
             "rows-0-case_id": WAITING, "rows-0-chosen": "y"}
    assert attempt((home, valid_pairs(valid))).changes == {"case_event": 1}
    bad = {"effective_date": dates, "committee_size": counts(), "votes_for": counts(), "votes_against": counts(),
           "rows-0-case_id": st.one_of(st.just(WAITING), ids(*others)), "rows-0-chosen": flags,
           "rows-0-votes_for": counts(), "rows-0-votes_against": counts(), "rows-0-resolution_number": texts,
           "rows-0-failure_confirmed": flags}
    which_unit = mostly(home, st.sampled_from([world.commune_b.id, world.town.id, world.branch_b1.id, 999999]))
    fields = ("votes_for", "votes_against", "resolution_number", "failure_confirmed")
    form = st.tuples(pairs_of(valid, bad), more_rows(others, fields)).map(lambda f: f[0] + f[1])
    explore(st.tuples(which_unit, form), attempt)


def test_admission_decisions_for_several_cases(client, world, make_case):
    pages = logged_in(client, "board")
    attempt = bulk_attempts(pages, make_case, "decision", "decision", "Lê Văn An")
    others = [make_case("committee_review", full_name="Ngô Văn Chưa").id]
    valid = {"effective_date": "2022-01-20", "issuing_unit_id": str(world.town.id), "received_on": "2022-01-25",
             "first_number": "123-QĐ/TU", "rows-0-case_id": WAITING, "rows-0-chosen": "y"}
    assert attempt((world.town.id, valid_pairs(valid))).changes == {"case_event": 1}
    bad = {"effective_date": dates, "received_on": dates, "first_number": texts,
           "issuing_unit_id": ids(world.town.id, world.commune_a.id, world.branch_a1.id),
           "committee_size": counts(), "votes_for": counts(), "votes_against": counts(),
           "rows-0-case_id": st.one_of(st.just(WAITING), ids(*others)), "rows-0-chosen": flags,
           "rows-0-decision_number": texts}
    which_unit = mostly(world.town.id, st.sampled_from([world.commune_a.id, world.branch_a1.id, 999999]))
    form = st.tuples(pairs_of(valid, bad), more_rows(others, ("decision_number",))).map(lambda f: f[0] + f[1])
    explore(st.tuples(which_unit, form), attempt)
