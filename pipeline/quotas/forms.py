"""The quota form (one number, or a range with a maximum) and the year/date choice of the pages."""
from pipeline.base.i18n import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from pipeline.base.forms import BaseForm, choices

FIRST_YEAR, LAST_YEAR = 2000, 2100
# Far above any unit's admissions in a year, and inside the integer columns that keep quotas.
MAX_QUOTA = 1_000_000


def _year_field(required=True):
    return IntegerField(_l("Year"), validators=[
        InputRequired(message=_l("This field is required.")) if required else Optional(),
        NumberRange(min=FIRST_YEAR, max=LAST_YEAR, message=_l("Number must be between %(min)s and %(max)s."))])


class QuotaForm(BaseForm):
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[InputRequired(message=_l("This field is required."))])
    year = _year_field()
    minimum = IntegerField(_l("Quota, or the lower end of a range"), validators=[
        InputRequired(message=_l("This field is required.")),
        NumberRange(min=0, message=_l("A quota cannot be negative.")),
        NumberRange(max=MAX_QUOTA, message=_l("Number must be at most %(max)s."))])
    maximum = IntegerField(_l("Upper end of a range such as 6–8 (optional)"), validators=[
        Optional(), NumberRange(min=0, message=_l("A quota cannot be negative.")),
        NumberRange(max=MAX_QUOTA, message=_l("Number must be at most %(max)s."))])

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_id.choices = choices((u.id, u.name) for u in units)

    def validate_maximum(self, field):
        if field.data is not None and self.minimum.data is not None and field.data < self.minimum.data:
            raise ValidationError(_l("The upper end of the range cannot be below the lower end."))


class PeriodForm(BaseForm):
    """The year of a page and, for the report, the last day counted (GET parameters)."""
    class Meta:
        csrf = False

    # Left out of the address (the menu's link): this year, not an error.
    year = _year_field(required=False)
    until = DateField(_l("Up to"), validators=[Optional()])

    def validate_until(self, field):
        if field.data and self.year.data and field.data.year != self.year.data:
            raise ValidationError(_l("The date must be in the year of the report."))
