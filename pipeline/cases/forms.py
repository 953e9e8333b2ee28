"""Forms of the case pages: the list's filter, opening a case, and the page side of the act
forms (pipeline.cases.act_forms, one per act that moves a case)."""
from dateutil.relativedelta import relativedelta
from pipeline.base.i18n import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from pipeline.base import clock
from pipeline.cases.act_forms import ACT_FORMS
from pipeline.cases.models import EDUCATION_LEVELS, SEXES, SOURCE_ORGANISATIONS
from pipeline.base.forms import BaseForm, choices, date_required, required
from pipeline.base.validators import CONTROL_MESSAGE, has_control_characters, nfc, not_in_future, person_name, plain_text
from pipeline.units.picker import UnitPickerFields
from pipeline.workflow.stages import STAGES

# How old a newly spotted candidate can plausibly be (the admission rule itself, 18 at the
# branch vote, is the rulebook's and is checked by the workflow).
MIN_AGE_YEARS, MAX_AGE_YEARS = 16, 100


def _choices(labels, blank=True):
    return choices(([("", _l("Choose…"))] if blank else []) + list(labels.items()))


class CaseFilterForm(UnitPickerFields, BaseForm):
    """The list's filters, read from the query string. The unit is a picker (pipeline.units.picker),
    never a list of every unit of the scope."""

    class Meta:
        csrf = False

    # Control characters are refused like everywhere else (PostgreSQL cannot even compare a NUL).
    q = StringField(_l("Name"), filters=[nfc], validators=[Optional(), Length(max=200), plain_text])
    stage = SelectField(_l("Stage"), validators=[Optional()],
                        choices=choices([("", _l("All stages"))] + [(s.name, s.label) for s in STAGES]))

    def clean(self, stage_names):
        """(stage, query) that are valid; anything else is ignored."""
        stage = self.stage.data if self.stage.data in stage_names else None
        query = self.q.data if not self.q.errors else ""
        return stage, query


class NewCaseForm(BaseForm):
    """Opening a case: the candidate's particulars and the day they were spotted."""

    branch_id = SelectField(_l("Branch"), coerce=int, validators=[InputRequired(message=_l("Choose the branch."))])
    full_name = StringField(_l("Full name"), filters=[nfc],
                            validators=[required(), Length(max=200), person_name],
                            render_kw={"autocomplete": "off", "maxlength": 200})
    date_of_birth = DateField(_l("Date of birth"), validators=[date_required()])
    sex = SelectField(_l("Sex"), choices=_choices(SEXES), validators=[required()])
    ethnicity = StringField(_l("Ethnicity"), default="Kinh", filters=[nfc],
                            validators=[required(), Length(max=60), plain_text])
    education = SelectField(_l("Education"), choices=_choices(EDUCATION_LEVELS), validators=[required()])
    occupation = StringField(_l("Occupation"), filters=[nfc], validators=[Optional(), Length(max=200), plain_text])
    residence = StringField(_l("Residence"), filters=[nfc], validators=[Optional(), Length(max=300), plain_text])
    youth_union_member = BooleanField(_l("Youth Union member"))
    source_organisation = SelectField(_l("Introduced by"), choices=_choices(SOURCE_ORGANISATIONS),
                                      validators=[required()])
    helper_member = StringField(_l("Helper party member"), filters=[nfc],
                                validators=[Optional(), Length(max=200), plain_text])
    effective_date = DateField(_l("Date spotted"), validators=[date_required(), not_in_future])

    PARTICULARS = ("full_name", "date_of_birth", "sex", "ethnicity", "education", "occupation", "residence",
                   "youth_union_member", "source_organisation", "helper_member")

    def __init__(self, *args, branches=None, **kwargs):
        """`branches`: the branches to choose from, or None when the case goes to the user's own."""
        super().__init__(*args, **kwargs)
        self.branches = {b.id: b for b in branches or ()}
        if branches is None:
            del self.branch_id
        else:
            self.branch_id.choices = choices([(0, _l("Choose…"))] + [(b.id, b.name) for b in branches])

    def validate_branch_id(self, field):
        if not field.errors and field.data not in self.branches:  # "Choose…" (0) was left selected
            raise ValidationError(_l("Choose the branch."))

    def validate_date_of_birth(self, field):
        if field.data is None:
            return
        on = self.effective_date.data if self.effective_date.data and not self.effective_date.errors \
            else clock.today()
        if field.data >= on:
            raise ValidationError(_l("The date of birth must be before the date spotted."))
        years = relativedelta(on, field.data).years
        if not MIN_AGE_YEARS <= years <= MAX_AGE_YEARS:
            raise ValidationError(_l("This makes the candidate %(years)d years old on the date spotted; "
                                     "between %(min)d and %(max)d expected.",
                                     years=years, min=MIN_AGE_YEARS, max=MAX_AGE_YEARS))

    def particulars(self):
        return {name: self[name].data for name in self.PARTICULARS}

    @property
    def chosen_branch(self):
        return self.branches.get(self.branch_id.data) if "branch_id" in self else None


# --- the act forms, as the pages use them ---------------------------------------------------

class ActPageMixin:
    """Mixed in front of every act form on the pages: text is stored NFC and without control
    characters, no date may be in the future, and irreversible acts need a ticked box."""

    def validate(self, extra_validators=None):
        for field in self:
            if isinstance(field, StringField) and not isinstance(field, HiddenField):
                field.data = nfc(field.data)
        valid = super().validate(extra_validators)
        today = clock.today()
        for field in self:
            if field.errors:
                continue
            if isinstance(field, DateField) and field.data and field.data > today:
                field.errors.append(_l("This date is in the future."))
                valid = False
            elif (isinstance(field, StringField) and not isinstance(field, HiddenField)
                  and has_control_characters(field.data, multiline=isinstance(field, TextAreaField))):
                field.errors.append(CONTROL_MESSAGE)
                valid = False
        return valid

    def act_data(self):
        data = super().act_data()
        data.pop("confirmed", None)
        data.pop("failure_confirmed", None)
        return data


_PAGE_FORMS = {}


def act_form_class(act):
    """The page's form class for an act that moves a case (from the one registry, ACT_FORMS),
    built once per act."""
    form_class = _PAGE_FORMS.get(act.name)
    if form_class is None:
        attrs = {}
        if act.confirm:
            attrs["confirmed"] = BooleanField(
                _l("I confirm: this act cannot be undone."),
                validators=[DataRequired(message=_l("Tick the box to confirm."))])
        if act.outcome:
            # Asked for only when the vote fails (the act page): a failed vote moves the case back.
            attrs["failure_confirmed"] = BooleanField(_l("I confirm: record this vote, which does not pass."))
        form = ACT_FORMS[act.name]
        form_class = type(form.__name__ + "Page", (ActPageMixin, form), attrs)
        _PAGE_FORMS[act.name] = form_class
    return form_class
