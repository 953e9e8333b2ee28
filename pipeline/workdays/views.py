"""The working-day calendar's overrides, for administrators: /admin/calendar.
Other roles get 404, like every page outside their scope."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _
from flask_login import login_required
from sqlalchemy import select

from pipeline.base import clock
from pipeline.accounts.models import User
from pipeline.extensions import db
from pipeline.base.forms import EmptyForm
from pipeline.workdays import operations
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workdays.forms import FIRST_YEAR, KINDS, LAST_YEAR, CalendarOverrideForm
from pipeline.workdays.models import CalendarOverride
from pipeline.web.scope import current_actor

bp = Blueprint("workdays", __name__, url_prefix="/admin/calendar")


@bp.before_request
@login_required
def admin_only():
    if not operations.may_edit_calendar(current_actor()):
        abort(404)


def _year():
    year = request.args.get("year", type=int)
    return year if year is not None and FIRST_YEAR <= year <= LAST_YEAR else clock.today().year


def _page(form, year, status=200):
    calendar = form.calendar
    rows = db.session.execute(
        select(CalendarOverride, User.display_name)
        .outerjoin(User, User.id == CalendarOverride.created_by_id)
        .where(CalendarOverride.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(CalendarOverride.day)
    ).all()
    return render_template("workdays/calendar.html", form=form, year=year, overrides=rows,
                           days=calendar.special_days(year), first_year=FIRST_YEAR, last_year=LAST_YEAR), status


@bp.get("")
def show_calendar():
    return _page(CalendarOverrideForm(calendar=WorkingCalendar.load()), _year())


@bp.post("")
def add_override():
    form = CalendarOverrideForm(calendar=WorkingCalendar.load())
    if form.validate_on_submit():
        try:
            operations.add_calendar_override(current_actor(), form.day.data, KINDS[form.kind.data], form.note.data)
        except operations.DayTaken:  # someone added the same day in the meantime
            form.day.errors.append(_("%(day)s already has an entry: delete it first to change it.",
                                     day=format_date(form.day.data, "dd/MM/yyyy")))
        else:
            flash(_("Saved: %(day)s.", day=format_date(form.day.data, "dd/MM/yyyy")), "success")
            return redirect(url_for(".show_calendar", year=form.day.data.year))
    year = form.day.data.year if form.day.data and not form.day.errors else _year()
    return _page(form, year, 422)


@bp.route("/<int:override_id>/delete", methods=["GET", "POST"])
def delete_override(override_id):
    override = db.get_or_404(CalendarOverride, override_id)
    form = EmptyForm()
    if form.validate_on_submit():
        day = override.day
        operations.delete_calendar_override(current_actor(), override)
        flash(_("Deleted: %(day)s.", day=format_date(day, "dd/MM/yyyy")), "success")
        return redirect(url_for(".show_calendar", year=day.year))
    if request.method == "POST":
        abort(400)
    return render_template("workdays/delete.html", override=override, form=form)
