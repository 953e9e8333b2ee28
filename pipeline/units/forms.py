"""What setting up an organisation asks for (`flask --app wsgi setup`): its top unit and its first
administrator, checked by the same rules as the account pages."""
import re

from pipeline.base.i18n import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import Length, ValidationError

from pipeline.accounts.admin_forms import new_password_rule, same_password, username_rule
from pipeline.base.forms import BaseForm, choices, required
from pipeline.base.validators import nfc, plain_text
from pipeline.units.models import BRANCH_KINDS, UNIT_KINDS

UNIT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# A tree starts from a committee: a branch has no units below it.
TOP_KINDS = tuple(kind for kind in UNIT_KINDS if kind not in BRANCH_KINDS)


def unit_code_rule(form, field):
    if not UNIT_CODE.fullmatch(field.data or ""):
        raise ValidationError(_l("Use 1 to 64 characters: letters without accents, digits, dots, hyphens or "
                                 "underscores, starting with a letter or digit."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class OrganisationSetupForm(BaseForm):
    class Meta:
        csrf = False  # filled from the command line, not posted by a browser

    unit_code = StringField(_l("Code of the top unit"), filters=[_strip], validators=[required(), unit_code_rule])
    unit_name = StringField(_l("Name of the top unit"), filters=[nfc],
                            validators=[required(), Length(max=200), plain_text])
    unit_kind = SelectField(_l("Kind of the top unit"), validators=[required()],
                            choices=choices([(kind, UNIT_KINDS[kind]) for kind in TOP_KINDS]))
    decides_admissions = BooleanField(_l("Decides admissions"))
    username = StringField(_l("Username"), filters=[_strip], validators=[required(), username_rule])
    display_name = StringField(_l("Full name and title"), filters=[nfc],
                               validators=[required(), Length(max=200), plain_text])
    password = PasswordField(_l("Password"), validators=[required(), new_password_rule])
    confirm = PasswordField(_l("Password again"), validators=[required(), same_password])
