"""The quota page: a unit's quota and admissions for a year, each subordinate unit against its own,
with the pool waiting behind; the form that sets the quotas of the units below (POST); the table
as CSV or XLSX (?format=). Scoped to the user's subtree: any other unit is a 404."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import or_, select

from pipeline.extensions import db

from pipeline.exports import EXPORT_FORMATS
from pipeline.quotas.access import requested_period, requested_unit, trail
from pipeline.quotas.export import export_units
from pipeline.quotas.forms import QuotaForm
from pipeline.quotas.operations import may_set_quota, quota_history, set_quota
from pipeline.quotas.rollup import rollup, template_figures
from pipeline.units.models import Unit
from pipeline.web.scope import current_actor

bp = Blueprint("quotas", __name__, url_prefix="/quotas")


@bp.context_processor
def figures_context():
    return template_figures("quotas.index")


def _settable(units):
    """The units of the page whose quota the user may set: the unit itself, its subordinates."""
    return [unit for unit in units if may_set_quota(current_actor(), unit)]


def _unit_and_subordinates(unit):
    return db.session.execute(select(Unit).where(or_(Unit.id == unit.id, Unit.parent_id == unit.id))
                              .order_by(Unit.depth, Unit.name, Unit.id)).scalars().all()


def _page(unit, period_form, r, quota_form, status=200):
    # The units merged into a line during the year: its target adds up their quotas.
    history = quota_history([r.root.unit, *(line.unit for line in r.children), *r.merged], r.year)
    return render_template("quotas/index.html", unit=unit, r=r, crumbs=trail(unit), period_form=period_form,
                           quota_form=quota_form, export_formats=EXPORT_FORMATS, history=history), status


@bp.get("/")
@login_required
def index():
    unit = requested_unit()
    period_form, year, until = requested_period()
    r = rollup(unit, year, until)
    if "format" in request.args:
        return export_units(request.args["format"], _("Quotas %(year)d %(unit)s", year=year, unit=r.root.unit.name), r,
                            unit)
    settable = _settable([r.root.unit, *(line.unit for line in r.children)])
    quota_form = QuotaForm(units=settable, formdata=None, data={"year": year}) if settable else None
    return _page(unit, period_form, r, quota_form)


@bp.post("/")
@login_required
def set_unit_quota():
    unit = requested_unit()
    settable = _settable(_unit_and_subordinates(unit))
    if not settable:
        abort(403)
    form = QuotaForm(units=settable)
    if not form.validate_on_submit():
        period_form, year, until = requested_period()
        return _page(unit, period_form, rollup(unit, year, until), form, status=422)
    target_unit = next(u for u in settable if u.id == form.unit_id.data)
    quota = set_quota(current_actor(), target_unit, form.year.data, form.minimum.data, form.maximum.data)
    flash(_("Quota of %(unit)s for %(year)d: %(quota)s.", unit=target_unit.name, year=quota.year,
            quota=quota.label), "success")
    return redirect(url_for(".index", unit=unit.id, year=quota.year))
