"""Forms of the dossier page: one per kind of item (a document, an introducer's letter, the
résumé verification, a document that comes from an act and only takes a note and a scan)."""
import os
import unicodedata

from pipeline.base.i18n import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from pipeline.base.validators import not_in_future, person_name, plain_text
from pipeline.base.text import to_nfc
from pipeline.workflow.checklist import VERIFICATION_RESULTS
from pipeline.dossier.operations import DETAIL_FIELDS, DocumentEntry, Upload, scan_type, upload_limit
from pipeline.base.forms import VersionedForm, choices


def human_size(size):
    if size >= 1024 * 1024:
        return _l("%(n)d MB", n=size // (1024 * 1024))
    return _l("%(n)d KB", n=max(1, size // 1024))


def _nfc(value):
    return to_nfc(value.strip()) if isinstance(value, str) else value


def _file_name(name):
    """The name the file had on the user's computer, for display and download: no folders, no
    control characters."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in to_nfc(name) if not unicodedata.category(ch).startswith("C"))
    return name.strip()[:200] or "scan"


class DocumentForm(VersionedForm):
    received = BooleanField(_l("Received"))
    received_on = DateField(_l("Date of the document"), validators=[Optional(), not_in_future])
    number = StringField(_l("Number"), filters=[_nfc], validators=[Optional(), Length(max=60), plain_text])
    note = TextAreaField(_l("Note"), filters=[_nfc], validators=[Optional(), Length(max=1000), plain_text])
    scan = FileField(_l("Scan (PDF, JPEG or PNG)"),
                     render_kw={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"})
    # The order the page shows the fields in (subclasses redefine some, which would move them).
    field_order = ("received", "received_on", "number", "introducer_name", "official", "known_since",
                   "verification_result", "note")

    upload = None  # an Upload once validate_scan accepted one
    # Fields that may stay empty, except once the item is received (checked after the fields'
    # own validators, which stop at an empty optional field).
    required_when_received = (("received_on", _l("Give the date of the document, or untick “Received”.")),)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if "received" in self and self.received.data:
            for name, message in self.required_when_received:
                field = self[name]
                if not field.errors and not field.data:
                    field.errors.append(message)
                    valid = False
        return valid

    def validate_scan(self, field):
        """Size and type are checked on the content before anything is written; the whole file is
        read at most once, and never more than the limit plus one byte."""
        storage = field.data
        if storage is None or not getattr(storage, "filename", ""):
            return
        limit = upload_limit()
        content = storage.stream.read(limit + 1)
        name = _file_name(storage.filename)
        if len(content) > limit:
            raise ValidationError(_l("The file “%(name)s” is larger than %(limit)s: scan it at a lower "
                                     "resolution or in fewer pages, then attach it again.",
                                     name=name, limit=human_size(limit)))
        if not content:
            raise ValidationError(_l("The file “%(name)s” is empty.", name=name))
        mime_type = scan_type(content, name)
        if mime_type is None:
            raise ValidationError(_l("The file “%(name)s” is not a PDF, JPEG or PNG document: only scans "
                                     "in these formats can be attached.", name=name))
        self.upload = Upload(content, name, mime_type)

    def entry(self, key, kind):
        details = {name: self[name].data for name in DETAIL_FIELDS.get(kind, ()) if name in self}
        return DocumentEntry(
            key=key,
            received=bool(self.received.data) if "received" in self else False,
            received_on=self.received_on.data if "received_on" in self else None,
            note=self.note.data or "",
            details={name: (value or None) if not isinstance(value, bool) else value
                     for name, value in details.items()})


class IntroducerForm(DocumentForm):
    received_on = DateField(_l("Date of the letter"), validators=[Optional(), not_in_future])
    number = None
    introducer_name = StringField(_l("Introducing member"), filters=[_nfc],
                                  validators=[Optional(), Length(max=200), person_name])
    official = BooleanField(_l("Official party member"), default=True)
    known_since = DateField(_l("Has worked or lived with the candidate since"),
                            validators=[Optional(), not_in_future])
    required_when_received = DocumentForm.required_when_received + (
        ("introducer_name", _l("Give the name of the introducing member.")),
        ("known_since", _l("Give the date since when the member has known the candidate.")))


class VerificationForm(DocumentForm):
    received_on = DateField(_l("Date of the verification"), validators=[Optional(), not_in_future])
    number = None
    verification_result = SelectField(_l("Result of the verification"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.verification_result.choices = choices([("", "—")] + list(VERIFICATION_RESULTS.items()))

    required_when_received = DocumentForm.required_when_received + (
        ("verification_result", _l("Choose the result of the verification.")),)


class ActDocumentForm(DocumentForm):
    """A document the workflow recorded with its act: a note and a scan may be added."""
    received = None
    received_on = None
    number = None


FORM_BY_KIND = {"document": DocumentForm, "introducer": IntroducerForm, "verification": VerificationForm}


def form_class_for(line):
    return ActDocumentForm if line.from_log else FORM_BY_KIND.get(line.kind, DocumentForm)



# The forms whose fields make a "record_document" log row, and the row's other keys: the
# timeline labels the row's data with them.
LOGGED_FORMS = (IntroducerForm, VerificationForm, DocumentForm)  # the last one's labels win where they share
LOG_LABELS = {"item": _l("Document"), "file_name": _l("Scan"), "file_type": _l("Type of the scan"),
              "file_size": _l("Size of the scan"), "file_sha256": _l("Fingerprint of the scan (SHA-256)")}
