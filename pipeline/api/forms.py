"""The form of a new personal access token, on the account's tokens page."""
from datetime import timedelta

from wtforms import DateField, RadioField, StringField
from wtforms.validators import Length

from pipeline.api.models import NAME_LENGTH
from pipeline.base import clock
from pipeline.base.forms import BaseForm, date_required, required
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.base.validators import nfc, plain_text

ACCESS = {"read": _l("Read only"), "write": _l("Read and record acts")}
DEFAULT_DAYS = 90


class TokenForm(BaseForm):
    name = StringField(_l("Name"), filters=[nfc], validators=[required(), Length(max=NAME_LENGTH), plain_text],
                       description=_l("Which program uses it, e.g. “Province dashboard”."),
                       render_kw={"maxlength": NAME_LENGTH, "autocomplete": "off"})
    expires_on = DateField(_l("Valid until"), validators=[date_required()])
    access = RadioField(_l("What it may do"), choices=list(ACCESS.items()), default="read",
                        validators=[required()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.expires_on.data is None and not self.is_submitted():
            self.expires_on.data = clock.today() + timedelta(days=DEFAULT_DAYS)
