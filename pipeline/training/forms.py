"""Forms of the training pages: a new class, enrolling a selection, a class's results, "all
passed"; and the choice of a class on a case's enrolment form."""
from flask import render_template
from markupsafe import Markup
from pipeline.base.i18n import lazy_gettext as _l
from wtforms import (DateField, FieldList, Form, FormField, IntegerField, RadioField, SelectField, SelectMultipleField,
                     StringField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from pipeline.base.validators import nfc, not_in_future, plain_text
from pipeline.training.access import who_does_what
from pipeline.training.models import RESULT_LABELS
from pipeline.base.numbering import counter_of
from pipeline.base.forms import BaseForm, choices, date_required, required as field_required
from pipeline.workflow.bulk import Refusal

MAX_FIRST_NUMBER = 50  # counting may add digits: the numbers still fit their 60 characters


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


def row_refusals(form, by_id):
    """(The rows of a ResultsForm that it refused, named as the operation's refusals are; how many
    rows with a result were fine): `by_id` holds the user's attendees by enrolment id (a row of
    another is named by nothing)."""
    refusals = []
    for row in form.rows:
        reasons = [error for field in row for error in field.errors]
        if reasons:
            enrolment = by_id.get(row.enrolment_id.data)
            case = enrolment.case if enrolment else None
            refusals.append(Refusal(case.id if case else None, case.full_name if case else "",
                                    case.branch.name if case else "", reasons))
    return refusals, max(0, sum(1 for row in form.rows if row.result.data) - len(refusals))


class AllPassedForm(BaseForm):
    """"All passed": fills every row of the results form with a pass and a certificate, numbered
    from the first number; nothing is recorded until the results form is submitted."""
    first_number = _text(_l("First certificate number"), MAX_FIRST_NUMBER, required=True)
    certificate_date = DateField(_l("Certificate date"), validators=[date_required(), not_in_future])

    def validate_first_number(self, field):
        if field.data and counter_of(field.data) is None:
            raise ValidationError(_l("The number needs digits to count from, e.g. 12/CN-TTCT."))


# --- the class on a case's enrolment form (pipeline.cases.act_forms) -------------------------------

class ClassCards:
    """A card per class offered, with its radio button: the whole name, the dates and the
    organiser wrap on a phone, where a select cuts the name (templates/training/_class_choice.html)."""

    def __call__(self, field, **kwargs):
        return Markup(render_template("training/_class_choice.html", field=field, who=who_does_what(),
                                      invalid="is-invalid" in kwargs.get("class_", ""),
                                      described=kwargs.get("aria-describedby")))


class ClassChoiceField(RadioField):
    """Offered: the classes still open for enrolment on the day, none chosen. Accepted: any class
    organised for the branch, so that the guard (class_open_to_branch) judges an enrolment
    dated on or before an ended class's last day, as the class's own page records it."""
    widget = ClassCards()

    def __init__(self, label=None, **kwargs):
        super().__init__(label, validators=[InputRequired(message=_l("Choose a class."))], coerce=int, **kwargs)
        self.offered = []

    def set_classes(self, classes, today):
        self.offered = [c for c in classes if c.open_for_enrolment(today)]
        self.choices = choices((c.id, c.name) for c in classes)

    def pre_validate(self, form):
        if self.data is None:
            return  # nothing chosen: InputRequired says so
        super().pre_validate(form)
