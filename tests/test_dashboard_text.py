"""The dashboard writes its links, figures and labels without url_for, Babel and `_()` per cell
(pipeline.dashboard.figures, issue 16): what a reader sees must be what those would write — the
numbers grouped as Babel groups them in each language, and every number of the matrix a link,
properly escaped, to exactly its cases with the filters kept."""
import html
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from babel import Locale
from babel.numbers import format_decimal
from flask import url_for
from markupsafe import escape

from dashboard_support import TODAY, grow, listed_case_ids, matrix_cells
from pages_support import pages  # noqa: F401  (pages is a fixture)
from pipeline.base.formatting import DAYS_PATTERN, BabelWriter, number_writer
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.dashboard.figures import ListText
from pipeline.workflow.stages import stage_label

WHOLE = (0, 1, 9, 10, 99, 999, 1000, 1001, 9999, 10000, 12345, 99999, 100000, 999999, 1000000, 123456789)


@pytest.fixture
def spread(app, world):
    app.config["TODAY"] = TODAY
    yield grow(world, 12)
    app.config.pop("TODAY", None)


@pytest.mark.parametrize("language", ["en", "vi"])
def test_the_numbers_are_written_as_babel_writes_them(app, language):
    writer = number_writer(Locale.parse(language))
    for n in WHOLE:
        assert writer.count(n) == format_decimal(n, locale=language)
        assert writer.days(n) == format_decimal(n, DAYS_PATTERN, locale=language)
        assert writer.days(n + 0.5) == format_decimal(n + 0.5, DAYS_PATTERN, locale=language)
    assert writer.count(12345) == ("12,345" if language == "en" else "12.345")
    assert writer.days(1234.5) == ("1,234.5" if language == "en" else "1.234,5")
    assert (writer.count(None), writer.days(None)) == ("", "—")
    assert not isinstance(writer, BabelWriter)  # the cheap writer, not the fallback, in both languages


def test_a_list_writes_each_reason_label_as_the_template_would_once_per_request(app):
    # The stuck cases' reasons repeat a few rules: ListText.label keeps each one's text, keyed by
    # what it is made of; a label with other values, or text interpolated into it, is its own.
    rule = "In “%(stage)s” for more than %(months)d months"
    with app.test_request_context():
        text = ListText()
        training = _l(rule, stage=stage_label("training"), months=6)
        again = _l(rule, stage=stage_label("training"), months=6)
        dossier = _l(rule, stage=stage_label("dossier"), months=6)
        longer = _l(rule, stage=stage_label("training"), months=9)
        hostile = _l("formerly %(names)s", names="<b>Ấp 1</b>")
        assert text.label(training) == escape(training) and text.label(again) is text.label(training)
        assert len({text.label(training), text.label(dossier), text.label(longer)}) == 3
        assert (text.label(dossier), text.label(longer)) == (escape(dossier), escape(longer))
        assert text.label(hostile) == escape(hostile) and "<b>" not in text.label(hostile)
        assert text.label("plain <i>") == escape("plain <i>")


def test_every_number_of_a_filtered_matrix_opens_exactly_its_cases_with_the_filters(app, pages, world, spread):
    pages.login("board")
    response = pages.get(f"/dashboard/?unit={world.commune_a.id}&source=youth_union&year={TODAY.year}")
    page = response.get_data(as_text=True)
    hrefs = re.findall(r'href="(/dashboard/cases\?[^"]*)"', page)
    assert hrefs and all("&amp;" in href and "&" not in href.replace("&amp;", "") for href in hrefs)
    with app.test_request_context():
        for href in hrefs:
            address = html.unescape(href)
            args = dict(parse_qsl(urlsplit(address).query))
            assert args["source"] == "youth_union" and args["year"] == str(TODAY.year)
            assert address == url_for("dashboard.cases", which=args.pop("which"), **args)
    # A row's cell lists exactly as many cases as it counts.
    cells = matrix_cells(response)
    (unit_id, stage), (count, _stuck, _overdue) = next(
        (key, figures) for key, figures in cells.items() if key[0] != "total" and key[1] != "all" and figures[0])
    listed = listed_case_ids(pages.get(f"/dashboard/cases?which=all&unit={unit_id}&stage={stage}"
                                       f"&source=youth_union&year={TODAY.year}&per_page=100"))
    assert len(listed) == count
    # From the top, each commune's row opens the matrix rooted there, the filters kept; a branch's
    # row opens its board.
    page = pages.get(f"/dashboard/?source=youth_union&year={TODAY.year}").get_data(as_text=True)
    assert f'href="/dashboard/?unit={world.commune_a.id}&amp;year={TODAY.year}&amp;source=youth_union"' in page
    assert f'href="/dashboard/branches/{world.branch_direct.id}/board"' in page
