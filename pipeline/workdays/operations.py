"""Changing the working-day calendar: administrators only. A change moves the due dates counted
in working days, so the cases that have such deadlines get them rewritten in the same transaction."""
from pipeline.base.i18n import lazy_gettext as _l

from pipeline.base.errors import NotPermitted
from pipeline.extensions import db
from pipeline.transaction import one_transaction
from pipeline.workdays.models import CalendarOverride
from pipeline.workflow.projection import cases_with_working_day_deadlines, rebuild


class DayTaken(Exception):
    """The day already has an entry (added in the meantime)."""


def may_edit_calendar(user):
    return user.role == "admin"


def _check(user):
    if not may_edit_calendar(user):
        raise NotPermitted(_l("Only an administrator can change the working-day calendar."))


def add_calendar_override(user, day, is_working_day, note=""):
    """Make `day` a working day (True) or a day off (False). A second entry for the same day is
    refused by the database's unique constraint: DayTaken."""
    with one_transaction(conflict=DayTaken):
        _check(user)
        override = CalendarOverride(day=day, is_working_day=is_working_day, note=(note or "").strip(),
                                    created_by_id=user.id)
        db.session.add(override)
        db.session.flush()
        rebuild(cases_with_working_day_deadlines())
    return override


def delete_calendar_override(user, override):
    with one_transaction():
        _check(user)
        db.session.delete(override)
        db.session.flush()
        rebuild(cases_with_working_day_deadlines())
