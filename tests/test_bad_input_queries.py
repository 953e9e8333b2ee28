"""The query parameters of every list page and export against bad input: filters, units of
other subtrees, years and dates out of range, negative and huge page numbers, unknown export
formats, doubled parameters, random unicode. Never a 500, a refusal says why, nothing is
written, and an export is produced to its last byte (see bad_input_support)."""
from urllib.parse import quote

import pytest
from hypothesis import strategies as st

from flask import url_for

from bad_input_support import (EXAMPLES, dates, explore, ids, integers, logged_in, mostly, pairs_of, shows_a_message,
                               snapshot, submit, texts)
from pipeline.cases.models import SOURCE_ORGANISATIONS
from pipeline.quotas.operations import set_quota
from pipeline.units.models import BRANCH_KINDS
from pipeline.workflow.stages import STAGE_NAMES

HUGE_IDS = ("999999", str(2**31), str(2**63), str(2**70), "-1", "0")


def choices(*valid):
    return st.one_of(st.sampled_from(list(valid)), texts)


@pytest.fixture
def loaded(world, make_case):
    """Cases at a few stages in two communes, a training class with attendees, a quota."""
    for stage, name in (("spotted", "Lê Văn An"), ("training", "Trần Thị Bình"), ("ceremony", "Ngô Văn Cường"),
                        ("probation", "Phan Thị Dung")):
        make_case(stage, full_name=name)
    make_case("dossier", branch=world.branch_b1, full_name="Đỗ Văn Em")
    set_quota(world["board"], world.commune_a, 2022, 6, 8)
    return world


def page_params(world):
    """Each page with its parameters: path -> (valid values, bad values)."""
    units = ids(world.town.id, world.commune_a.id, world.commune_b.id, world.branch_a1.id, world.branch_b1.id,
                *HUGE_IDS)
    years = st.one_of(st.integers(1899, 2101).map(str), integers)
    formats = choices("csv", "xlsx", "pdf", "CSV", "")
    pages = st.one_of(st.integers(-2, 3).map(str), integers)
    common = {"lang": choices("vi", "en"), "format": formats}
    kinds = choices(*BRANCH_KINDS)
    sources = choices(*SOURCE_ORGANISATIONS)
    return {
        "/candidates/": ({"q": "nguyen", "unit": str(world.commune_a.id)},
                         common | {"q": texts, "stage": choices(*STAGE_NAMES), "unit": units, "unit_name": texts,
                                   "page": pages, "per_page": pages}),
        "/units/search": ({"q": "dien hoa"}, common | {"q": texts, "for": texts, "kind": choices("branch", "")}),
        "/dashboard/": ({"year": "2021"}, common | {"unit": units, "year": years, "kind": kinds, "source": sources}),
        "/dashboard/cases": ({"which": "stuck"},
                             common | {"unit": units, "stage": choices(*STAGE_NAMES), "which": choices(
                                 "all", "stuck", "overdue"), "year": years, "kind": kinds, "source": sources,
                                 "page": pages, "per_page": pages}),
        "/dashboard/deadlines": ({"when": "overdue"}, common | {"when": texts, "page": pages, "per_page": pages}),
        "/quotas/": ({"year": "2022"}, common | {"unit": units, "year": years, "until": dates}),
        "/reports/year": ({"year": "2022", "until": "2022-09-30"},
                          common | {"unit": units, "year": years, "until": dates}),
        "/training/": ({}, common),
        f"/training/{world.training_class.id}": ({}, common),
        "/": ({}, common),
    }


PATHS_WITH_IDS = ("/training/{}", "/dashboard/branches/{}/board", "/candidates/{}", "/candidates/{}/dossier",
                  "/candidates/{}/checklist", "/ceremony-day/{}", "/bulk/{}/committee-review", "/bulk/{}/decision",
                  "/training/{}/enrol", "/training/{}/results")


@pytest.mark.parametrize("username", ["board", "sec_a1"])
def test_list_pages_and_exports_take_any_query(client, loaded, username):
    world = loaded
    pages = logged_in(client, username)
    params = page_params(world)
    listed = st.sampled_from(sorted(params)).flatmap(
        lambda path: st.tuples(st.just(path), pairs_of(*params[path])))
    # Pages named by an id in the path: the user's own rows, other units' rows, ids nothing has.
    by_id = st.tuples(st.sampled_from(PATHS_WITH_IDS), ids(1, 2, 3, 4, 5, 6, 7, *HUGE_IDS)).map(
        lambda pair: (pair[0].format(quote(pair[1], safe="")), [("lang", "vi")]))

    def attempt(example):
        path, pairs = example
        submit(pages, "GET", path, pairs)

    explore(mostly(None, by_id, share=8).flatmap(lambda picked: listed if picked is None else st.just(picked)),
            attempt, examples=EXAMPLES * 6)


def test_the_calendar_page_takes_any_year(client, world):
    pages = logged_in(client, "admin")
    explore(st.one_of(st.integers(1999, 2101).map(str), integers),
            lambda year: submit(pages, "GET", "/admin/calendar", [("year", year)]))


# --- every query parameter of every page ------------------------------------------------------------

COMMON = ("lang", "order")  # every page: the language, the order of names (the layout reads it)
EXPORT = ("format", "download_token")
# Every GET page (app.url_map) and the query parameters its view reads. A new page must be listed
# here, with the parameters it reads: the sweep below then sends each of them every bad value.
GET_ARGS = {
    "index": COMMON, "queue.queue": COMMON + ("page", "per_page"), "queue.count": COMMON,
    "jobs.show_job": COMMON, "jobs.progress": COMMON, "jobs.download": COMMON,
    "static": (), "favicon": (),
    "accounts.login": COMMON + ("next",), "accounts.second_factor": COMMON + ("next",),
    "accounts.profile": COMMON, "accounts.change_password": COMMON + ("next",),
    "accounts.enrol_two_factor": COMMON,
    "cases.list_cases": COMMON + EXPORT + ("q", "stage", "unit", "unit_name", "page", "per_page"),
    "unit_search.search": COMMON + ("q", "for", "kind"),
    "cases.new_case": COMMON, "cases.show_case": COMMON, "cases.act": COMMON, "cases.transfer": COMMON, "cases.void": COMMON,
    "dossier.show_dossier": COMMON, "dossier.edit_item": COMMON, "dossier.download_scan": COMMON,
    "printing.case_checklist": COMMON, "printing.case_checklist_pdf": COMMON + ("download_token",),
    "printing.branch_checklists_pdf": COMMON + ("download_token",),
    "ceremonies.ceremony_day": COMMON,
    "bulk_acts.committee_review": COMMON, "bulk_acts.decision": COMMON,
    "training.list_classes": COMMON + EXPORT, "training.show_class": COMMON + EXPORT,
    "training.new_class": COMMON, "training.enrol": COMMON, "training.results": COMMON,
    "dashboard.matrix": COMMON + EXPORT + ("unit", "year", "kind", "source"),
    "dashboard.cases": COMMON + EXPORT + ("unit", "stage", "which", "year", "kind", "source", "page", "per_page"),
    "dashboard.deadlines": COMMON + EXPORT + ("when", "page", "per_page"),
    "dashboard.board": COMMON,
    "quotas.index": COMMON + EXPORT + ("unit", "year", "until"),
    "reports.year_report": COMMON + EXPORT + ("unit", "year", "until"),
    "reports.year_report_pdf": COMMON + ("unit", "year", "until"),
    "process.diagram": COMMON,
    "workdays.show_calendar": COMMON + ("year",), "workdays.delete_override": COMMON,
    "users.list_users": COMMON + ("q", "unit", "unit_name", "role", "status", "page", "per_page"),
    "users.show_user": COMMON, "users.new_user": COMMON,
    "audit.log": COMMON + EXPORT + ("unit", "unit_name", "user", "event", "from", "to", "by", "page", "per_page"),
    "audit.case_log": COMMON, "audit.correct": COMMON + ("seq",),
    "audit.verify_chains": COMMON + ("unit",),
    "audit.anomalies": COMMON + EXPORT + ("unit",),
    "read_log.reads": COMMON + EXPORT + ("unit", "unit_name", "user", "case", "kind", "from", "to", "page",
                                         "per_page"),
    "units.list_units": COMMON, "units.new_unit": COMMON + ("parent",), "units.show_unit": COMMON,
    "units.move_unit": COMMON, "units.close_unit": COMMON, "units.merge_unit": COMMON, "units.split_unit": COMMON,
    "unit_import.import_units": COMMON, "unit_import.unit_template": COMMON + EXPORT,
    "unit_import.export_units": COMMON + EXPORT,
    "account_import.import_accounts": COMMON, "account_import.account_template": COMMON + EXPORT,
    "account_import.export_accounts": COMMON + EXPORT,
    "case_import.import_cases": COMMON, "case_import.template": COMMON + EXPORT,
    "tokens.list_tokens": COMMON,
}
# Rendered by WeasyPrint (slow): every parameter at once, with a few values.
PDF_PAGES = ("printing.case_checklist_pdf", "printing.branch_checklists_pdf", "reports.year_report_pdf")
BAD_VALUES = (str(10**20), "-5", "Nguy\x00n", "x" * 3000, "한" * 120, "漢字" * 60, "مُحَمَّد", "👍🏽" * 30,
              "e\u0301\u0301\u0301")
ROLES = ("sec_a1", "com_a", "board", "admin")


def get_pages(app):
    # The JSON API answers a token, not a session: Schemathesis sends its parameters every kind of
    # value, valid and not (tests/test_api_schema.py).
    return sorted(rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods
                  and not rule.rule.startswith("/api/"))


def test_every_get_page_has_its_query_parameters_listed(app):
    assert sorted(set(get_pages(app))) == sorted(GET_ARGS), "list the query parameters of a new page in GET_ARGS"


def answered_well(response):
    body = response.get_data()
    assert response.status_code < 500, (response.request.url[:300], response.status_code)
    if response.status_code >= 400:
        assert body and shows_a_message(response), (response.request.url[:300], response.status_code)


def test_every_query_parameter_of_every_page_takes_any_value_for_every_role(app, loaded, make_case):
    """Each (page, parameter, value) once, the role turning with the values (so that each
    parameter meets every role), then every parameter at once for each role: no 500, a refusal
    says why, nothing written."""
    world = loaded
    case_id = make_case("dossier", full_name="Đỗ Thị Hồ Sơ").id
    by_role = {role: logged_in(app.test_client(), role) for role in ROLES}
    values = {"case_id": case_id, "unit_id": world.branch_a1.id, "branch_id": world.branch_a1.id,
              "class_id": world.training_class.id, "user_id": world["sec_a1"].id, "override_id": 1,
              "name": "withdraw", "key": "1-KNĐ", "filename": "app.css", "seq": 1, "job_id": 1}
    before = snapshot()[1]
    turn = 0
    with app.test_request_context():
        paths = {rule.endpoint: url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
                 for rule in app.url_map.iter_rules() if rule.endpoint in get_pages(app)}
    for endpoint, path in sorted(paths.items()):
        names = GET_ARGS[endpoint]
        if endpoint in PDF_PAGES:
            for value in ("10" * 12, "\x00", "한" * 120):
                answered_well(by_role["board"].get(path, query_string=[(name, value) for name in names]))
            continue
        for name in names:
            for value in BAD_VALUES:
                turn += 1
                answered_well(by_role[ROLES[turn % len(ROLES)]].get(path, query_string=[(name, value)]))
        for role in ROLES:  # every parameter at once
            answered_well(by_role[role].get(path, query_string=[(name, "한" * 120) for name in names]))
    assert snapshot()[1] == before
