"""Every transition of the workflow table, from every stage and for every role.

Cases are walked to their stage through the real operations (conftest.make_case); side stages
are reached the way a user would reach them, through apply_event."""
from datetime import date, timedelta

import pytest

from conftest import ACTS_WITHIN, FORWARD_ACTS, MAIN_ROAD, record_documents, record_training_result, with_ids
from pipeline.workflow.log import load_log
from pipeline.base import errors
from pipeline.extensions import db
from pipeline.rules.rulebook import load_rulebooks
from pipeline.workflow import definition, operations
from pipeline.workflow.definition import ACT_BY_NAME, MOVES
from pipeline.workflow.replay import replay
from pipeline.base.errors import ActBlocked, CaseChanged, CaseNotFound, NotPermitted
from pipeline.workflow.operations import record_act
from pipeline.workflow.stages import MAIN_STAGES, STAGE_BY_NAME, STAGE_NAMES, TERMINAL_STAGES
from conftest import count_events, fresh

pytestmark = pytest.mark.usefixtures("english")

ROLE_USERS = {"secretary": "sec_a1", "committee": "com_a", "board": "board", "admin": "admin"}
REASON = "Gia đình chuyển vào Nam sinh sống"

# Side stages and the act that reaches each one from a stage of the main road.
SIDE_ROUTES = {
    "expired": ("training", "expire", date(2021, 10, 1)),
    "rejected": ("decision", "refuse_admission", date(2022, 1, 10)),
    "withdrawn": ("branch_vote", "withdraw", date(2021, 11, 10)),
    "removed": ("dossier", "remove_from_pool", date(2021, 10, 1)),
    "struck_off": ("probation", "strike_off", date(2022, 6, 1)),
}
FIRST_RULEBOOK_DAY = load_rulebooks()[0].effective_from
VOTE_FAILS = {
    "record_branch_vote": {"votes_for": 19, "votes_against": 8},
    "record_committee_review": {"votes_for": 9, "votes_against": 6},
    "record_recognition_vote": {"votes_for": 19, "votes_against": 9},
    "record_recognition_review": {"votes_for": 9, "votes_against": 6},
}
# Acts within probation that a later act of recognition needs first.
RECOGNITION_STEPS = {"record_recognition_review": 1, "recognise_official": 2, "extend_recognition_decision": 2}


def last_date(case_id):
    return load_log(case_id)[-1].effective_date


def permitted_user(world, table_act):
    if "secretary" in table_act.roles:
        return world["sec_a1"]
    if "board" in table_act.roles:
        return world["board"]
    return world["com_a"]


def act_for(world, table_act, source, case_id, passes=True):
    """(date, data, reason) for an act that the guards accept on this case."""
    forward = FORWARD_ACTS.get(source)
    within = {act[0]: act for act in ACTS_WITHIN.get(source, [])}
    if table_act.name in within:
        forward = within[table_act.name]
    if forward and forward[0] == table_act.name:
        _trigger, _who, day, data = forward
        data = with_ids(world, table_act.name, dict(data))
    else:
        day, data = max(last_date(case_id), FIRST_RULEBOOK_DAY) + timedelta(days=10), {}
    if not passes:
        data.update(VOTE_FAILS[table_act.name])
    return day, data, (REASON if table_act.needs_reason else "")


def reach(make_case, world, stage):
    """A case standing in `stage`, reached through the operations."""
    if stage in MAIN_ROAD:
        return make_case(stage)
    start, act_name, day = SIDE_ROUTES[stage]
    case = make_case(start)
    record_act(case.id, act_name, permitted_user(world, ACT_BY_NAME[act_name]), day, {}, reason=REASON)
    return fresh(case.id)


def prepare(make_case, world, table_act, source):
    """A case in `source` on which `transition` can succeed. Reopening the dossier needs a
    case back in nurturing with a certificate still valid."""
    if table_act.name == "resume_dossier":
        case = make_case("dossier")
        sec = world["sec_a1"]
        record_act(case.id, "expire", sec, date(2021, 10, 1), {}, reason="Quá hạn bổ sung hồ sơ")
        record_act(case.id, "reopen", sec, date(2021, 10, 15), {}, reason="Tiếp tục bồi dưỡng")
        return fresh(case.id)
    case = reach(make_case, world, source)
    if table_act.name == "complete_training":  # the class recorded a pass
        record_training_result(world, case.id)
    record_documents(world, case.id, table_act.name)  # the dossier's documents the act needs
    for act_name, who, day, data in ACTS_WITHIN.get(source, [])[:RECOGNITION_STEPS.get(table_act.name, 0)]:
        record_documents(world, case.id, act_name)
        record_act(case.id, act_name, world["sec_a1" if who == "sec" else "com_a"], day, data)
    return fresh(case.id)


def _success_params():
    for t in MOVES:
        for source in t.sources:
            yield pytest.param(t.name, source, True, id=f"{t.name}-from-{source}")
            if t.fail_dest:
                yield pytest.param(t.name, source, False, id=f"{t.name}-from-{source}-fails")


# --- the table follows DOMAIN.md §2 ---------------------------------------------------------

def test_the_main_road_follows_the_domain_order():
    names = [s.name for s in sorted(MAIN_STAGES, key=lambda s: s.step)]
    assert names == MAIN_ROAD
    for here, there in zip(names, names[1:]):
        assert any(here in t.sources and t.dest == there for t in MOVES), f"no act from {here} to {there}"


def test_every_stage_is_reachable_and_every_side_exit_is_used():
    reached, frontier = {definition.INITIAL_STAGE}, [definition.INITIAL_STAGE]
    while frontier:
        stage = frontier.pop()
        for t in definition.acts_from(stage):
            for dest in t.destinations:
                if dest not in reached:
                    reached.add(dest)
                    frontier.append(dest)
    assert reached == set(STAGE_NAMES)


def test_a_candidate_can_withdraw_at_any_point_before_the_ceremony():
    withdraw = ACT_BY_NAME["withdraw"]
    assert set(withdraw.sources) == set(MAIN_ROAD[:MAIN_ROAD.index("probation")])


def test_every_act_into_a_side_exit_asks_for_a_reason_or_records_a_vote():
    for t in MOVES:
        for dest in t.destinations:
            if STAGE_BY_NAME[dest].exit:
                assert t.needs_reason or (t.outcome and dest == t.fail_dest), t.name


# --- each act from each of its sources -------------------------------------------------

@pytest.mark.parametrize("act_name, source, passes", list(_success_params()))
def test_transition_reaches_its_destination(world, make_case, act_name, source, passes):
    table_act = ACT_BY_NAME[act_name]
    case = prepare(make_case, world, table_act, source)
    assert case.stage == source
    day, data, reason = act_for(world, table_act, source, case.id, passes)
    before, version = count_events(case.id), case.version

    row = record_act(case.id, act_name, permitted_user(world, table_act), day, data, reason=reason)

    expected = table_act.dest if passes else table_act.fail_dest
    case = fresh(case.id)
    assert case.stage == expected
    if expected != source:  # a vote within a stage keeps the date the case entered it
        assert case.stage_entered_on == day
    assert case.version == version + 1
    assert count_events(case.id) == before + 1
    assert (row.act, row.from_stage, row.to_stage, row.effective_date) == (act_name, source, expected, day)
    if STAGE_BY_NAME[expected].exit:
        assert case.exit_reason
        if reason:
            assert case.exit_reason == reason
        else:
            assert row.data["passed"] is False and f"/{row.data.get('members_total', row.data.get('committee_size'))} " in case.exit_reason
    else:
        assert case.exit_reason is None


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_acts_the_stage_does_not_allow_are_refused_as_a_changed_case(world, make_case, stage):
    case = reach(make_case, world, stage)
    before, version = count_events(case.id), case.version
    day = last_date(case.id) + timedelta(days=1)
    others = [t for t in MOVES if stage not in t.sources]
    assert others

    outcomes = {}
    for t in others:
        data = dict(FORWARD_ACTS[t.sources[0]][3]) if t.sources[0] in FORWARD_ACTS else {}
        try:
            record_act(case.id, t.name, permitted_user(world, t), day, data, reason=REASON)
        except errors.ActError as error:
            outcomes[t.name] = type(error).__name__
        else:
            outcomes[t.name] = "applied"

    assert outcomes == {t.name: CaseChanged.__name__ for t in others}
    case = fresh(case.id)
    assert (case.stage, case.version, count_events(case.id)) == (stage, version, before)


def test_an_unknown_act_is_not_found(world, make_case):
    case = make_case("spotted")
    with pytest.raises(CaseNotFound):
        record_act(case.id, "admit_without_vote", world["sec_a1"], date(2021, 9, 1), {})
    assert count_events(case.id) == 1


# --- roles ------------------------------------------------------------------------------------

def _refused_role_params():
    for t in MOVES:
        for role in ROLE_USERS:
            if role not in t.roles:
                yield pytest.param(t.name, role, id=f"{t.name}-by-{role}")
        if t.roles == definition.DECIDING:
            # a grassroots committee without the power to decide admissions
            yield pytest.param(t.name, "committee", id=f"{t.name}-by-non-deciding-committee")


@pytest.mark.parametrize("act_name, role", list(_refused_role_params()))
def test_a_role_outside_the_transition_is_not_permitted(world, make_case, act_name, role):
    table_act = ACT_BY_NAME[act_name]
    source = table_act.sources[0]
    case = prepare(make_case, world, table_act, source)
    day, data, reason = act_for(world, table_act, source, case.id)
    before, version = count_events(case.id), case.version

    with pytest.raises(NotPermitted):
        record_act(case.id, act_name, world[ROLE_USERS[role]], day, data, reason=reason)

    case = fresh(case.id)
    assert (case.stage, case.version, count_events(case.id)) == (source, version, before)


@pytest.mark.parametrize("table_act", [t for t in MOVES if t.roles == definition.DECIDING],
                         ids=lambda t: t.name)
def test_a_committee_given_the_power_to_decide_may_record_decisions(world, make_case, table_act):
    world.commune_a.decides_admissions = True
    db.session.commit()
    source = table_act.sources[0]
    case = prepare(make_case, world, table_act, source)
    day, data, reason = act_for(world, table_act, source, case.id)
    if "issuing_unit_id" in data:
        data["issuing_unit_id"] = world.commune_a.id
    if table_act.name == "record_decision":  # it decides as the full committee (2/3 of its members)
        data.update(committee_size=15, votes_for=10, votes_against=5)

    record_act(case.id, table_act.name, world["com_a"], day, data, reason=reason)

    assert fresh(case.id).stage == table_act.dest


def test_a_board_records_the_decision_of_the_unit_it_serves(world, make_case):
    case = make_case("decision")
    day, data, _ = act_for(world, ACT_BY_NAME["record_decision"], "decision", case.id)
    row = record_act(case.id, "record_decision", world["board"], day, data)
    assert fresh(case.id).stage == "ceremony"
    assert row.actor_id == world["board"].id
    assert row.data["issuing_unit_id"] == world.town.id


@pytest.mark.parametrize("username", ["sec_a2", "sec_b1", "com_b"])
def test_a_user_outside_the_branch_cannot_act_on_its_cases(world, make_case, username):
    case = make_case("spotted")
    act_name, _who, day, data = FORWARD_ACTS["spotted"]
    with pytest.raises(CaseNotFound):
        record_act(case.id, act_name, world[username], day, data)
    assert (fresh(case.id).stage, count_events(case.id)) == ("spotted", 1)


# --- reasons on exits ---------------------------------------------------------------------------

REASONED = [t for t in MOVES if t.needs_reason]


@pytest.mark.parametrize("table_act", REASONED, ids=lambda t: t.name)
@pytest.mark.parametrize("blank", ["", "   "], ids=["empty", "spaces"])
def test_an_act_that_needs_a_reason_is_refused_without_one(world, make_case, table_act, blank):
    source = table_act.sources[0]
    case = prepare(make_case, world, table_act, source)
    day, data, _ = act_for(world, table_act, source, case.id)
    before = (case.stage, case.exit_reason, count_events(case.id))

    with pytest.raises(ActBlocked) as refused:
        record_act(case.id, table_act.name, permitted_user(world, table_act), day, data, reason=blank)

    assert any("reason is required" in str(r) for r in refused.value.reasons)
    case = fresh(case.id)
    assert (case.stage, case.exit_reason, count_events(case.id)) == before


@pytest.mark.parametrize("table_act", [t for t in REASONED if STAGE_BY_NAME[t.dest].exit],
                         ids=lambda t: t.name)
def test_an_exit_keeps_its_reason_on_the_case_and_in_the_log(world, make_case, table_act):
    source = table_act.sources[0]
    case = prepare(make_case, world, table_act, source)
    day, data, _ = act_for(world, table_act, source, case.id)

    row = record_act(case.id, table_act.name, permitted_user(world, table_act), day, data, reason=REASON)

    case = fresh(case.id)
    assert case.stage == table_act.dest and case.stage in TERMINAL_STAGES
    assert case.exit_reason == REASON
    assert row.reason == REASON


@pytest.mark.parametrize("side_stage", definition.ACT_BY_NAME["reopen"].sources)
def test_reopening_clears_the_exit_reason(world, make_case, side_stage):
    case = reach(make_case, world, side_stage)
    assert case.exit_reason == REASON
    day = last_date(case.id) + timedelta(days=5)

    row = record_act(case.id, "reopen", world["sec_a1"], day, {}, reason="Quần chúng tiến bộ, bồi dưỡng lại")

    case = fresh(case.id)
    assert (case.stage, case.exit_reason) == ("spotted", None)
    assert row.reason == "Quần chúng tiến bộ, bồi dưỡng lại"


# --- what the case page shows ---------------------------------------------------------------------

def test_the_page_lists_each_act_of_the_stage_with_its_blocking_reasons(world, make_case):
    case = make_case("spotted")  # never trained: no certificate
    states = dict((t.name, reasons) for t, reasons in
                  operations.action_states(world["sec_a1"], case, replay(load_log(case.id))))
    # Every act of the stage but the reopening of a dossier, which cannot apply without a certificate.
    assert set(states) == {t.name for t in definition.acts_from("spotted")} - {"resume_dossier"}
    assert states["enrol_training"] == []


def test_the_page_offers_no_act_to_a_role_that_cannot_do_it(world, make_case):
    case = make_case("decision")
    state = replay(load_log(case.id))
    secretary = {t.name for t, _ in operations.action_states(world["sec_a1"], case, state)}
    board = {t.name for t, _ in operations.action_states(world["board"], case, state)}
    assert secretary == {"withdraw"}
    assert board == {"record_decision", "refuse_admission", "extend_decision"}
    assert operations.action_states(world["sec_b1"], case, state) == []
