"""Forms of the bulk acts: what is the same for the batch in reality (the meeting's date, the
committee's size, the decision's date and issuing unit) is given once; what may differ per case
(the vote, the resolution's or the decision's number) on its row. A row is recorded only if
ticked, as on the ceremony day."""
from pipeline.base.i18n import lazy_gettext as _l
from wtforms import BooleanField, DateField, FieldList, Form, FormField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from pipeline.base.forms import BaseForm, choices, date_required, required as field_required
from pipeline.base.validators import nfc, not_in_future, plain_text
from pipeline.base.numbering import countable, counted
from pipeline.cases.act_forms import MAX_COUNT
from pipeline.workflow.bulk import BulkRow

MAX_ROWS = 200  # candidates on one page: far above a committee's meeting


def _count(label, required=True, minimum=0):
    first = InputRequired(message=_l("This field is required.")) if required else Optional()
    return IntegerField(label, validators=[first, NumberRange(min=minimum, max=MAX_COUNT)])


def _text(label, max_length=60, required=False):
    first = field_required() if required else Optional()
    return StringField(label, filters=[nfc], validators=[first, Length(max=max_length), plain_text])


def _date(label):
    return DateField(label, validators=[date_required(), not_in_future])


class _Row(Form):
    class Meta:
        get_translations = BaseForm.Meta.get_translations

    case_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    chosen = BooleanField(_l("Choose"))


class ReviewRow(_Row):
    votes_for = _count(_l("Votes for, if different"), required=False)
    votes_against = _count(_l("Votes against, if different"), required=False)
    resolution_number = _text(_l("Resolution (8-KNĐ) number"))
    failure_confirmed = BooleanField(_l("Record though the vote fails"))


class DecisionRow(_Row):
    decision_number = _text(_l("Decision number, if not counted"))


class _BulkForm(BaseForm):
    def chosen(self):
        return [row for row in self.rows if row.chosen.data]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not self.chosen():
            self.form_errors.append(_l("Choose at least one candidate."))
            return False
        return valid and self.check_rows()

    def check_rows(self):
        return True

    def numbers(self):
        return [None] * len(self.chosen())

    def confirms_failure(self, row):
        return False

    def bulk_rows(self):
        """The chosen rows as the workflow's bulk rows: each case with its data."""
        return [BulkRow(row.case_id.data, self.row_data(row, number), self.confirms_failure(row))
                for row, number in zip(self.chosen(), self.numbers())]


class CommitteeReviewBulkForm(_BulkForm):
    """The grassroots committee's meeting on several candidates (8-KNĐ each): the committee's
    size once; the usual vote once, a candidate's own vote on its row where it differs."""
    effective_date = _date(_l("Committee meeting date"))
    committee_size = _count(_l("Committee members in total"), minimum=1)
    votes_for = _count(_l("Votes for"))
    votes_against = _count(_l("Votes against"))
    rows = FieldList(FormField(ReviewRow), max_entries=MAX_ROWS)

    def votes(self, row):
        """(for, against) of a row: its own where given, else the meeting's."""
        votes_for = row.votes_for.data if row.votes_for.data is not None else self.votes_for.data
        against = row.votes_against.data if row.votes_against.data is not None else self.votes_against.data
        return votes_for, against

    def validate_votes_for(self, field):
        cast = (field.data or 0) + (self.votes_against.data or 0)
        if self.committee_size.data and cast > self.committee_size.data:
            raise ValidationError(_l("%(votes)d votes cast but only %(present)d could vote.",
                                     votes=cast, present=self.committee_size.data))

    def check_rows(self):
        valid = True
        for row in self.chosen():
            cast = sum(self.votes(row))
            if cast > self.committee_size.data:
                row.votes_for.errors.append(_l("%(votes)d votes cast but only %(present)d could vote.",
                                               votes=cast, present=self.committee_size.data))
                valid = False
        return valid

    def confirms_failure(self, row):
        return bool(row.failure_confirmed.data)

    def row_data(self, row, _number=None):
        votes_for, against = self.votes(row)
        return {"committee_size": self.committee_size.data, "votes_for": votes_for, "votes_against": against,
                "resolution_number": row.resolution_number.data or "", "subcommittee_appraisal": ""}


class DecisionBulkForm(_BulkForm):
    """The admission decisions (9-KNĐ) of one meeting of the deciding unit: one decision per
    candidate, numbered on from a first number unless its row gives its own; the date, the
    issuing unit and the day the branches received them once."""
    effective_date = _date(_l("Decision date"))
    issuing_unit_id = SelectField(_l("Issued by"), coerce=int, validators=[field_required()])
    received_on = _date(_l("Date received by the branch"))
    first_number = _text(_l("Number of the first decision (9-KNĐ)"))
    # A grassroots committee given the power to decide decides as the full committee (as the
    # single decision's form).
    committee_size = _count(_l("Committee members in total (a grassroots committee deciding)"), required=False,
                            minimum=1)
    votes_for = _count(_l("Votes for"), required=False)
    votes_against = _count(_l("Votes against"), required=False)
    rows = FieldList(FormField(DecisionRow), max_entries=MAX_ROWS)

    def __init__(self, *args, deciding_units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.issuing_unit_id.choices = choices((u.id, u.name) for u in deciding_units)

    def validate_received_on(self, field):
        if self.effective_date.data and field.data and field.data < self.effective_date.data:
            raise ValidationError(_l("The branch cannot receive the decision before it was issued."))

    def validate_votes_for(self, field):
        cast = (field.data or 0) + (self.votes_against.data or 0)
        if self.committee_size.data and cast > self.committee_size.data:
            raise ValidationError(_l("%(votes)d votes cast but only %(present)d could vote.",
                                     votes=cast, present=self.committee_size.data))

    def numbers(self):
        """The decision number of each chosen row, in the page's order: its own, or the next one
        counted from the first number. None when a row needs a counted number and there is none."""
        wanted = sum(1 for row in self.chosen() if not row.decision_number.data)
        if wanted and not countable(self.first_number.data):
            return None
        counted_numbers = iter(counted(self.first_number.data, wanted) if wanted else ())
        return [row.decision_number.data or next(counted_numbers) for row in self.chosen()]

    def check_rows(self):
        numbers = self.numbers()
        if numbers is None:
            self.first_number.errors.append(_l("Give the number of the first decision (with digits to count from), "
                                               "or a number on each chosen row."))
            return False
        valid, seen = True, set()
        for row, number in zip(self.chosen(), numbers):
            if len(number) > 60:
                row.decision_number.errors.append(_l("Field cannot be longer than %(max)d characters.", max=60))
                valid = False
            elif number in seen:
                row.decision_number.errors.append(_l("The number %(number)s is given to another candidate above.",
                                                     number=number))
                valid = False
            seen.add(number)
        return valid

    def row_data(self, row, number):
        return {"decision_number": number, "issuing_unit_id": self.issuing_unit_id.data,
                "received_on": self.received_on.data, "committee_size": self.committee_size.data,
                "votes_for": self.votes_for.data, "votes_against": self.votes_against.data, "over_age_consent": ""}
