"""The forms of the account pages (pipeline/accounts/admin.py). Unit choices are the units of the
administrator's subtree, given by the view; anything else is "Not a valid choice"."""
import re

from flask import current_app
from pipeline.base.i18n import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from pipeline.accounts.models import ROLES
from pipeline.base.validators import nfc, plain_text
from pipeline.base.forms import BaseForm, choices, required
from pipeline.units.picker import UnitPickerFields
from pipeline.units.search import MAX_QUERY, Picked, pick_unit

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


class UserFilterForm(UnitPickerFields, BaseForm):
    """The list's filters, read from the query string; values that are not offered are ignored.
    The unit is a picker (pipeline.units.picker): an administrator's scope can be the country."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or username"), filters=[nfc], validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()], choices=choices(list(STATUSES.items())),
                         default="all")

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata, **kwargs)
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


# More units than this in the administrator's subtree (a province holds thousands, the country
# 60,000): the account's unit is searched for (a unit picker) instead of chosen from a select.
UNIT_SELECT_LIMIT = 300


class UnitSearchFields:
    """The account's unit as a unit picker (templates/units/_picker.html), mixed in before
    UserDetailsForm or NewUserForm; without the script the typed name is sent, and several units
    matching it come back as radio buttons (`unit_choice`)."""
    unit_id = HiddenField()
    unit_name = StringField(_l("Unit"), filters=[nfc], validators=[Length(max=MAX_QUERY), plain_text])
    CHOICE = "unit_choice"

    def __init__(self, *args, root, chosen=None, **kwargs):
        """`chosen`: the radio button checked among the matches, if any (it wins over the text)."""
        super().__init__(*args, units=(), root_depth=root.depth, **kwargs)
        self.root, self.chosen, self.picked = root, chosen, Picked()

    def validate_unit_id(self, field):
        """Checked with the name (validate_unit_name)."""

    def validate_unit_name(self, field):
        raw = self.chosen or self.unit_id.data or ""
        unit_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
        self.picked = pick_unit(unit_id, None if self.chosen else field.data or "", self.root)
        unit = self.picked.unit
        if unit is None:
            self.unit_id.data = ""
            raise ValidationError(_l("Several units match: choose one.") if self.picked.matches
                                  else _l("Choose the unit."))
        self.units = {unit.id: unit}
        self.unit_id.data, field.data = unit.id, unit.name


class UserDetailsSearchForm(UnitSearchFields, UserDetailsForm):
    pass


class NewUserSearchForm(UnitSearchFields, NewUserForm):
    pass


class PasswordForm(BaseForm):
    password = PasswordField(_l("New password"), validators=[required(), new_password_rule],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"), validators=[required(), same_password],
                            render_kw={"autocomplete": "new-password"})


class StatusForm(BaseForm):
    """Disabling or enabling an account, with the reason kept in its history."""
    reason = TextAreaField(_l("Reason"), filters=[nfc], validators=[required(), Length(max=500), plain_text],
                           render_kw={"maxlength": 500})
