"""The transitions Machine is built once and binds a case only while acting on it: after any act,
applied or refused, it holds no models and the case carries no trigger methods. A failure in the
middle of an act leaves nothing behind in the database either."""
from datetime import date

import pytest
import transitions

from conftest import FORWARD_ACTS, record_documents, record_training_result, with_ids
from pipeline.cases.models import Case
from pipeline.extensions import db
from pipeline.workflow import definition, operations
from pipeline.workflow.definition import MACHINE, TRANSITIONS
from pipeline.workflow.operations import ActBlocked, CaseChanged, NotPermitted, apply_event
from pipeline.workflow.stages import STAGE_NAMES
from conftest import count_events

pytestmark = pytest.mark.usefixtures("english")

# Every name transitions puts on a bound model, computed independently of definition._BOUND_NAMES.
TRIGGER_NAMES = ({"trigger", "may_trigger"} | {t.trigger for t in TRANSITIONS} | {f"may_{t.trigger}" for t in TRANSITIONS}
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
    assert set(MACHINE.events) == {t.trigger for t in TRANSITIONS}  # no to_<stage> shortcuts


def test_acting_never_builds_another_machine(world, make_case, monkeypatch):
    case = make_case("spotted")

    def refuse(*args, **kwargs):
        raise AssertionError("a Machine was built while acting")

    monkeypatch.setattr(transitions.Machine, "__init__", refuse)
    for stage in ("spotted", "training", "dossier"):
        trigger, _who, day, data = FORWARD_ACTS[stage]
        if trigger == "complete_training":
            record_training_result(world, case.id)
        record_documents(world, case.id, trigger)
        apply_event(case.id, trigger, world["sec_a1"], day, with_ids(world, trigger, data))
    assert db.session.get(Case, case.id).stage == "branch_vote"


@pytest.mark.parametrize("passes", [True, False], ids=["vote-passes", "vote-fails"])
def test_after_an_applied_act_the_machine_holds_nothing(world, make_case, passes):
    case = make_case("branch_vote")
    trigger, _who, day, data = FORWARD_ACTS["branch_vote"]
    if not passes:
        data = dict(data, votes_for=10)
    apply_event(case.id, trigger, world["sec_a1"], day, data)
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
    trigger, username, day = attempt
    with pytest.raises(error):
        apply_event(case.id, trigger, world[username], day, dict(FORWARD_ACTS["branch_vote"][3]))
    assert_unbound(db.session.get(Case, case.id))


class Boom(Exception):
    pass


def test_a_failure_while_the_machine_acts_unbinds_and_writes_nothing(world, make_case, monkeypatch):
    case = make_case("branch_vote")
    version, rows = case.version, count_events(case.id)
    real = definition.blocking_reasons
    calls = []

    def fails_inside_the_machine(transition, ctx):
        calls.append(transition.trigger)
        if len(calls) > 1:  # the first call is the operation's own check, the next ones the machine's
            raise Boom()
        return real(transition, ctx)

    monkeypatch.setattr(definition, "blocking_reasons", fails_inside_the_machine)
    trigger, _who, day, data = FORWARD_ACTS["branch_vote"]
    with pytest.raises(Boom):
        apply_event(case.id, trigger, world["sec_a1"], day, data)

    assert len(calls) == 2
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.stage, case.version, count_events(case.id)) == ("branch_vote", version, rows)
    assert_unbound(case)


def test_a_failure_after_the_stage_changed_is_rolled_back(world, make_case, monkeypatch):
    """The machine has already moved the case when writing the log row fails: nothing must stick."""
    case = make_case("branch_vote")
    version, rows = case.version, count_events(case.id)

    def log_fails(*args, **kwargs):
        raise Boom()

    monkeypatch.setattr(operations, "_append_event", log_fails)
    trigger, _who, day, data = FORWARD_ACTS["branch_vote"]
    with pytest.raises(Boom):
        apply_event(case.id, trigger, world["sec_a1"], day, data)

    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert (case.stage, case.version, case.stage_entered_on) == ("branch_vote", version, date(2021, 11, 1))
    assert count_events(case.id) == rows
    assert_unbound(case)


def test_binding_keeps_the_stage_loaded_from_the_database(world, make_case):
    """add_model without initial= would reset every case to the machine's initial stage."""
    case = make_case("decision")
    trigger, _who, day, data = FORWARD_ACTS["decision"]
    row = apply_event(case.id, trigger, world["board"], day, dict(data, issuing_unit_id=world.town.id))
    assert (row.from_stage, row.to_stage) == ("decision", "ceremony")
