"""Recording a dossier document: one "record_document" act in the case's log, written by the
workflow's act path; the case's DossierItem is projected from the log in the same transaction. An
uploaded scan is written under the instance folder only once its size and content have been
checked, and removed again if the transaction fails."""
import hashlib
import os
import secrets
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from pipeline.base.i18n import lazy_gettext as _l

from pipeline.base import clock
from pipeline.base.errors import ActBlocked, CaseChanged, NotPermitted
from pipeline.base.files import make_private_folder, write_private_file
from pipeline.extensions import db
from pipeline.rules.rulebook import rulebook_on
from pipeline.transaction import one_transaction
from pipeline.workdays.calendar import WorkingCalendar
from pipeline.workflow.checklist import checklist_for, line_for
from pipeline.workflow.definition import ACT_BY_NAME
from pipeline.workflow.operations import hold, lock_case, perform, project, role_may

ACT = ACT_BY_NAME["record_document"]
UPLOADS_DIR = "uploads"
# What a scan may be, recognised by its first bytes: type -> (MIME type, signatures, extensions).
SCAN_TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",), (".pdf",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",), (".jpg", ".jpeg")),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",), (".png",)),
}
EXTENSION_OF = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
# The fields an item of each kind keeps in its details (and in its log entry).
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


def _log_data(kind, editable, entry, upload, stored_path, rulebook_code):
    data = {"item": entry.key}
    if editable:
        data["received"] = bool(entry.received)
        data["received_on"] = entry.received_on.isoformat() if entry.received and entry.received_on else None
        for name in DETAIL_FIELDS.get(kind, ()):
            data[name] = _json_value(entry.details.get(name))
    data["note"] = entry.note or ""
    if upload is not None:
        data |= {"file_name": upload.name[:200], "file_type": upload.mime_type, "file_size": upload.size,
                 "file_sha256": hashlib.sha256(upload.content).hexdigest(), "file_path": stored_path}
    data["rulebook"] = rulebook_code
    return data


def _store_scan(case_id, upload, written):
    """Write the scan under the instance folder; returns its path relative to it. A replaced scan
    stays on disk: the log entry that described it still names its hash."""
    folder = os.path.join(uploads_root(), str(case_id))
    make_private_folder(folder)  # personal documents: this user's only (pipeline.base.files)
    stored = secrets.token_hex(16) + EXTENSION_OF[upload.mime_type]
    path = os.path.join(folder, stored)
    write_private_file(path, upload.content)
    written.append(path)
    return "/".join((UPLOADS_DIR, str(case_id), stored))


def spec_for(key, today):
    """The rulebook's definition of an item key ("3-KNĐ:2" is the second "3-KNĐ"), or None."""
    base = key.split(":", 1)[0]
    return next((spec for spec in rulebook_on(today).documents if spec.key == base), None)


NOT_IN_DOSSIER = _l("This document is not part of this case's dossier.")


def _data_for(entry, today):
    """The rulebook's definition of the item, and whether the user states its receipt (documents
    that are themselves an act are received from the log)."""
    spec = spec_for(entry.key, today)
    if spec is None:
        raise ActBlocked(NOT_IN_DOSSIER)
    editable = spec.from_act is None
    if not editable:
        # Received from the log: only the note and the scan belong to the item.
        entry.received, entry.received_on = False, None
    return spec, editable


def record_document_on(held, actor, entry, today, upload=None, written=None, recorded_at=None):
    """Record one item on a case the caller holds (locked, its log replayed): checks that the
    item belongs to its dossier, stores the scan, performs the act. Does not project or commit."""
    spec, editable = _data_for(entry, today)
    lines = checklist_for(held.case, held.state, today)
    if line_for(lines, entry.key) is None:
        raise ActBlocked(NOT_IN_DOSSIER)
    stored = _store_scan(held.case.id, upload, written) if upload is not None else None
    effective = entry.received_on if entry.received and entry.received_on else today
    data = _log_data(spec.kind, editable, entry, upload, stored, rulebook_on(today).code)
    return perform(held, ACT, actor, effective, data, recorded_at=recorded_at, today=today)


def record_document(case_id, actor, entry, upload=None, expected_version=None, today=None):
    """Record what the user states about one dossier item: one log entry, the DossierItem it
    projects to, and the scan if any, all or nothing. Raises ActError like every act; returns
    (the entry, the item)."""
    today = today or clock.today()
    written = []
    try:
        # No autoflush: what the act writes goes out in one flush, at the commit, not in one
        # more before each of its reads (the calendar, the items).
        with one_transaction(conflict=CaseChanged, at_once=True), db.session.no_autoflush:
            case = lock_case(case_id, actor, expected_version)
            if not role_may(actor, ACT, case):
                raise NotPermitted(_l("Your role cannot record this act."))
            if case.stage not in ACT.sources:
                raise CaseChanged()
            held = hold(case)
            before = held.state.copy()
            row = record_document_on(held, actor, entry, today, upload, written)
            project(case, held.state, WorkingCalendar.when_needed(), before=before)
            # Found while the items are loaded: after the commit it would be read again.
            item = next(item for item in case.dossier_items if item.item_key == entry.key)
    except Exception:
        for path in written:
            try:
                os.remove(path)
            except OSError:
                pass
        raise
    return row, item
