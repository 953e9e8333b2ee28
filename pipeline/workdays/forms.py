"""Forms of the working-day calendar page."""
from datetime import date

from flask_babel import format_date
from pipeline.base.i18n import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from pipeline.base.validators import plain_text
from pipeline.base.forms import BaseForm, choices
from pipeline.workdays.calendar import WorkingCalendar

# The years the calendar can be edited for: far enough back for old cases, ahead for planning.
FIRST_YEAR, LAST_YEAR = 2000, 2100
KINDS = {"working": True, "off": False}


class CalendarOverrideForm(BaseForm):
    day = DateField(_l("Day"), validators=[InputRequired(message=_l("This field is required."))])
    kind = SelectField(_l("On this day"), validators=[DataRequired(message=_l("This field is required."))],
                       choices=choices([("", _l("Choose…")), ("working", _l("people work (a swapped working day)")),
                                        ("off", _l("people do not work (an extra day off)"))]))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300), plain_text],
                       description=_l("For example the government notice that swapped the day."))

    def __init__(self, *args, calendar, **kwargs):
        super().__init__(*args, **kwargs)
        self.calendar = calendar

    def validate_day(self, field):
        day = field.data
        if day is None:  # not a date: WTForms has said so
            return
        if not date(FIRST_YEAR, 1, 1) <= day <= date(LAST_YEAR, 12, 31):
            raise ValidationError(_l("Choose a day between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))
        if day in self.calendar.overrides:
            raise ValidationError(_l("%(day)s already has an entry: delete it first to change it.",
                                     day=format_date(day, "dd/MM/yyyy")))

    def validate_kind(self, field):
        """An entry must change something: the calendar without overrides already says otherwise."""
        day = self.day.data
        if field.data not in KINDS or day is None or self.day.errors:
            return
        if WorkingCalendar().is_working_day(day) == KINDS[field.data]:
            shown = format_date(day, "dd/MM/yyyy")
            raise ValidationError(_l("%(day)s is already a working day.", day=shown) if KINDS[field.data]
                                  else _l("%(day)s is already a day off.", day=shown))
