"""The base form: WTForms' own messages go through our catalogue (WTForms ships no Vietnamese)."""
import flask_babel
from flask import abort
from pipeline.base.i18n import lazy_gettext as _l
from flask_wtf import FlaskForm

from pipeline.base.validators import CONTROL_MESSAGE, has_control_characters
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, InputRequired
from wtforms.fields.choices import SelectChoice


class _BabelTranslations:
    """Only looks the message up: WTForms fills in %(min)d, %(max)d itself. (flask_babel.ngettext
    would format at once with `num` alone and fail with KeyError on "%(max)d".)"""

    def gettext(self, string):
        return flask_babel.get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        translations = flask_babel.get_translations()
        text = translations.ungettext(singular, plural, n)
        if text in (singular, plural):
            # The catalogue carries WTForms' two forms as separate entries (see WTFORMS_MESSAGES).
            text = translations.ugettext(singular if n == 1 else plural)
        return text


def required():
    return DataRequired(message=_l("This field is required."))


def date_required():
    """For dates: DataRequired would replace "Not a valid date value." by "required" when the
    text typed is not a date; InputRequired keeps the real problem."""
    return InputRequired(message=_l("This field is required."))


def choices(pairs):
    """Select options from (value, label) pairs (WTForms 3.3 deprecates bare tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _BabelTranslations()

    def validate(self, extra_validators=None):
        """A text with a NUL or another invisible control character is refused beside its field
        before any other check runs: no validator, query or operation ever sees it (PostgreSQL
        refuses a NUL in text: a 500 otherwise), and the form comes back with what was typed."""
        unusable = [field for field in self if isinstance(field.data, str)
                    and has_control_characters(field.data, multiline=isinstance(field, TextAreaField))]
        if not unusable:
            return super().validate(extra_validators)
        if any(isinstance(field, HiddenField) for field in unusable):
            abort(400)  # nobody types into a hidden field: the request was made by hand
        self._errors = None  # WTForms caches `errors` until the next validation
        for field in self:
            field.errors = [CONTROL_MESSAGE] if field in unusable else []
        return False


class EmptyForm(BaseForm):
    """A POST-only button: just the CSRF token."""


class VersionedForm(BaseForm):
    # The case version the user saw: acting on a page that went stale is refused.
    version = HiddenField()

    def expected_version(self):
        """The posted version as a number; anything else is a malformed request (400)."""
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            abort(400)


# WTForms' built-in messages that our forms can show, marked so the catalogue carries them.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid date value."),
    _l("Not a valid integer value."),
    _l("Not a valid choice."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Field cannot be longer than %(max)d character."),
    _l("Field cannot be longer than %(max)d characters."),
    _l("The CSRF token is missing."),
    _l("The CSRF token is invalid."),
    _l("The CSRF token has expired."),
    _l("The CSRF tokens do not match."),
    _l("Invalid Choice: could not coerce."),
)
