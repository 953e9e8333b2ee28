"""The transitions Machine is built once and binds a case's state only while acting on it: after
any act, applied or refused, it holds no models and neither the case nor its state carries trigger
methods. The guards are asked once per act. A failure in the middle of an act leaves nothing
behind in the database either."""
from datetime import date

from dataclasses import replace

import pytest
import transitions

from conftest import FORWARD_ACTS, record_documents, record_training_result, with_ids
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.workflow import definition, operations
from pipeline.workflow import replay as replay_module
from pipeline.workflow.definition import ACTS, BOUND_NAMES, MACHINE
from pipeline.base.errors import ActBlocked, CaseChanged, NotPermitted
from pipeline.workflow.operations import record_act
from pipeline.workflow.stages import STAGE_NAMES
from conftest import count_events

pytestmark = pytest.mark.usefixtures("english")

# Every name transitions puts on a bound model, computed independently of definition.BOUND_NAMES.
TRIGGER_NAMES = ({"trigger", "may_trigger"} | {a.name for a in ACTS} | {f"may_{a.name}" for a in ACTS}
                 | {f"is_stage_{s}" for s in STAGE_NAMES} | {f"to_{s}" for s in STAGE_NAMES})


def assert_unbound(case):
    assert MACHINE.models == []
    leftovers = set(vars(case)) - {"_sa_instance_state"} - set(Case.__mapper__.attrs.keys())
    assert leftovers == set()
    assert not [name for name in TRIGGER_NAMES if hasattr(case, name)]


def test_one_machine_without_automatic_transitions():
    assert isinstance(MACHINE, transitions.Machine)
    assert MACHINE.models == []
    assert set(MACHINE.states) == set(STAGE_NAMES)
    # One event per act recorded in a stage (the spotting opens the case); no to_<stage> shortcuts.
    assert set(MACHINE.events) == {a.name for a in ACTS if a.sources}
    assert BOUND_NAMES <= TRIGGER_NAMES


def test_acting_never_builds_another_machine(world, make_case, monkeypatch):
    case = make_case("spotted")

    def refuse(*args, **kwargs):
        raise AssertionError("a Machine was built while acting")

    monkeypatch.setattr(transitions.Machine, "__init__", refuse)
    for stage in ("spotted", "training", "dossier"):
        act_name, _who, day, data = FORWARD_ACTS[stage]
        if act_name == "complete_training":
            record_training_result(world, case.id)
        record_documents(world, case.id, act_name)
        record_act(case.id, act_name, world["sec_a1"], day, with_ids(world, act_name, data))
    assert db.session.get(Case, case.id).stage == "branch_vote"


@pytest.mark.parametrize("passes", [True, False], ids=["vote-passes", "vote-fails"])
def test_after_an_applied_act_the_machine_holds_nothing(world, make_case, passes):
    case = make_case("branch_vote")
    act_name, _who, day, data = FORWARD_ACTS["branch_vote"]
    if not passes:
        data = dict(data, votes_for=10)
    record_act(case.id, act_name, world["sec_a1"], day, data)
    case = db.session.get(Case, case.id)
    assert case.stage == ("committee_review" if passes else "spotted")
    assert_unbound(case)


def test_after_many_acts_on_many_cases_the_machine_holds_nothing(world, make_case):
    cases = [make_case("ceremony", full_name=f"Ứng viên {n}") for n in range(3)]
    assert MACHINE.models == []
    for case in cases:
        assert_unbound(case)


@pytest.mark.parametrize("attempt, error", [
    (("record_branch_vote", "sec_a1", date(2021, 10, 1)), ActBlocked),  # before the previous act
    (("record_branch_vote", "board", date(2021, 12, 1)), NotPermitted),
    (("hold_ceremony", "sec_a1", date(2021, 12, 1)), CaseChanged),
], ids=["guard", "role", "stage"])
def test_after_a_refused_act_the_machine_holds_nothing(world, make_case, attempt, error):
    case = make_case("branch_vote")
    act_name, username, day = attempt
    with pytest.raises(error):
        record_act(case.id, act_name, world[username], day, dict(FORWARD_ACTS["branch_vote"][3]))
    assert_unbound(db.session.get(Case, case.id))


class Boom(Exception):
    pass


def test_the_guards_are_asked_once_per_act(world, make_case, monkeypatch):
    case = make_case("branch_vote")
    act = definition.ACT_BY_NAME["record_branch_vote"]
    calls = []
    counted = tuple(replace(guard, check=lambda ctx, guard=guard: calls.append(guard.name) or guard.check(ctx))
                    for guard in act.guards)
    monkeypatch.setitem(definition.ACT_BY_NAME, act.name, replace(act, guards=counted))
    act_name, _who, day, data = FORWARD_ACTS["branch_vote"]
    record_act(case.id, act_name, world["sec_a1"], day, data)
    assert sorted(calls) == sorted(guard.name for guard in act.guards)
    assert db.session.get(Case, case.id).stage == "committee_review"


def test_a_failure_while_the_machine_acts_unbinds_and_writes_nothing(world, make_case, monkeypatch):
    case = make_case("branch_vote")
    version, rows = case.version, count_events(case.id)
    real = replay_module._record
    calls = []

    def fails_inside_the_machine(state, act, entry):
        calls.append(act.name)
        if act.name == "record_branch_vote":  # after the machine moved the state, before the entry is written
            raise Boom()
        return real(state, act, entry)

    monkeypatch.setattr(replay_module, "_record", fails_inside_the_machine)
    act_name, _who, day, data = FORWARD_ACTS["branch_vote"]
    with pytest.raises(Boom):
        record_act(case.id, act_name, world["sec_a1"], day, data)

    assert calls[-1] == "record_branch_vote"
    assert MACHINE.models == []
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.stage, case.version, count_events(case.id)) == ("branch_vote", version, rows)
    assert_unbound(case)


def test_a_failure_after_the_stage_changed_is_rolled_back(world, make_case, monkeypatch):
    """The machine has already moved the case's state and its entry is written when writing the
    projection fails: nothing must stick."""
    case = make_case("branch_vote")
    version, rows = case.version, count_events(case.id)

    def log_fails(*args, **kwargs):
        raise Boom()

    monkeypatch.setattr(operations, "project", log_fails)
    act_name, _who, day, data = FORWARD_ACTS["branch_vote"]
    with pytest.raises(Boom):
        record_act(case.id, act_name, world["sec_a1"], day, data)

    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.stage, case.version, case.stage_entered_on) == ("branch_vote", version, date(2021, 11, 1))
    assert count_events(case.id) == rows
    assert_unbound(case)


def test_binding_keeps_the_stage_loaded_from_the_database(world, make_case):
    """add_model without initial= would reset every case to the machine's initial stage."""
    case = make_case("decision")
    act_name, _who, day, data = FORWARD_ACTS["decision"]
    row = record_act(case.id, act_name, world["board"], day, dict(data, issuing_unit_id=world.town.id))
    assert (row.from_stage, row.to_stage) == ("decision", "ceremony")
