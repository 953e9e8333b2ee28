"""The API's access matrix: every endpoint under /api/v1 (from the URL map: a new one without a
line here fails), for a token of each role, read-only and read-write, on a case inside the role's
scope, one outside it, and one in another town. Outside is a 404 that shows nothing; a read-only
token never writes (403); a role that may not record an act is refused (403) with a body that
would otherwise pass; and no call of the matrix writes a row of the pipeline."""
import importlib

import pytest

from api_support import PUBLIC, ROLES, WHERE, api_places, bearer, snapshot, token_for
from training_support import class_places
from pipeline.api.acts import MOVING_ACTS
from pipeline.workflow.definition import ACT_BY_NAME, DECIDING

DOCUMENT_ACT = ACT_BY_NAME["record_document"]

# Reads: endpoint -> (url, status inside per role (sec, com, board, admin), status outside per role).
EVERYONE = (200, 200, 200, 200)
NOT_FOUND = (404, 404, 404, 404)
READS = {
    "api_reads.Me": ("/api/v1/me", EVERYONE, None),
    "api_reads.Units": ("/api/v1/units?parent={unit}", EVERYONE, NOT_FOUND),
    "api_reads.Cases": ("/api/v1/cases?unit={unit}", EVERYONE, NOT_FOUND),
    "api_reads.OneCase": ("/api/v1/cases/{case}", EVERYONE, NOT_FOUND),
    "api_reads.CaseDossier": ("/api/v1/cases/{case}/dossier", EVERYONE, NOT_FOUND),
    # As the audit pages: a secretary is refused the log (403), inside their scope or not.
    "api_reads.CaseLog": ("/api/v1/cases/{case}/log", (403, 200, 200, 200), (403, 404, 404, 404)),
    "api_figures.StuckMatrix": ("/api/v1/matrix?unit={unit}", EVERYONE, NOT_FOUND),
    "api_figures.Quotas": ("/api/v1/quotas?unit={unit}&year=2021", EVERYONE, NOT_FOUND),
    "api_figures.Report": ("/api/v1/report?unit={unit}&year=2021", EVERYONE, NOT_FOUND),
    "api_case_facts.case_notes": ("/api/v1/cases/{case}/notes", EVERYONE, NOT_FOUND),
    # A class is inside where its page shows it to the user (training_support.class_places).
    "api_training.list_classes": ("/api/v1/classes", EVERYONE, None),
    "api_training.one_class": ("/api/v1/classes/{class}", EVERYONE, NOT_FOUND),
}

# Endpoints whose matrix (each role's token, read-only and read-write, inside and outside the
# scope, nothing written) is a test of their own: endpoint -> that test.
TESTED_ELSEWHERE = {
    "api_calendar.read_calendar": "test_api_calendar.py::test_every_role_and_token_against_the_calendar",
    "api_calendar.add_override": "test_api_calendar.py::test_every_role_and_token_against_the_calendar",
    "api_calendar.delete_override": "test_api_calendar.py::test_every_role_and_token_against_the_calendar",
    "api_dossier.attach_scan": "test_api_scans.py::test_every_role_and_token_against_the_scans",
    "api_dossier.download_scan": "test_api_scans.py::test_every_role_and_token_against_the_scans",
    "api_figures.set_unit_quota": "test_api_quotas.py::test_every_role_and_token_against_the_quotas",
    "api_case_facts.open_case": "test_api_facts.py::test_every_role_and_token_against_the_facts",
    "api_case_facts.add_case_note": "test_api_facts.py::test_every_role_and_token_against_the_facts",
    "api_case_facts.transfer": "test_api_facts.py::test_every_role_and_token_against_the_facts",
    "api_case_facts.void": "test_api_facts.py::test_every_role_and_token_against_the_facts",
    "api_case_facts.correct": "test_api_facts.py::test_every_role_and_token_against_the_facts",
    "api_training.create_class": "test_api_training.py::test_every_role_and_token_against_the_training_writes",
    "api_training.enrol": "test_api_training.py::test_every_role_and_token_against_the_training_writes",
    "api_training.record_results": "test_api_training.py::test_every_role_and_token_against_the_training_writes",
    "api_bulk.committee_reviews": "test_api_bulk.py::test_every_role_and_token_against_the_bulk_and_import_endpoints",
    "api_bulk.decisions": "test_api_bulk.py::test_every_role_and_token_against_the_bulk_and_import_endpoints",
    "api_bulk.ceremony_day": "test_api_bulk.py::test_every_role_and_token_against_the_bulk_and_import_endpoints",
    "api_imports.preview_cases": "test_api_bulk.py::test_every_role_and_token_against_the_bulk_and_import_endpoints",
    "api_imports.commit_cases": "test_api_bulk.py::test_every_role_and_token_against_the_bulk_and_import_endpoints",
    "api_units.create_unit": "test_api_units.py::test_every_role_and_token_against_the_unit_endpoints",
    "api_units.update_unit": "test_api_units.py::test_every_role_and_token_against_the_unit_endpoints",
    "api_units.move_unit": "test_api_units.py::test_every_role_and_token_against_the_unit_endpoints",
    "api_units.close_unit": "test_api_units.py::test_every_role_and_token_against_the_unit_endpoints",
    "api_units.merge_unit": "test_api_units.py::test_every_role_and_token_against_the_unit_endpoints",
    "api_units.split_unit": "test_api_units.py::test_every_role_and_token_against_the_unit_endpoints",
}


def schema_valid_body(act):
    """A body the act's schema accepts, with a version no case has: a role that may record the act
    is refused after the gates (409 or 422), nothing written."""
    from pipeline.api.form_schemas import body_schema
    from pipeline.cases.forms import act_form_class
    from marshmallow import fields
    schema = body_schema(act_form_class(act), "x")()
    body = {}
    for name, field in schema.fields.items():
        if isinstance(field, fields.Date):
            body[name] = "2021-12-01"
        elif isinstance(field, fields.Integer):
            body[name] = 1
        elif isinstance(field, fields.Boolean):
            body[name] = False
        else:
            body[name] = "Văn bản"
    return body | {"version": 2**31 - 1}


def may_record(role, act):
    # The world's commune does not decide admissions: a committee records no decision there.
    return role in {"sec": "secretary", "com": "committee", "board": "board", "admin": "admin"} and \
        {"sec": "secretary", "com": "committee", "board": "board", "admin": "admin"}[role] in act.roles and \
        not (act.roles is DECIDING and role == "com")


@pytest.fixture
def places(world):
    return class_places(world, api_places(world))


def test_every_api_endpoint_has_a_line(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    acts = {f"api_acts.act_{act.name}" for act in MOVING_ACTS} | {"api_dossier.record_document"}
    assert endpoints - set(PUBLIC) == set(READS) | acts | set(TESTED_ELSEWHERE)
    # Each test named there is one: a renamed test would leave its endpoints unguarded.
    for endpoint, named in TESTED_ELSEWHERE.items():
        module_name, _, test_name = named.partition("::")
        module = importlib.import_module(module_name.removesuffix(".py"))
        assert callable(getattr(module, test_name, None)), f"{endpoint}: no test {named}"


def test_every_role_and_token_against_every_api_endpoint(app, world, places):
    api = app.test_client()
    tokens = {(who, write): token_for(world[username], may_write=write, name=f"{who}-{write}")
              for who, username in ROLES.items() for write in (False, True)}
    before = snapshot()
    problems, calls = [], 0
    for endpoint, (url, inside, outside) in READS.items():
        for index, who in enumerate(ROLES):
            for place, place_ids in places.items():
                expected = inside[index] if who in WHERE[place] else (outside or inside)[index]
                for write in (False, True):
                    response = api.get(url.format(**place_ids), headers=bearer(tokens[who, write]))
                    calls += 1
                    if response.status_code != expected:
                        problems.append(f"GET {endpoint} {who} {place} write={write}: {response.status_code} "
                                        f"!= {expected}")
                    if place != "a1" and who not in WHERE[place] and f"Người {place}" in response.get_data(
                            as_text=True):
                        problems.append(f"GET {endpoint} {who} {place}: shows the outside case")
    writes = [(act, f"acts/{act.name}", schema_valid_body(act)) for act in MOVING_ACTS]
    writes.append((DOCUMENT_ACT, "dossier/1-KNĐ", {"version": 2**31 - 1, "received": True,
                                                    "received_on": "2021-09-20"}))
    for act, tail, body in writes:
        for who in ROLES:
            for place, place_ids in places.items():
                url = f"/api/v1/cases/{place_ids['case']}/{tail}"
                read_only = api.post(url, headers=bearer(tokens[who, False]), json=body)
                calls += 1
                if read_only.status_code != 403:
                    problems.append(f"POST {tail} {who} {place} read-only: {read_only.status_code}")
                response = api.post(url, headers=bearer(tokens[who, True]), json=body)
                calls += 1
                if who not in WHERE[place]:
                    expected = (404,)
                elif may_record(who, act):
                    expected = (409, 422)
                else:
                    expected = (403,)
                if response.status_code not in expected:
                    problems.append(f"POST {tail} {who} {place}: {response.status_code} not in {expected}")
    assert snapshot() == before
    assert not problems, "\n".join([f"{len(problems)} problems:"] + problems)
    assert calls > 500
