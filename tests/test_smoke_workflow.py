from pipeline.workflow.log import replay_stage, verify_chain
from pipeline.workflow.operations import load_events


def test_a_case_walks_the_main_road_to_official(make_case):
    case = make_case("official")
    events = load_events(case.id)
    assert case.stage == "official"
    assert replay_stage(events) == "official"
    assert verify_chain(events) is None
