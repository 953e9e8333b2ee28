"""Every section of the year report is as of its end date, and says so, on the page, in the PDF
and in the XLSX; on the Điện Bàn demo the article's figures (DOMAIN.md §5): 134 admitted (117 in
the communes and wards, 17 directly under the town), Điện Hòa 12 of 6–8, Điện Dương 11 of 8 to
30/09/2022; 2 classes with 136 attendees to 31/10/2022. The printed report is an office
document: number, place and date, recipients, signature (pipeline.reports.letterhead)."""
import json
import re
from datetime import date

import sqlalchemy as sa

from figures_support import admitted_2022, direct_actors, unit_rows  # noqa: F401  (fixtures)
from pages_support import pages, section, text  # noqa: F401  (pages is a fixture)
from pipeline.extensions import db
from pipeline.printing import pdf
from pipeline.reports.queries import stuck_list
from pipeline.reports.stuck_then import stuck_cases_on
from pipeline.units.models import Unit
from test_year_report import pdf_text
from xlsx_support import table, title_lines, workbook_of

SNAPSHOT = date(2022, 10, 31)
SEPTEMBER = "/reports/year?year=2022&until=2022-09-30"
OCTOBER = "/reports/year?year=2022&until=2022-10-31"
SECTIONS = ("units-section", "training", "pool", "charts", "stuck")
DIEN_HOA, DIEN_DUONG, TOWN = "Đảng bộ xã Điện Hòa", "Đảng bộ phường Điện Dương", "Đảng bộ thị xã Điện Bàn"


def unit(code):
    return db.session.execute(sa.select(Unit).filter_by(code=code)).scalar_one()


def sheets(response):
    """sheet name -> (title lines, header and rows) of an XLSX export."""
    book = workbook_of(response.data)
    return {sheet.title: (title_lines(sheet), table(sheet)) for sheet in book.worksheets}


def rows_by_name(rows):
    return {row[0]: row for row in rows[1:]}


def printed(pages, url):
    return " ".join(pdf_text(pages.get(url.replace("/year?", "/year.pdf?")).data).split())


def test_the_demo_reads_the_article_as_of_each_end_date(app, demo, pages):
    app.config["TODAY"] = SNAPSHOT
    pages.login("btc", password="demo")

    # To 30/09/2022: the admissions of the article, and every section of that day.
    september = pages.get(SEPTEMBER)
    assert "every figure as of 30/09/2022" in section(september, "period-line")
    for element in SECTIONS:
        assert "(as of 30/09/2022)" in section(september, element), element
    headline = section(september, "headline")
    assert "134 new members admitted, 134% of the quota (100)." in headline
    assert "Commune and ward committees: 117" in headline and f"Directly under {TOWN}: 17" in headline
    rows = unit_rows(september)
    assert rows["dienhoa"][2:6] == ["6–8", "12", "150% of the upper end (8)", "4 above the upper end"]
    assert rows["dienduong"][2:6] == ["8", "11", "138%", "3 above"]
    # The second class began on 17/10: not there yet, nor its attendees.
    assert "1 class" in section(september, "classes-total")
    assert "khóa 2/2022" not in section(september, "training")

    found = sheets(pages.get(f"{SEPTEMBER}&format=xlsx"))
    titles, units = found["Unit figures"]
    assert "Period: from 01/01/2022 to 30/09/2022" in titles and "Figures as of 30/09/2022" in titles
    by_name = rows_by_name(units)
    assert by_name[TOWN][2:8] == [100, 100, 134, 1.34, None, 34]
    assert by_name[DIEN_HOA][2:8] == [6, 8, 12, 1.5, "upper end (8)", 4]
    assert by_name[DIEN_DUONG][2:8] == [8, 8, 11, 1.38, None, 3]
    titles, groups = found["Groups"]
    assert "Figures as of 30/09/2022" in titles
    assert [row[4] for row in groups[1:]] == [117, 17]
    titles, classes = found["Classes"]
    assert "Figures as of 30/09/2022" in titles and classes[-1][0] == "1 class"

    # To 31/10/2022: the classes of the article, and Phùng Tấn Thắng's ceremony of 08/10.
    october = pages.get(OCTOBER)
    assert "(as of 31/10/2022)" in section(october, "training")
    total = section(october, "classes-total")
    assert "2 classes" in total and "136 attendees" in total
    assert "135 new members admitted" in section(october, "headline")
    titles, classes = sheets(pages.get(f"{OCTOBER}&format=xlsx"))["Classes"]
    assert "Figures as of 31/10/2022" in titles
    assert classes[-1][0] == "2 classes" and classes[-1][-1] == 136
    assert len(classes) == 4  # the header, the two classes, the total

    if pdf.available():  # the PDF part of the suite is skipped (or fails under CI) elsewhere
        words = printed(pages, SEPTEMBER)
        assert "every figure as of 30/09/2022" in words and "(as of 30/09/2022)" in words
        assert "134 new members admitted, 134% of the quota (100)." in words
        assert "Commune and ward committees: 117" in words and f"Directly under {TOWN}: 17" in words
        assert re.search(r"Điện Hòa Commune party committee 6–8 12 150% of the upper end \(8\) 4 above the upper end",
                         words), words
        assert re.search(r"Điện Dương Ward party committee 8 11 138% 3 above", words)
        words = printed(pages, OCTOBER)
        assert "2 classes 136 attendees" in words and "(as of 31/10/2022)" in words


def test_classes_and_pool_follow_the_end_date(admitted_2022, pages):
    """The test world's cases were spotted on 01/06/2021, enrolled in the town's class on
    01/09/2021; by 31/12/2021 five awaited the decision, one the committee, one was in training
    and one had a dossier (conftest.FORWARD_ACTS)."""
    pages.login("board")
    august = pages.get("/reports/year?year=2021&until=2021-08-31")
    assert "No class this year up to 31/08/2021." in section(august, "training")
    assert "Total: 0" in section(august, "pool")

    september = pages.get("/reports/year?year=2021&until=2021-09-10")
    assert "(as of 10/09/2021)" in section(september, "training")
    total = section(september, "classes-total")
    assert "1 class" in total and "8 attendees" in total
    pool = section(september, "pool")
    assert "In training: 8" in pool and "Voted by the branch: 0" in pool

    december = pages.get("/reports/year?year=2021&until=2021-12-31")
    pool = section(december, "pool")
    assert "In training: 1" in pool and "With a dossier: 1" in pool and "Voted by the branch: 6" in pool
    assert "(as of 31/12/2021)" in section(december, "pool")
    funnel = json.loads(re.search(r'<script type="application/json" id="chart-funnel">(.*?)</script>',
                                  december.get_data(as_text=True), re.S).group(1))
    by_stage = dict(zip(funnel["labels"], funnel["datasets"][0]["data"]))
    assert by_stage["Awaiting the admission decision"] == 5 and by_stage["Probationary member"] == 0
    # The same pool today (2022 onwards) is the one the case rows hold: five are members now.
    now = section(pages.get("/reports/year?year=2022"), "pool")
    assert "Voted by the branch: 1" in now

    # The export says the day of its pool, and holds the pool of that day.
    titles, units = sheets(pages.get("/reports/year?year=2021&until=2021-12-31&format=xlsx"))["Unit figures"]
    assert "Figures as of 31/12/2021" in titles
    assert units[0][8:] == ["In training, as of 31/12/2021", "With a dossier, as of 31/12/2021",
                            "Voted by the branch, as of 31/12/2021"]
    assert rows_by_name(units)["Đảng bộ thị xã Thử"][8:] == [1, 1, 6]
    # The quota page reads the same day.
    basis = section(pages.get("/quotas/?year=2021"), "basis")
    assert "as they stood on 31/12/2021" in basis


def test_stuck_cases_replayed_on_a_day_are_those_the_projection_gives(app, demo):
    """The stuck cases of a past day come from replaying the logs to that day; on today that
    replay finds exactly the cases (and reasons) the projection tables give."""
    app.config["TODAY"] = SNAPSHOT
    town = unit("dienban")
    total, replayed = stuck_cases_on(town, SNAPSHOT)
    counted, listed = stuck_list(town, SNAPSHOT, SNAPSHOT)
    assert total == counted == len(listed) > 0
    assert stuck_list(town, SNAPSHOT, SNAPSHOT, limit=2) == (total, listed[:2])  # counted past the limit
    assert [(c.case_id, c.stage, c.stage_entered_on) for c in replayed] == [
        (c.case_id, c.stage, c.stage_entered_on) for c in listed]
    assert [[(r.kind, r.due) for r in c.reasons] for c in replayed] == [
        [(r.kind, r.due) for r in c.reasons] for c in listed]
    september_total, _cases = stuck_cases_on(town, date(2022, 9, 30))
    assert september_total != total  # the day matters


def test_the_printed_report_is_an_office_document(app, demo, pages, needs_pdf):
    app.config["TODAY"] = SNAPSHOT
    pages.login("btc", password="demo")
    town = printed(pages, SEPTEMBER)
    assert "No. ……-BC/TU" in town  # the number is written in by hand: the app keeps no register
    assert "Điện Bàn, day 31 month 10 year 2022" in town
    assert "Recipients: - " in town and "(for reporting), - File: the office." in town
    assert "ON BEHALF OF THE STANDING COMMITTEE SECRETARY" in town
    commune = printed(pages, f"{SEPTEMBER}&unit={unit('dienhoa').id}")
    assert "No. ……-BC/ĐU" in commune and "Điện Hòa, day 31 month 10 year 2022" in commune
    assert f"- {TOWN} (for reporting)," in commune
    assert "ON BEHALF OF THE PARTY COMMITTEE SECRETARY" in commune


def test_the_printed_report_escapes_unit_names(admitted_2022, pages, needs_pdf):
    world = admitted_2022
    world.commune_a.name = "Đảng bộ xã <b>A</b> & Co"
    db.session.commit()
    pages.login("sec_a1")
    words = printed(pages, "/reports/year?year=2022&until=2022-06-30")
    # The branch's locality is the commune's name, written out as typed, never as markup.
    assert "<b>A</b> & Co, day" in words
    assert "- Đảng bộ xã <b>A</b> & Co (for reporting)," in words
    assert "No. ……-BC/CB" in words and "ON BEHALF OF THE BRANCH" in words


def test_the_stage_chart_names_every_stage_on_the_page_and_in_the_pdf(admitted_2022, app, pages):
    """The page's chart spec and the PDF's SVG carry a label for each of the 9 bars (the browser
    test, tests/browser/test_browser_report_chart.py, checks Chart.js draws them all)."""
    import html

    from flask_babel import force_locale

    from pipeline.base import clock
    from pipeline.reports.charts import report_charts, svg_bars
    from pipeline.reports.queries import year_report
    from pipeline.workflow.stages import MAIN_STAGES
    with app.test_request_context(), force_locale("en"):
        stages = [str(stage.label) for stage in MAIN_STAGES]
    assert len(stages) == 9
    pages.login("board")
    page = pages.get("/reports/year?year=2022").get_data(as_text=True)
    spec = json.loads(re.search(r'<script type="application/json" id="chart-funnel">(.*?)</script>', page, re.S).group(1))
    assert spec["labels"] == stages
    with app.test_request_context(), force_locale("en"):
        report = year_report(admitted_2022.town, 2022, date(2022, 12, 31), clock.today())
        funnel = next(chart for chart in report_charts(report) if chart.id == "funnel")
        svg = str(svg_bars(funnel))
    assert [html.unescape(label) for label in re.findall(r'text-anchor="end"[^>]*>([^<]*)</text>', svg)] == stages
