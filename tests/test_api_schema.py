"""Schemathesis reads /api/v1/openapi.json and sends every operation requests made from its
schemas, valid (positive) and not (negative), with a read-write token of a committee whose scope
holds a case at every stage the acts start from (an administrator's for the operations only
administrators reach): each operation on a case is sent to a case it
applies to. No answer may be a server error or differ from what the document says (its status,
its body's schema, its headers), and a request the schemas refuse must be refused. On SQLite and
PostgreSQL, as every test.

Each operation's strategy is run with Hypothesis here rather than through schemathesis' pytest
plugin, which reads a private attribute pytest 9.2 no longer has."""
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from schemathesis import GenerationMode
from schemathesis.config._checks import PositiveDataAcceptanceConfig

from api_support import bearer, token_for
from pipeline.workflow.definition import ACT_BY_NAME
from pipeline.workflow.log import load_log

EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 8}
STAGES = ("spotted", "training", "dossier", "branch_vote", "committee_review", "decision", "ceremony", "probation")
ACTS_PATH = "/api/v1/cases/{case_id}/acts/"
# Operations only an administrator's token reaches (their blueprints, the tags of the document):
# sent with one.
ADMINISTRATORS_ONLY = {"api_calendar", "api_units"}


def case_for(path, cases):
    """The case an operation is sent to: one in a stage its act is recorded from."""
    if path.startswith(ACTS_PATH):
        act = ACT_BY_NAME[path[len(ACTS_PATH):]]
        return next((case_id for stage, case_id in cases.items() if stage in act.sources), cases["branch_vote"])
    return cases["branch_vote"]


def path_parameters_for(path, cases, world):
    """Each path variable of an operation, given something real to act on (or None)."""
    values = {}
    if "{case_id}" in path:
        values["case_id"] = case_for(path, cases)
    if "{key}" in path:  # a dossier item every case has
        values["key"] = "1-KNĐ"
    if "{seq}" in path:  # an act of the case's log: its last, which its committee may void
        values["seq"] = load_log(values["case_id"])[-1].seq
    if "{unit_id}" in path:  # the committee's branch
        values["unit_id"] = world.branch_a1.id
    if "{year}" in path:
        values["year"] = 2021
    if "{class_id}" in path:  # the town's class, which the committee sees
        values["class_id"] = world.training_class.id
    return values or None


def test_every_operation_answers_as_its_document_says(app, world, make_case):
    cases = {stage: make_case(stage).id for stage in STAGES}
    app.config["API_RATE_LIMITS"] = "1000000 per minute"
    committee, administrator = bearer(token_for(world["com_a"])), bearer(token_for(world["admin"], name="admin"))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # A well-formed request may still be refused by the case's state: its version (409), its
    # stage or the rules (409, 422), the role (403: a committee records no decision), or another
    # unit's id (404). Anything else is a finding.
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=["2XX", 403, 404, 409, 422])
    exercised = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        path_parameters = path_parameters_for(operation.path, cases, world)
        headers = administrator if ADMINISTRATORS_ONLY & set(operation.definition.raw.get("tags", ())) else committee
        for mode, examples in EXAMPLES.items():
            @given(case=operation.as_strategy(mode, path_parameters=path_parameters))
            @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def check(case):
                # A parameter whose value is null or an empty list is not sent at all (no client
                # can send it), which Schemathesis would count as an unknown parameter accepted.
                assume(all(value is not None and value != [] for value in (case.query or {}).values()))
                case.call_and_validate(headers=headers)
            check()
        exercised.add((operation.path, operation.method.lower()))
    document = app.test_client().get("/api/v1/openapi.json").json
    operations = {(path, method) for path, item in document["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    assert exercised == operations and len(operations) > 20
