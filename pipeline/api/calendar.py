"""The working-day calendar through the API, as its page (pipeline.workdays.views): the year's
days off and working weekends, and the administrator's overrides (a swapped working day, an
extra day off), added and deleted by the page's form and operations, which rewrite the running
deadlines counted in working days. Administrators only: another role gets 404, as on the page."""
from datetime import date

from flask import abort
from marshmallow import fields, validate

from pipeline.api.acts import refused_fields
from pipeline.api.blueprint import ApiBlueprint
from pipeline.api.errors import error_response
from pipeline.api.form_schemas import page_form
from pipeline.api.schemas import ErrorOut, Out, Strict
from pipeline.base import clock
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.extensions import db
from pipeline.web.scope import current_actor
from pipeline.workdays import operations
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workdays.forms import FIRST_YEAR, KINDS, LAST_YEAR, CalendarOverrideForm
from pipeline.workdays.models import CalendarOverride

bp = ApiBlueprint("api_calendar", __name__, url_prefix="/api/v1",
                  description="The working-day calendar (administrators).")
NOT_SAVED = _l("The day was not saved: correct the fields named.")
DAY_TAKEN = _l("This day already has an entry: delete it first to change it.")


@bp.before_request
def administrators_only():
    if not operations.may_edit_calendar(current_actor()):
        abort(404)


class YearQuery(Strict):
    year = fields.Integer(load_default=None, validate=validate.Range(FIRST_YEAR, LAST_YEAR),
                          metadata={"description": "Default: this year."})


class OverrideBody(Strict):
    day = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)), metadata={
        "description": "working: people work that day (a swapped working day); off: an extra day off."})
    note = fields.String(load_default="", validate=validate.Length(max=300),
                         metadata={"description": "For example the government notice that swapped the day."})


class OverrideOut(Out):
    id = fields.Integer()
    day = fields.Date()
    kind = fields.Function(lambda row: "working" if row.is_working_day else "off")
    note = fields.String()


class SpecialDayOut(Out):
    day = fields.Date()
    working = fields.Boolean()
    holiday = fields.String(allow_none=True)
    overridden = fields.Boolean()


class CalendarOut(Out):
    year = fields.Integer()
    days = fields.List(fields.Nested(SpecialDayOut), metadata={
        "description": "Every weekday off and every weekend working day of the year."})
    overrides = fields.List(fields.Nested(OverrideOut))


@bp.route("/calendar", methods=["GET"])
@bp.arguments(YearQuery, location="query", as_kwargs=True)
@bp.response(200, CalendarOut)
def read_calendar(year):
    """The year's days off and working weekends (the holidays by law, and the overrides)."""
    year = year or clock.today().year
    calendar = WorkingCalendar.load()
    overrides = db.session.execute(
        db.select(CalendarOverride).where(CalendarOverride.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(CalendarOverride.day)).scalars().all()
    return {"year": year, "overrides": overrides,
            "days": [{"day": day, "working": working, "holiday": holiday, "overridden": overridden}
                     for day, working, holiday, overridden in calendar.special_days(year)]}


@bp.route("/calendar", methods=["POST"])
@bp.arguments(OverrideBody)
@bp.response(201, OverrideOut)
@bp.alt_response(404, schema=ErrorOut, description="Not an administrator.")
@bp.alt_response(409, schema=ErrorOut, description="The day got an entry meanwhile.")
@bp.alt_response(422, schema=ErrorOut, description="Refused: the day, or an entry that changes nothing.")
def add_override(body):
    """Make a day a working day or a day off, as the calendar page does: the running deadlines
    counted in working days are rewritten with it."""
    form = page_form(CalendarOverrideForm, body, calendar=WorkingCalendar.load())
    if not form.validate():
        return refused_fields(form.errors, message=NOT_SAVED)
    try:
        return operations.add_calendar_override(current_actor(), form.day.data, KINDS[form.kind.data],
                                                form.note.data), 201
    except operations.DayTaken:
        return error_response(409, DAY_TAKEN)


@bp.route("/calendar/<int:override_id>", methods=["DELETE"])
@bp.response(204)
@bp.alt_response(404, schema=ErrorOut, description="No such entry (or not an administrator).")
def delete_override(override_id):
    """Delete an override: the day is what the law makes it again, and the deadlines follow."""
    override = db.session.get(CalendarOverride, override_id) if override_id <= 2**31 - 1 else None
    if override is None:
        abort(404)
    operations.delete_calendar_override(current_actor(), override)
    return ""
