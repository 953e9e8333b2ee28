"""Recording a dossier document: one "record_document" fact in the case's log and the
DossierItem it describes, in the same transaction (the workflow's `apply_fact`). An uploaded
scan is written under the instance folder only once its size and content have been checked,
and removed again if the transaction fails."""
import hashlib
import os
import secrets
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l

from pipeline.base import clock
from pipeline.dossier.checklist import checklist_for, line_for
from pipeline.dossier.models import DossierItem
from pipeline.extensions import db
from pipeline.rules.rulebook import rulebook_on
from pipeline.workflow import definition, operations

EVENT = "record_document"
UPLOADS_DIR = "uploads"
# What a scan may be, recognised by its first bytes: type -> (MIME type, signatures, extensions).
SCAN_TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",), (".pdf",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",), (".jpg", ".jpeg")),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",), (".png",)),
}
EXTENSION_OF = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
# The fields an item of each kind keeps in DossierItem.details (and in its log row).
DETAIL_FIELDS = {
    "document": ("number",),
    "introducer": ("introducer_name", "official", "known_since"),
    "verification": ("verification_result",),
}


@dataclass
class Upload:
    """A scan that passed the checks: its bytes, the name it had and the type its content shows."""
    content: bytes
    name: str
    mime_type: str

    @property
    def size(self):
        return len(self.content)


@dataclass
class DocumentEntry:
    """What the user states about one item."""
    key: str
    received: bool = False
    received_on: date | None = None
    note: str = ""
    details: dict = field(default_factory=dict)


def scan_type(content, filename):
    """The MIME type of an acceptable scan (PDF, JPEG, PNG by its content, with a name to match),
    or None."""
    extension = os.path.splitext(filename or "")[1].lower()
    for mime_type, signatures, extensions in SCAN_TYPES.values():
        if content.startswith(signatures) and extension in extensions:
            return mime_type
    return None


def upload_limit():
    return current_app.config["DOSSIER_UPLOAD_MAX_BYTES"]


def uploads_root():
    return os.path.join(current_app.instance_path, UPLOADS_DIR)


def stored_path(item):
    """The absolute path of an item's scan, or None when it has none or it points outside the
    uploads folder."""
    if not item.file_path:
        return None
    root = os.path.realpath(uploads_root())
    path = os.path.realpath(os.path.join(current_app.instance_path, item.file_path))
    return path if path.startswith(root + os.sep) else None


def _json_value(value):
    return value.isoformat() if isinstance(value, date) else value


def _log_data(kind, editable, entry, upload, rulebook_code):
    data = {"item": entry.key}
    if editable:
        data["received"] = bool(entry.received)
        data["received_on"] = entry.received_on.isoformat() if entry.received and entry.received_on else None
        for name in DETAIL_FIELDS.get(kind, ()):
            data[name] = _json_value(entry.details.get(name))
    data["note"] = entry.note or ""
    if upload is not None:
        data |= {"file_name": upload.name, "file_type": upload.mime_type, "file_size": upload.size,
                 "file_sha256": hashlib.sha256(upload.content).hexdigest()}
    data["rulebook"] = rulebook_code
    return data


def write_item(case, actor, kind, editable, entry, row, upload=None, written=None):
    """Create or update the case's DossierItem for `entry` (the log row `row` is already there)."""
    item = next((i for i in case.dossier_items if i.item_key == entry.key), None)
    if item is None:
        item = DossierItem(case=case, item_key=entry.key, details={})
        db.session.add(item)
    if editable:
        item.received = bool(entry.received)
        item.received_on = entry.received_on if entry.received else None
        item.details = {name: _json_value(entry.details.get(name)) for name in DETAIL_FIELDS.get(kind, ())}
    item.note = entry.note or ""
    item.recorded_by = actor
    item.recorded_at = row.recorded_at
    if upload is not None:
        folder = os.path.join(uploads_root(), str(case.id))
        os.makedirs(folder, exist_ok=True)
        stored = secrets.token_hex(16) + EXTENSION_OF[upload.mime_type]
        path = os.path.join(folder, stored)
        with open(path, "xb") as fh:
            fh.write(upload.content)
        if written is not None:
            written.append(path)
        # A replaced scan stays on disk: the log row that described it still names its hash.
        item.file_path = "/".join((UPLOADS_DIR, str(case.id), stored))
        item.file_name = upload.name[:200]
        item.file_type = upload.mime_type
        item.file_size = upload.size
    return item


def spec_for(key, today):
    """The rulebook's definition of an item key ("3-KNĐ:2" is the second "3-KNĐ"), or None."""
    base = key.split(":", 1)[0]
    return next((spec for spec in rulebook_on(today).documents if spec.key == base), None)


NOT_IN_DOSSIER = _l("This document is not part of this case's dossier.")


def _data_for(entry, today):
    """The log row's data, checked against the rulebook's definition of the item."""
    spec = spec_for(entry.key, today)
    if spec is None:
        raise operations.ActBlocked(NOT_IN_DOSSIER)
    editable = spec.from_act is None
    if not editable:
        # Received from the log: only the note and the scan belong to the item.
        entry.received, entry.received_on = False, None
    return spec, editable


def _check_in_checklist(case, key, events, today):
    if line_for(checklist_for(case, case.dossier_items, today, events), key) is None:
        raise operations.ActBlocked(NOT_IN_DOSSIER)


def record_document(case_id, actor, entry, upload=None, expected_version=None, today=None):
    """Record what the user states about one dossier item: one log row, one DossierItem, and the
    scan if any, all or nothing. Raises operations.ActError like every act."""
    today = today or clock.today()
    spec, editable = _data_for(entry, today)
    effective = entry.received_on if entry.received and entry.received_on else today
    data = _log_data(spec.kind, editable, entry, upload, rulebook_on(today).code)
    written, holder = [], {}

    def then(case, row):
        _check_in_checklist(case, entry.key, operations.load_events(case.id), today)
        holder["item"] = write_item(case, actor, spec.kind, editable, entry, row, upload, written)

    try:
        row = operations.apply_fact(case_id, EVENT, actor, effective, data,
                                    expected_version=expected_version, then=then)
    except Exception:
        for path in written:
            try:
                os.remove(path)
            except OSError:
                pass
        raise
    return row, holder.get("item")


def record_document_now(case, actor, entry, events, recorded_at=None, today=None):
    """The same on a case the caller has locked and whose log rows it holds (the demo loader):
    appends the log row to `events`, does not commit, takes no scan."""
    today = today or clock.today()
    spec, editable = _data_for(entry, today)
    _check_in_checklist(case, entry.key, events, today)
    effective = entry.received_on if entry.received and entry.received_on else today
    row = operations.record_fact(case, definition.FACT_BY_EVENT[EVENT], actor, effective,
                                 _log_data(spec.kind, editable, entry, None, rulebook_on(today).code),
                                 events=events, recorded_at=recorded_at, today=today)
    events.append(row)
    return row, write_item(case, actor, spec.kind, editable, entry, row)
