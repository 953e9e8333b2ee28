"""The report's charts, described once as data: the page draws them with Chart.js
(pipeline/static/charts.js reads the spec from a JSON block), the PDF as plain SVG bars drawn
here (WeasyPrint runs no JavaScript). Both show the figures of the tables beside them."""
from dataclasses import asdict, dataclass
from html import escape

from flask_babel import gettext as _
from markupsafe import Markup

from pipeline.base.formatting import format_number

# Colours by dataset position, the same on the page and in the PDF.
PALETTE = ("#9aa5b1", "#c0392b", "#2c7be5")


@dataclass
class Dataset:
    label: str
    data: list
    color: str


@dataclass
class ChartSpec:
    id: str
    title: str
    labels: list
    datasets: list
    unit: str = ""  # what the numbers count, for the axis

    def as_json(self):
        return asdict(self)


def _datasets(*pairs):
    return [Dataset(str(label), list(values), PALETTE[index % len(PALETTE)])
            for index, (label, values) in enumerate(pairs)]


def report_charts(report):
    """Plan against actual per subordinate unit (the unit itself when it has none), the funnel
    by stage, and the time cases have been in their stage."""
    r = report.rollup
    lines = r.children or [r.root]
    plan = ChartSpec("plan-vs-actual", _("Quota and admitted, by unit"), [line.unit.name for line in lines],
                     _datasets((_("Quota (lower end of a range)"),
                                [line.target.minimum if line.target else 0 for line in lines]),
                               (_("Admitted"), [line.admitted for line in lines])),
                     _("new members"))
    funnel = ChartSpec("funnel", _("Cases by stage"), [str(label) for _stage, label, _n in report.funnel],
                       _datasets((_("Cases"), [n for _stage, _label, n in report.funnel])), _("cases"))
    times = ChartSpec("time-in-stage", _("Days in their stage"),
                      [str(t.label) for t in report.time_in_stage],
                      _datasets((_("Median"), [float(t.median_days) for t in report.time_in_stage]),
                                (_("Longest"), [t.max_days for t in report.time_in_stage])), _("days"))
    return [plan, funnel, times]


# --- SVG for the PDF: horizontal bars, one group per label ---------------------------------

LABEL_WIDTH, BAR_AREA, VALUE_WIDTH = 230, 380, 40
BAR_HEIGHT, GROUP_GAP, LEGEND_HEIGHT = 9, 6, 18
FONT = 'font-family="DejaVu Sans, sans-serif"'


def svg_bars(spec):
    """The chart as an inline SVG element (attributes only, no style: the CSP forbids inline styles)."""
    top = max((v for dataset in spec.datasets for v in dataset.data), default=0) or 1
    group = BAR_HEIGHT * len(spec.datasets) + GROUP_GAP
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    height = LEGEND_HEIGHT + group * len(spec.labels) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(spec.title)}">']
    x = LABEL_WIDTH
    for dataset in spec.datasets:  # the legend
        parts.append(f'<rect x="{x}" y="3" width="10" height="10" fill="{dataset.color}"/>'
                     f'<text x="{x + 14}" y="12" font-size="9" {FONT}>{escape(dataset.label)}</text>')
        x += 24 + 6 * len(dataset.label)
    for row, label in enumerate(spec.labels):
        y = LEGEND_HEIGHT + row * group
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + group / 2 + 1}" font-size="8" text-anchor="end" '
                     f'{FONT}>{escape(_shorten(label))}</text>')
        for index, dataset in enumerate(spec.datasets):
            value = dataset.data[row]
            bar_y = y + index * BAR_HEIGHT
            length = round(BAR_AREA * value / top, 1)
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{bar_y}" width="{length}" height="{BAR_HEIGHT - 1}" '
                         f'fill="{dataset.color}"/>'
                         f'<text x="{LABEL_WIDTH + length + 3}" y="{bar_y + BAR_HEIGHT - 2}" font-size="7.5" '
                         f'{FONT}>{escape(format_number(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _shorten(text, limit=42):
    return text if len(text) <= limit else text[:limit - 1] + "…"
