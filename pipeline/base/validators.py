"""Checks shared by every form: text without control characters, names of people, dates not in
the future, and text stored in Unicode NFC."""
import unicodedata

from pipeline.base.i18n import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from pipeline.base import clock
from pipeline.base.text import to_nfc

NAME_PUNCTUATION = frozenset(" '’-.")
CONTROL_MESSAGE = _l("Remove the invisible control characters from this text.")


def nfc(value):
    """A form filter: text as NFC, anything else as it is."""
    return to_nfc(value) if isinstance(value, str) else value


def has_control_characters(text, multiline=False):
    allowed = {"\n", "\r", "\t"} if multiline else set()
    return any(unicodedata.category(ch).startswith("C") and ch not in allowed for ch in text or "")


def plain_text(form, field):
    # A text area may hold line breaks; nothing else invisible.
    if has_control_characters(field.data, multiline=isinstance(field, TextAreaField)):
        raise ValidationError(CONTROL_MESSAGE)


def person_name(form, field):
    text = field.data or ""
    if has_control_characters(text):
        raise ValidationError(CONTROL_MESSAGE)
    if any(unicodedata.category(ch)[0] not in "LM" and ch not in NAME_PUNCTUATION for ch in text):
        raise ValidationError(_l("A name has letters, spaces, apostrophes and hyphens only."))
    if not any(unicodedata.category(ch)[0] == "L" for ch in text):
        raise ValidationError(_l("A name needs letters."))


def not_in_future(form, field):
    if field.data and field.data > clock.today():
        raise ValidationError(_l("This date is in the future."))
