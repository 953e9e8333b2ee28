"""The forms of the unit pages (pipeline/units/views.py). Parent choices are the open committees
of the administrator's subtree, given by the view; anything else is "Not a valid choice". The
operations check every rule again (pipeline/units/operations.py): the forms only say it early."""
from datetime import date

from pipeline.base.i18n import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from pipeline.accounts.admin_forms import indented
from pipeline.base.forms import BaseForm, choices, date_required, required
from pipeline.base.validators import nfc, plain_text
from pipeline.units.forms import unit_code_rule
from pipeline.units.models import UNIT_KINDS
from pipeline.units.operations import MAX_NAME, MAX_OFFICIAL_MEMBERS

# Dates a unit's history can carry: the Party's own history, and not past this century.
FIRST_DAY, LAST_DAY = date(1930, 1, 1), date(2099, 12, 31)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def reasonable_date(form, field):
    if field.data and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(_l("Give a date between 1930 and 2099."))


def _name():
    return StringField(_l("Name"), filters=[nfc, _strip], validators=[required(), Length(max=MAX_NAME), plain_text],
                       render_kw={"maxlength": MAX_NAME})


def _official_members():
    return IntegerField(_l("Official members (branches only)"), validators=[
        Optional(), NumberRange(min=0, max=MAX_OFFICIAL_MEMBERS,
                                message=_l("Give a whole number from 0 to 100000."))])


def _reason(required_=False):
    checks = [required()] if required_ else [Optional()]
    return TextAreaField(_l("Reason"), filters=[nfc], validators=checks + [Length(max=500), plain_text],
                         render_kw={"maxlength": 500})


class _ParentChoice:
    def set_parents(self, parents, root_depth):
        """`parents`: the units this one may go under, in tree order."""
        self.parents = {u.id: u for u in parents}
        self.parent_id.choices = choices([(0, _l("Choose…"))] + indented(parents, root_depth))

    def validate_parent_id(self, field):
        if not field.errors and field.data not in self.parents:  # "Choose…" (0) was left selected
            raise ValidationError(_l("Choose the unit above."))

    @property
    def chosen_parent(self):
        return self.parents.get(self.parent_id.data)


class NewUnitForm(BaseForm, _ParentChoice):
    code = StringField(_l("Code"), filters=[_strip], validators=[required(), unit_code_rule],
                       render_kw={"maxlength": 64, "autocapitalize": "none", "spellcheck": "false"})
    name = _name()
    kind = SelectField(_l("Kind"), validators=[required()],
                       choices=choices([("", _l("Choose…"))] + list(UNIT_KINDS.items())))
    parent_id = SelectField(_l("Unit above"), coerce=int, validators=[InputRequired(message=_l("Choose the unit above."))])
    decides_admissions = BooleanField(_l("Decides admissions"))
    official_members = _official_members()
    valid_from = DateField(_l("Valid from"), validators=[date_required(), reasonable_date])

    def __init__(self, *args, parents, root_depth, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_parents(parents, root_depth)


class UnitDetailsForm(BaseForm):
    name = _name()
    decides_admissions = BooleanField(_l("Decides admissions"))
    official_members = _official_members()
    # A new name and the power to decide take effect on a day (reports of earlier days keep the
    # old ones); empty: today.
    effective_date = DateField(_l("Effective from"), validators=[Optional(), reasonable_date])
    reason = _reason()


class MoveUnitForm(BaseForm, _ParentChoice):
    parent_id = SelectField(_l("New unit above"), coerce=int,
                            validators=[InputRequired(message=_l("Choose the unit above."))])
    effective_date = DateField(_l("Effective date"), validators=[date_required(), reasonable_date])
    reason = _reason(required_=True)

    def __init__(self, *args, parents, root_depth, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_parents(parents, root_depth)


class CloseUnitForm(BaseForm):
    effective_date = DateField(_l("Last day of the unit"), validators=[date_required(), reasonable_date])
    reason = _reason(required_=True)
    confirmed = BooleanField(_l("I confirm: the unit closes on this date."),
                             validators=[DataRequired(message=_l("Tick the box to confirm."))])
