"""The audit list's filters (read from the query string; anything invalid is ignored, as on the
other lists) and the correction form."""
from flask_babel import format_date
from pipeline.base.i18n import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from pipeline.base.validators import nfc, not_in_future, plain_text
from pipeline.base.forms import BaseForm, VersionedForm, choices, date_required, required

from pipeline.audit.log_query import BASES, act_label
from pipeline.units.picker import UnitPickerFields



BASIS_LABELS = {"effective": _l("the day the act took effect"), "entered": _l("the day it was entered")}


class LogFilterForm(UnitPickerFields, BaseForm):
    """GET filters: /audit/?unit=&unit_name=&user=&event=&from=&to=&by=. The unit is a picker
    (pipeline.units.picker): a board's scope can be the whole country."""

    class Meta:
        csrf = False

    user = SelectField(_l("Recorded by"), validators=[Optional()])
    event = SelectField(_l("Act"), validators=[Optional()])
    date_from = DateField(_l("From"), name="from", validators=[Optional()])
    date_to = DateField(_l("To"), name="to", validators=[Optional()])
    basis = SelectField(_l("Period by"), name="by", validators=[Optional()],
                        choices=choices(BASIS_LABELS.items()))

    def __init__(self, formdata, users, acts, **kwargs):
        super().__init__(formdata, **kwargs)
        self.user.choices = choices([("", _l("Everyone"))] + [
            (str(u.id), f"{u.display_name} ({u.username})") for u in users])
        # The field keeps the name of its address parameter, `event`.
        self.event.choices = choices([("", _l("Every act"))] + [(name, act_label(name)) for name in acts])

    def clean(self, user_ids, acts):
        """(user id, act, from, to, basis) that are valid; anything else is ignored (the unit:
        UnitPickerFields.pick)."""
        user = int(self.user.data) if (self.user.data or "").isdigit() and int(self.user.data) in user_ids else None
        act = self.event.data if self.event.data in acts else None
        date_from = None if self.date_from.errors else self.date_from.data
        date_to = None if self.date_to.errors else self.date_to.data
        basis = self.basis.data if self.basis.data in BASES else BASES[0]
        return user, act, date_from, date_to, basis


class CorrectionForm(VersionedForm):
    corrects_seq = SelectField(_l("Act to correct"), coerce=int, validators=[required()])
    what = StringField(_l("What is wrong"), filters=[nfc], validators=[required(), Length(max=200), plain_text],
                       description=_l("The detail of the act, e.g. “Votes for” or “Decision number”."))
    corrected_value = TextAreaField(_l("What it should read"), filters=[nfc],
                                    validators=[required(), Length(max=1000), plain_text])
    effective_date = DateField(_l("Date of the correction"), validators=[date_required(), not_in_future])
    reason = TextAreaField(_l("Reason"), filters=[nfc], validators=[required(), Length(min=5, max=1000), plain_text])

    def __init__(self, *args, acts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.corrects_seq.choices = choices(
            (row.seq, _l("No. %(seq)d · %(day)s · %(act)s", seq=row.seq,
                         day=format_date(row.effective_date, "dd/MM/yyyy"), act=act_label(row.act)))
            for row in acts)
