from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from pipeline.base.validators import plain_text
from pipeline.base.forms import BaseForm


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LoginForm(BaseForm):
    username = StringField(_l("Username"), filters=[_strip],
                           validators=[DataRequired(message=_l("This field is required.")), Length(max=64), plain_text],
                           render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(message=_l("This field is required.")), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
