"""The year's report on the admission of new members, for a unit of the user's subtree and a year
up to a day, every section as of that day: the page (charts drawn by Chart.js), its per-unit table
as CSV or XLSX (?format=), and the printed report as a PDF (the same sections, SVG charts, the
layout of a party document). Any unit outside the subtree is a 404."""

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select

from pipeline.base import clock
from pipeline.dashboard.figures import ListText
from pipeline.extensions import db
from pipeline.jobs.operations import large_pdf_as_job
from pipeline.jobs.run import current_run
from pipeline.printing import pdf
from pipeline.quotas.access import requested_period, requested_unit, trail
from pipeline.quotas.rollup import template_figures
from pipeline.reports.charts import report_charts, svg_bars
from pipeline.reports.export import export_report
from pipeline.reports.letterhead import office_parts
from pipeline.reports.queries import year_report as build_year_report
from pipeline.units.models import Unit, subtree_filter

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.context_processor
def figures_context():
    return template_figures("reports.year_report")


def _report():
    unit = requested_unit()
    period_form, year, until = requested_period(with_until=True)
    return unit, period_form, build_year_report(unit, year, until, clock.today())


def _title(report):
    return _("Admissions %(year)d %(unit)s", year=report.rollup.year, unit=report.rollup.root.unit.name)


@bp.get("/year")
@login_required
def year_report():
    unit, period_form, report = _report()
    if "format" in request.args:
        return export_report(request.args["format"], _title(report), report, unit)
    return render_template("reports/year.html", unit=unit, report=report, r=report.rollup, crumbs=trail(unit),
                           period_form=period_form, charts=report_charts(report), text=ListText())


@bp.get("/year.pdf")
@login_required
def year_report_pdf():
    # Above EXPORT_JOB_REPORT_UNITS units in the subtree the worker makes it (pipeline.jobs): the
    # answer is the job's page. A report of figures: its download is no read of anyone's particulars.
    unit = requested_unit()
    job_page = large_pdf_as_job(units_in_subtree(unit), "EXPORT_JOB_REPORT_UNITS",
                                _("Admissions %(year)d %(unit)s", year=requested_period()[1], unit=unit.name))
    if job_page is not None:
        return job_page
    unit, _form, report = _report()
    html = render_template("reports/year_print.html", unit=unit, report=report, r=report.rollup,
                           charts=report_charts(report), svg_bars=svg_bars, text=ListText(),
                           office=office_parts(report.rollup.root.unit, unit.parent))
    filename = f"report-{unit.code}-{report.rollup.year}-{report.rollup.until:%Y%m%d}.pdf"
    response = pdf.pdf_response(html, filename)
    if (run := current_run()) is not None:  # the worker: the file is written
        run.write_response(response, filename)
    return response


def units_in_subtree(unit):
    """What makes the report long: the units it adds up (one statement)."""
    return db.session.execute(select(func.count()).select_from(Unit).where(subtree_filter(unit))).scalar_one()
