"""One form per act, collecting what that stage records (DOMAIN.md §2, last column).
Every act form has `effective_date`: the day the act took effect, labelled for the act."""
from pipeline.base.i18n import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from pipeline.base import clock
from pipeline.units.naming import deciding_body
from pipeline.base.forms import VersionedForm, choices, date_required, required as field_required
from pipeline.training.forms import ClassChoiceField

MAX_COUNT = 100000  # far above any branch or committee; keeps counts inside the integer column


def _count(label):
    return IntegerField(label, validators=[InputRequired(message=_l("This field is required.")),
                                           NumberRange(min=0, max=MAX_COUNT)])


def _text(label, max_length=200, required=True):
    checks = [field_required()] if required else [Optional()]
    return StringField(label, validators=checks + [Length(max=max_length)])


class ActForm(VersionedForm):
    effective_date = DateField(_l("Date"), validators=[date_required()])

    def act_data(self):
        """The act's data for the log: every field but the date, the version and the token."""
        skip = {"effective_date", "version", "csrf_token", "reason"}
        return {name: field.data for name, field in self._fields.items() if name not in skip}


class ReasonForm(ActForm):
    effective_date = DateField(_l("Date"), validators=[date_required()])
    reason = TextAreaField(_l("Reason"), validators=[field_required(), Length(min=5, max=1000)])


class EnrolTrainingForm(ActForm):
    """`classes`: those organised for the case's branch (pipeline.training); the ones still open
    today are offered, none chosen. The log keeps the class's id, name and organiser."""
    class_id = ClassChoiceField(_l("Training class"))
    effective_date = DateField(_l("Date enrolled"), validators=[date_required()])

    def __init__(self, *args, classes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.class_id.set_classes(classes, clock.today())


class CompleteTrainingForm(ActForm):
    effective_date = DateField(_l("Certificate date"), validators=[date_required()])
    certificate_number = _text(_l("Certificate number"), max_length=60)


class ResumeDossierForm(ActForm):
    effective_date = DateField(_l("Date the dossier was reopened"), validators=[date_required()])
    note = _text(_l("Note"), max_length=500, required=False)


class CompleteDossierForm(ActForm):
    """The documents themselves are recorded on the dossier page (pipeline.dossier); the guard
    reads them from there."""
    effective_date = DateField(_l("Date the dossier was complete"), validators=[date_required()])
    note = _text(_l("Note"), max_length=500, required=False)


class _VoteCounts:
    def _check_counts(self, total_field, present_field=None):
        total = total_field.data or 0
        present = present_field.data if present_field is not None else total
        if present_field is not None and present is not None and present > total:
            present_field.errors.append(_l("More present (%(present)d) than members in total (%(total)d).",
                                           present=present, total=total))
            return False
        votes = (self.votes_for.data or 0) + (self.votes_against.data or 0)
        if present is not None and votes > present:
            self.votes_for.errors.append(_l("%(votes)d votes cast but only %(present)d could vote.",
                                            votes=votes, present=present))
            return False
        if total < 1:
            total_field.errors.append(_l("There must be at least one member."))
            return False
        return True


class BranchVoteForm(ActForm, _VoteCounts):
    effective_date = DateField(_l("Branch meeting date"), validators=[date_required()])
    members_total = _count(_l("Official members of the branch in total"))
    members_present = _count(_l("Official members present"))
    votes_for = _count(_l("Votes for"))
    votes_against = _count(_l("Votes against"))
    resolution_number = _text(_l("Branch resolution (6-KNĐ) number"), max_length=60, required=False)
    # Over 60 the consent is needed before the decision; recorded here when the branch has it already.
    over_age_consent = _text(_l("Written consent for a candidate over 60 (document), if already given"),
                             max_length=200, required=False)

    def validate(self, extra_validators=None):
        return super().validate(extra_validators) and self._check_counts(self.members_total, self.members_present)


class CommitteeReviewForm(ActForm, _VoteCounts):
    effective_date = DateField(_l("Committee meeting date"), validators=[date_required()])
    committee_size = _count(_l("Committee members in total"))
    votes_for = _count(_l("Votes for"))
    votes_against = _count(_l("Votes against"))
    resolution_number = _text(_l("Committee resolution (8-KNĐ) number"), max_length=60, required=False)
    subcommittee_appraisal = _text(_l("Sub-committee appraisal (7-KNĐ), if any"), max_length=200, required=False)

    def validate(self, extra_validators=None):
        return super().validate(extra_validators) and self._check_counts(self.committee_size)


class DecisionForm(ActForm):
    decision_number = _text(_l("Decision (9-KNĐ) number"), max_length=60)
    effective_date = DateField(_l("Decision date"), validators=[date_required()])
    issuing_unit_id = SelectField(_l("Issued by"), coerce=int, validators=[field_required()])
    received_on = DateField(_l("Date received by the branch"), validators=[date_required()])
    # A grassroots committee given the power to decide decides as the full committee: its vote
    # (the guard asks for it then; the board records the standing committee's decision without).
    committee_size = IntegerField(_l("Committee members in total (a grassroots committee deciding)"),
                                  validators=[Optional(), NumberRange(min=1, max=MAX_COUNT)])
    votes_for = IntegerField(_l("Votes for"), validators=[Optional(), NumberRange(min=0, max=MAX_COUNT)])
    votes_against = IntegerField(_l("Votes against"), validators=[Optional(), NumberRange(min=0, max=MAX_COUNT)])
    over_age_consent = _text(_l("Written consent of the standing committee of the party committee directly under "
                                "the Central Committee, for a candidate over 60 (document)"), max_length=200,
                             required=False)

    def __init__(self, *args, deciding_units=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Named as the decision names its issuer: "Ban Thường vụ Thị ủy …", not the organisation.
        self.issuing_unit_id.choices = choices((u.id, deciding_body(u, clock.today())) for u in deciding_units)

    def validate_votes_for(self, field):
        cast = (field.data or 0) + (self.votes_against.data or 0)
        if self.committee_size.data and cast > self.committee_size.data:
            raise ValidationError(_l("%(votes)d votes cast but only %(present)d could vote.",
                                     votes=cast, present=self.committee_size.data))

    def validate_received_on(self, field):
        if self.effective_date.data and field.data and field.data < self.effective_date.data:
            raise ValidationError(_l("The branch cannot receive the decision before it was issued."))


class CeremonyForm(ActForm):
    effective_date = DateField(_l("Ceremony date"), validators=[date_required()])
    place = _text(_l("Place"))
    # A ceremony later than the rule allows needs the higher committee's consent: recorded here,
    # the audit's anomaly check accepts the delay (pipeline.audit.anomalies).
    late_consent = _text(_l("Higher committee's consent to a late ceremony (document), if any"), max_length=200,
                         required=False)


class RecognitionVoteForm(BranchVoteForm):
    """The branch's vote on recognising a probationary member (13-KNĐ)."""
    resolution_number = _text(_l("Branch resolution (13-KNĐ) number"), max_length=60, required=False)
    over_age_consent = None  # age limits apply to admission only


class RecognitionReviewForm(CommitteeReviewForm):
    resolution_number = _text(_l("Committee resolution (15-KNĐ) number"), max_length=60, required=False)
    subcommittee_appraisal = None


class RecognitionForm(ActForm):
    decision_number = _text(_l("Recognition decision number"), max_length=60)
    effective_date = DateField(_l("Recognition decision date"), validators=[date_required()])


class ExtensionForm(ReasonForm):
    """The deciding unit's extension of its time limit: the day it was decided, the document and
    why (the special case the rules ask for)."""
    effective_date = DateField(_l("Date the extension was decided"), validators=[date_required()])
    document_number = _text(_l("Document number"), max_length=60, required=False)


# The one registry of the case page's act forms: act name -> form. Every act that moves a case
# has one (tests/test_workflow_table.py); the acts that keep the stage have pages of their own (the dossier, a
# class's results, a correction).
ACT_FORMS = {
    "enrol_training": EnrolTrainingForm,
    "resume_dossier": ResumeDossierForm,
    "complete_training": CompleteTrainingForm,
    "complete_dossier": CompleteDossierForm,
    "record_branch_vote": BranchVoteForm,
    "record_committee_review": CommitteeReviewForm,
    "record_decision": DecisionForm,
    "refuse_admission": ReasonForm,
    "extend_decision": ExtensionForm,
    "hold_ceremony": CeremonyForm,
    "record_recognition_vote": RecognitionVoteForm,
    "record_recognition_review": RecognitionReviewForm,
    "extend_recognition_decision": ExtensionForm,
    "recognise_official": RecognitionForm,
    "strike_off": ReasonForm,
    "withdraw": ReasonForm,
    "remove_from_pool": ReasonForm,
    "expire": ReasonForm,
    "reopen": ReasonForm,
}
