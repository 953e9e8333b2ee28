from pipeline.base.i18n import lazy_gettext as _l
import re

from wtforms import PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from pipeline.accounts.models import DIGESTS

from pipeline.accounts.admin_forms import new_password_rule, same_password
from pipeline.base.validators import plain_text
from pipeline.base.forms import BaseForm, choices, required


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LoginForm(BaseForm):
    username = StringField(_l("Username"), filters=[_strip],
                           validators=[DataRequired(message=_l("This field is required.")), Length(max=64), plain_text],
                           render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(message=_l("This field is required.")), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class ChangePasswordForm(BaseForm):
    """A user replaces their own password: the current one, then the new one twice."""
    old_password = PasswordField(_l("Current password"),
                                 validators=[DataRequired(message=_l("This field is required.")), Length(max=200)],
                                 render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[required(), new_password_rule],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"), validators=[required(), same_password],
                            render_kw={"autocomplete": "new-password"})

    def __init__(self, *args, username, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_username = username

    def validate_password(self, field):
        if (field.data or "").strip().casefold() == self.account_username.casefold():
            raise ValidationError(_l("The password cannot be the username."))


class CodeForm(BaseForm):
    """A second-factor code: 6 digits from the app, or a recovery code where `recovery` is True."""
    code = StringField(_l("Code"), filters=[_strip],
                       validators=[DataRequired(message=_l("This field is required.")), Length(max=40)],
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false",
                                  "maxlength": 40})


class PasswordCheckForm(BaseForm):
    """The current password, asked again before a change to the second factor."""
    password = PasswordField(_l("Current password"),
                             validators=[DataRequired(message=_l("This field is required.")), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class EmptyForm(BaseForm):
    """A button that posts: only its CSRF token."""


# One address, no display name: something@host.tld, without spaces or a second @ (the mail server
# says the rest).
EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+")


class DigestForm(BaseForm):
    """The user's choice of the e-mail digest of their queue: an address and how often."""
    email = StringField(_l("E-mail address"), filters=[_strip], validators=[Length(max=254), plain_text],
                        render_kw={"autocomplete": "email", "type": "email", "spellcheck": "false",
                                   "autocapitalize": "none", "maxlength": 254})
    digest = RadioField(_l("Send me my queue by e-mail"), choices=choices(DIGESTS.items()), default="none",
                        validators=[InputRequired(message=_l("Choose one of the options."))], validate_choice=False)

    def validate_email(self, field):
        if field.data and not EMAIL.fullmatch(field.data):
            raise ValidationError(_l("Enter one e-mail address, such as ten@example.vn."))

    def validate_digest(self, field):
        if field.data not in DIGESTS:
            raise ValidationError(_l("Choose one of the options."))
        if field.data != "none" and not self.email.data:
            raise ValidationError(_l("Give an e-mail address to receive the digest."))
