"""The year report's chart of cases by stage, drawn by Chart.js (pipeline/static/charts.js), labels
every one of its 9 bars, on a 375 px phone and a 1440 px desktop: Chart.js keeps every tick
(no auto-skipping) and the wrapped labels have room, each below the one above it."""
from browser.browser_support import assert_fits_screen, log_in

REPORT = "/reports/year?year=2022&until=2022-10-31"
STAGES = 9  # the main road, spotting to official member (pipeline.workflow.stages.MAIN_STAGES)

# The y-axis of the funnel chart: how many ticks it keeps, each label's lines and its position.
TICKS = """() => {
  const chart = window.Chart.getChart(document.querySelector('canvas[data-chart="chart-funnel"]'));
  const y = chart.scales.y;
  return {labels: chart.data.labels.length,
          ticks: y.ticks.map((tick, i) => ({lines: [].concat(y.getLabelForValue(tick.value)).length,
                                            pixel: y.getPixelForTick(i)})),
          font: (y.options.ticks.font && y.options.ticks.font.size) || 12};
}"""


def test_every_bar_of_the_stage_chart_has_its_label_on_a_phone(phone, shots):
    every_bar_labelled(phone)
    assert_fits_screen(phone)
    phone.locator("#figure-funnel").scroll_into_view_if_needed()
    shots(phone, "report-375", "charts")


def test_every_bar_of_the_stage_chart_has_its_label_on_a_desktop(desktop, shots):
    every_bar_labelled(desktop)
    shots(desktop, "report-1440", "charts")


def every_bar_labelled(page):
    log_in(page, "btc")
    page.goto(REPORT)
    page.wait_for_function("() => window.Chart && window.Chart.getChart("
                           "document.querySelector('canvas[data-chart=\"chart-funnel\"]'))")
    found = page.evaluate(TICKS)
    assert found["labels"] == STAGES and len(found["ticks"]) == STAGES, found
    ticks = found["ticks"]
    for above, below in zip(ticks, ticks[1:]):
        # Half of each label (its lines at the tick's font) fits between the two ticks.
        room = (above["lines"] + below["lines"]) / 2 * found["font"]
        assert below["pixel"] - above["pixel"] >= room, found
