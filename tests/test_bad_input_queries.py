"""The query parameters of every list page and export against bad input: filters, units of
other subtrees, years and dates out of range, negative and huge page numbers, unknown export
formats, doubled parameters, random unicode. Never a 500, a refusal says why, nothing is
written, and an export is produced to its last byte (see bad_input_support)."""
from urllib.parse import quote

import pytest
from hypothesis import strategies as st

from bad_input_support import EXAMPLES, dates, explore, ids, integers, logged_in, mostly, pairs_of, submit, texts
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
                         common | {"q": texts, "stage": choices(*STAGE_NAMES), "unit": units, "page": pages,
                                   "per_page": pages}),
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
                  "/candidates/{}/checklist", "/ceremony-day/{}", "/training/{}/enrol", "/training/{}/results")


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
