"""The form that adds a note to a case (on the case page, under its history)."""
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from pipeline.base.forms import BaseForm
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.base.text import to_nfc
from pipeline.base.validators import plain_text
from pipeline.notes.models import MAX_LENGTH
from pipeline.notes.operations import EMPTY

# WTForms fills in the length typed and the limit.
TOO_LONG = _l("This note has %(length)d characters; a note has at most %(max)d: please shorten it.")


def _clean(value):
    """Stripped, NFC, one kind of line break (a browser sends CR LF: counted once, as stored)."""
    if not isinstance(value, str):
        return value
    return to_nfc(value.replace("\r\n", "\n").replace("\r", "\n").strip())


class NoteForm(BaseForm):
    max_length = MAX_LENGTH
    note = TextAreaField(_l("Note"), filters=[_clean],
                         validators=[DataRequired(message=EMPTY), Length(max=MAX_LENGTH, message=TOO_LONG), plain_text],
                         render_kw={"maxlength": MAX_LENGTH})
