"""What a reader of the Vietnamese-first interface notices: figures written with their own
separators (1.234 and 12,5 in Vietnamese, 1,234 and 12.5 in English; years stay 2022), empty lists
that say what to do next (with the link only for a role that may do it), and forms that keep what
was typed, with the error beside its field."""
import re

import pytest
from flask import render_template_string
from flask_babel import force_locale

from figures_support import add_quota
from pages_support import field_errors, pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.quotas.rollup import Target

SEPARATED = {"vi": "1.234", "en": "1,234"}


def figures(fragment):
    """The numbers of a text, as written (digits with their separators)."""
    return re.findall(r"\d[\d.,]*\d|\d", fragment)


# --- numbers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_number_filters_follow_the_language(app, lang):
    with app.test_request_context(), force_locale(lang):
        shown = render_template_string("{{ 1234|num }} {{ 12.5|num }} {{ 134|percent }} {{ none|percent }} "
                                       "{{ target|quota }} {{ 2022 }}", target=Target(1200, 1500))
    assert shown == {"vi": "1.234 12,5 134% — 1.200–1.500 2022", "en": "1,234 12.5 134% — 1,200–1,500 2022"}[lang]


def test_a_formatted_count_still_chooses_singular_or_plural_by_the_number(app):
    template = "{{ ngettext('%(num)s case', '%(num)s cases', n, num=n|num) }}"
    with app.test_request_context(), force_locale("en"):
        assert render_template_string(template, n=1) == "1 case"
        assert render_template_string(template, n=1234) == "1,234 cases"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_quota_page_writes_a_large_quota_with_the_readers_separators(world, pages, lang):
    add_quota(world.commune_a, 2022, 1234)
    pages.login("board")
    page = pages.get(f"/quotas/?year=2022&lang={lang}")
    assert page.status_code == 200
    row = section(page, "units")
    assert SEPARATED[lang] in figures(row)  # the quota, and how far below it the commune is
    assert "1234" not in text(page)
    # A year is not a figure.
    assert "2022" in section(page, "quota-history") and "2.022" not in text(page) and "2,022" not in text(page)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_setting_a_large_quota_says_so_with_the_readers_separators(world, pages, lang):
    pages.login("board")
    pages.get(f"/quotas/?year=2022&lang={lang}")  # the language is remembered for the session
    response = pages.post(f"/quotas/?unit={world.town.id}&year=2022",
                          data={"unit_id": world.commune_a.id, "year": 2022, "minimum": 1200, "maximum": 1500},
                          follow_redirects=True)
    separated = {"vi": "1.200–1.500", "en": "1,200–1,500"}[lang]
    assert separated in text(response)
    history = section(response, "quota-history")
    assert separated in history and "2022" in text(response) and "2.022" not in text(response)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_year_report_writes_large_figures_with_the_readers_separators(world, pages, lang):
    add_quota(world.town, 2022, 1234)
    pages.login("board")
    page = pages.get(f"/reports/year?year=2022&lang={lang}")
    assert page.status_code == 200
    headline = section(page, "headline")
    assert figures(headline).count(SEPARATED[lang]) == 2  # the quota, and how far short of it
    assert "1234" not in headline
    assert "2022" in text(page) and "2.022" not in text(page) and "2,022" not in text(page)


def test_the_printed_year_report_writes_large_figures_the_vietnamese_way(world, pages, needs_pdf):
    from test_year_report import pdf_text
    add_quota(world.town, 2022, 1234)
    pages.login("board")
    response = pages.get("/reports/year.pdf?year=2022&lang=vi")
    assert response.status_code == 200
    printed = " ".join(pdf_text(response.data).split())
    assert "1.234" in printed and "1234" not in printed and "2022" in printed


# --- empty states -----------------------------------------------------------------------------

def test_an_empty_class_offers_enrolment_only_to_those_who_may_enrol(world, pages):
    url = f"/training/{world.training_class.id}"
    pages.login("sec_a1")
    page = pages.get(url)
    empty = section(page, "empty")
    assert "No candidate from your units is enrolled in this class yet" in empty
    assert f'href="/training/{world.training_class.id}/enrol"' in page.get_data(as_text=True).split('id="empty"')[1]
    pages.login("admin")  # reads every class, enrols no one
    page = pages.get(url)
    assert "No candidate from your units is enrolled in this class yet" in section(page, "empty")
    assert 'id="empty-enrol"' not in page.get_data(as_text=True)


def test_an_empty_candidate_list_says_what_to_do_by_role(world, pages):
    pages.login("sec_a1")
    page = pages.get("/candidates/")
    assert "No candidates yet" in section(page, "empty")
    assert 'href="/candidates/new"' in page.get_data(as_text=True).split('id="empty"')[1]
    pages.login("board")
    page = pages.get("/candidates/")
    assert "Branch secretaries open the cases" in section(page, "empty")
    assert 'href="/candidates/new"' not in page.get_data(as_text=True)
    # A filter that matches nothing offers to clear it.
    page = pages.get("/candidates/?q=Không+Có+Ai")
    assert "No candidate matches these filters." in section(page, "empty")


def test_an_empty_audit_log_says_why_and_a_filtered_one_offers_to_clear(world, make_case, pages):
    pages.login("board")
    assert "No act has been recorded in these units yet" in section(pages.get("/audit/"), "empty")
    make_case("spotted")
    page = pages.get(f"/audit/?user={world['board'].id}")
    empty = section(page, "empty")
    assert "No act matches these filters." in empty
    assert 'id="clear-filters"' in page.get_data(as_text=True)


def test_no_stuck_case_offers_every_case_and_a_filter_offers_to_clear(world, make_case, pages):
    make_case("spotted")
    pages.login("com_a")
    page = pages.get("/dashboard/cases?which=overdue")
    assert "No case is overdue here" in section(page, "empty")
    assert 'id="all-cases"' in page.get_data(as_text=True)
    page = pages.get("/dashboard/cases?which=all&source=farmers_union")  # the case came from the Youth Union
    assert "No case matches these filters." in section(page, "empty")
    assert 'id="clear-filters"' in page.get_data(as_text=True)


# --- forms ------------------------------------------------------------------------------------

def test_a_failed_new_candidate_keeps_what_was_typed_with_the_error_beside_the_field(world, pages):
    pages.login("sec_a1")
    response = pages.post("/candidates/new", data={
        "full_name": "Phùng Tấn Thắng", "date_of_birth": "", "sex": "male", "ethnicity": "Kinh",
        "education": "upper_secondary", "occupation": "Phó Bí thư chi đoàn thôn", "residence": "Khối phố Tân Khai",
        "source_organisation": "youth_union", "helper_member": "Lê Văn Giúp", "effective_date": "2022-03-01"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Phùng Tấn Thắng"' in page and 'value="Lê Văn Giúp"' in page
    assert field_errors(response, "date_of_birth")
    field = re.search(r'<input[^>]*id="date_of_birth"[^>]*>', page).group(0)
    assert "is-invalid" in field and 'aria-describedby="date_of_birth-errors' in field
    assert field_errors(response, "full_name") == ""


def test_a_bad_year_on_the_quota_page_is_shown_beside_its_own_field(world, pages):
    pages.login("board")
    response = pages.get("/quotas/?year=1800")
    page = response.get_data(as_text=True)
    field = re.search(r'<input[^>]*id="period-year"[^>]*>', page).group(0)
    assert "is-invalid" in field and 'aria-describedby="period-year-errors"' in field
    assert 'for="period-year"' in page
    assert field_errors(response, "period-year") or 'id="period-year-errors"' in page
