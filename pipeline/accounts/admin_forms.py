"""The forms of the account pages (pipeline/accounts/admin.py). Unit choices are the units of the
administrator's subtree, given by the view; anything else is "Not a valid choice"."""
import re

from flask import current_app
from pipeline.base.i18n import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from pipeline.accounts.models import ROLES
from pipeline.base.validators import nfc, plain_text
from pipeline.base.forms import BaseForm, choices, required

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
PASSWORD_MAX_LENGTH = 200  # as the login form accepts
STATUSES = {"all": _l("All accounts"), "active": _l("Active"), "disabled": _l("Disabled")}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def indented(units, root_depth):
    """(id, name indented by depth) of `units`, in tree order, for a select."""
    return [(u.id, "\u00a0\u00a0" * (u.depth - root_depth) + u.name) for u in units]


def role_choices():
    return choices([("", _l("Choose…"))] + list(ROLES.items()))


def username_rule(form, field):
    if not USERNAME.fullmatch(field.data or ""):
        raise ValidationError(_l("Use 3 to 64 characters: lowercase letters without accents, digits, "
                                 "dots, hyphens or underscores, starting with a letter or digit."))


def new_password_rule(form, field):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    password = field.data or ""
    if len(password) < minimum:
        raise ValidationError(_l("A password has at least %(num)d characters.", num=minimum))
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationError(_l("A password has at most %(num)d characters.", num=PASSWORD_MAX_LENGTH))
    username = getattr(form, "username", None)
    if username is not None and username.data and password.strip().casefold() == username.data.casefold():
        raise ValidationError(_l("The password cannot be the username."))


def same_password(form, field):
    if field.data != form.password.data:
        raise ValidationError(_l("The two passwords differ."))


class UserFilterForm(BaseForm):
    """The list's filters, read from the query string; values that are not offered are ignored."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or username"), filters=[nfc], validators=[Optional(), Length(max=200)])
    unit = SelectField(_l("Unit"), validators=[Optional()])
    role = SelectField(_l("Role"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()], choices=choices(list(STATUSES.items())),
                         default="all")

    def __init__(self, formdata, units, root_depth, **kwargs):
        super().__init__(formdata, **kwargs)
        self.unit.choices = choices([("", _l("All my units"))]
                                    + [(str(i), name) for i, name in indented(units, root_depth)])
        self.role.choices = choices([("", _l("All roles"))] + list(ROLES.items()))


class UserDetailsForm(BaseForm):
    display_name = StringField(_l("Full name and title"), filters=[nfc],
                               validators=[required(), Length(max=200), plain_text],
                               render_kw={"autocomplete": "off", "maxlength": 200})
    role = SelectField(_l("Role"), validators=[required()])
    unit_id = SelectField(_l("Unit"), coerce=int, validators=[InputRequired(message=_l("Choose the unit."))])

    def __init__(self, *args, units, root_depth, **kwargs):
        """`units`: the units of the administrator's subtree, in tree order."""
        super().__init__(*args, **kwargs)
        self.units = {u.id: u for u in units}
        self.role.choices = role_choices()
        self.unit_id.choices = choices([(0, _l("Choose…"))] + indented(units, root_depth))

    def validate_unit_id(self, field):
        if not field.errors and field.data not in self.units:  # "Choose…" (0) was left selected
            raise ValidationError(_l("Choose the unit."))

    @property
    def chosen_unit(self):
        return self.units.get(self.unit_id.data)


class NewUserForm(UserDetailsForm):
    username = StringField(_l("Username"), filters=[_strip], validators=[required(), username_rule],
                           render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false",
                                      "maxlength": 64})
    password = PasswordField(_l("Initial password"), validators=[required(), new_password_rule],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Initial password again"), validators=[required(), same_password],
                            render_kw={"autocomplete": "new-password"})


class PasswordForm(BaseForm):
    password = PasswordField(_l("New password"), validators=[required(), new_password_rule],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"), validators=[required(), same_password],
                            render_kw={"autocomplete": "new-password"})


class StatusForm(BaseForm):
    """Disabling or enabling an account, with the reason kept in its history."""
    reason = TextAreaField(_l("Reason"), filters=[nfc], validators=[required(), Length(max=500), plain_text],
                           render_kw={"maxlength": 500})
