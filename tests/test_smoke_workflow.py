from pipeline.workflow.log import replay_stage, verify_chain
from pipeline.workflow.log import load_log


def test_a_case_walks_the_main_road_to_official(make_case):
    case = make_case("official")
    events = load_log(case.id)
    assert case.stage == "official"
    assert replay_stage(events) == "official"
    assert verify_chain(events) is None
