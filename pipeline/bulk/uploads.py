"""The uploaded file between the preview and the confirmation: a copy in instance/imports (0600, in
a 0700 folder) named after the administrator, the kind of import and the SHA-256 of its content.
The page carries only that hash; the confirmation reads the very bytes the preview judged (checked
against the hash again), judges them again (the database may have changed meanwhile) and removes
the copy. Copies are removed an hour after their upload at the latest.

Why not a re-upload, or the content in a hidden field: the administrator would have to choose the
file twice, or send it back altered; with the hash the confirmed file is the previewed one."""
import hashlib
import os
import re
import time

from flask import current_app

from pipeline.base.files import make_private_folder, write_private_file
from pipeline.base.i18n import lazy_gettext as _l

MAX_BYTES = 2 * 1024 * 1024  # a tree of several thousand units is a few hundred kB
KEEP_SECONDS = 3600
EXTENSIONS = (".csv", ".xlsx", ".xlsm")
TOKEN = re.compile(r"([0-9a-f]{64})(\.csv|\.xlsx|\.xlsm)")
XLSX_START = b"PK\x03\x04"  # an XLSX file is a zip archive


NO_FILE = _l("Choose the file to import.")
GONE = _l("The uploaded file is no longer here: upload it again.")


class UploadRefused(Exception):
    """The file cannot be kept for an import; the message is for the user."""


def _folder():
    folder = os.path.join(current_app.instance_path, "imports")
    make_private_folder(folder)
    return folder


def _path(user_id, kind, token):
    return os.path.join(_folder(), f"{int(user_id)}-{kind}-{token}")


def keep(user_id, kind, filename, content):
    """Store the upload; returns its token (hash and extension) for the confirmation."""
    extension = os.path.splitext(filename or "")[1].lower()
    if extension not in EXTENSIONS:
        raise UploadRefused(_l("Save the list as .xlsx or as CSV (UTF-8) to import it."))
    if not content:
        raise UploadRefused(_l("The file is empty."))
    if len(content) > MAX_BYTES:
        raise UploadRefused(_l("The file is larger than %(num)d MB: split it into several files.",
                               num=MAX_BYTES // (1024 * 1024)))
    if extension != ".csv" and not content.startswith(XLSX_START):
        raise UploadRefused(_l("This file is not an XLSX workbook: open it in Excel and save it as .xlsx or CSV."))
    _prune()
    token = hashlib.sha256(content).hexdigest() + extension
    path = _path(user_id, kind, token)
    if not os.path.exists(path):
        write_private_file(path, content, exclusive=False)
    return token


def keep_upload(user_id, kind, upload):
    """An uploaded file (a werkzeug FileStorage, or None) kept for its confirmation, as every
    import's page and the API keep theirs: (token, path), the path None when the copy is gone
    already (another tab's confirmation of the same file removed it). Raises UploadRefused."""
    if upload is None or not getattr(upload, "filename", ""):
        raise UploadRefused(NO_FILE)
    token = keep(user_id, kind, upload.filename, upload.read(MAX_BYTES + 1))
    return token, kept_path(user_id, kind, token)


def kept_path(user_id, kind, token):
    """The stored copy's path, or None when it is gone, was never there or has changed."""
    if not TOKEN.fullmatch(token or ""):
        return None
    path = _path(user_id, kind, token)
    try:
        with open(path, "rb") as fh:
            content = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    return path if hashlib.sha256(content).hexdigest() == TOKEN.fullmatch(token).group(1) else None


def discard(user_id, kind, token):
    if TOKEN.fullmatch(token or ""):
        try:
            os.remove(_path(user_id, kind, token))
        except FileNotFoundError:
            pass


def _prune():
    limit = time.time() - KEEP_SECONDS
    folder = _folder()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        try:
            if os.path.getmtime(path) < limit:
                os.remove(path)
        except FileNotFoundError:
            pass  # removed by another request meanwhile
