"""Forms of the training pages: a new class, enrolling a selection, a class's results."""
from pipeline.base.i18n import lazy_gettext as _l
from wtforms import DateField, FieldList, Form, FormField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from pipeline.base.validators import nfc, not_in_future, plain_text
from pipeline.training.models import RESULT_LABELS
from pipeline.base.forms import BaseForm, choices, date_required, required as field_required


def _text(label, max_length, required=False):
    checks = [field_required()] if required else [Optional()]
    return StringField(label, filters=[nfc], validators=checks + [Length(max=max_length), plain_text])


class TrainingClassForm(BaseForm):
    name = _text(_l("Name of the class"), 200, required=True)
    organiser_unit_id = SelectField(_l("Organising unit"), coerce=int,
                                    validators=[InputRequired(message=_l("This field is required."))])
    organiser_name = _text(_l("Organised by (the political centre)"), 200)
    place = _text(_l("Place"), 300)
    starts_on = DateField(_l("First day"), validators=[date_required()])
    ends_on = DateField(_l("Last day"), validators=[date_required()])

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organiser_unit_id.choices = choices((u.id, u.name) for u in units)

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))


class EnrolForm(BaseForm):
    """A selection of candidates from the pool, enrolled on one date."""
    enrolled_on = DateField(_l("Date enrolled"), validators=[date_required(), not_in_future])
    # The choices are not checked here: a case that is no longer in the pool is reported by
    # the operation, row by row, with its reason.
    case_ids = SelectMultipleField(_l("Candidates"), coerce=int, validate_choice=False,
                                   validators=[DataRequired(message=_l("Choose at least one candidate."))])


class ResultRowForm(Form):
    """One attendee's line of the results form."""

    class Meta:
        get_translations = BaseForm.Meta.get_translations

    enrolment_id = IntegerField(widget=HiddenInput())
    result = SelectField(_l("Result"), validators=[Optional()],
                         choices=choices([("", "—")] + list(RESULT_LABELS.items())))
    certificate_number = _text(_l("Certificate number"), 60)
    certificate_date = DateField(_l("Certificate date"), validators=[Optional(), not_in_future])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        number, day = self.certificate_number.data, self.certificate_date.data
        if (number or day) and self.result.data != "passed":
            self.result.errors.append(_l("A certificate is issued only to those who passed."))
            return False
        if number and not day and not self.certificate_date.errors:
            self.certificate_date.errors.append(_l("The certificate needs its date."))
            return False
        if day and not number and not self.certificate_number.errors:
            self.certificate_number.errors.append(_l("The certificate needs its number."))
            return False
        return valid


class ResultsForm(BaseForm):
    results_on = DateField(_l("Date of the results"), validators=[date_required(), not_in_future])
    rows = FieldList(FormField(ResultRowForm))
