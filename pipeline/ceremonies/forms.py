from pipeline.base.i18n import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from pipeline.base.validators import nfc, plain_text
from pipeline.base.forms import BaseForm


class CeremonyDayForm(BaseForm):
    """One admission ceremony held for several candidates of a branch on the same day."""
    effective_date = DateField(_l("Ceremony date"), validators=[InputRequired(message=_l("This field is required."))])
    # As the single act's form (ActPageMixin): stored NFC, without control characters.
    place = StringField(_l("Place"), filters=[nfc], validators=[DataRequired(message=_l("This field is required.")),
                                                                Length(max=200), plain_text])
    # Not checked against choices here: a case that moved on is reported row by row.
    case_ids = SelectMultipleField(_l("Candidates"), coerce=int, validate_choice=False,
                                   validators=[DataRequired(message=_l("Choose at least one candidate."))])
    confirmed = BooleanField(_l("I confirm: the ceremony was held and these candidates become probationary members"),
                             validators=[DataRequired(message=_l("Tick the box to confirm."))])
