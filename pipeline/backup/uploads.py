"""The scanned dossier documents (instance/uploads/) travel next to the database backup as a
tar archive. The archive is written after the database snapshot: a scan is on disk before the
transaction that names it commits, so every scan the snapshot refers to is in the archive (a
later one may be too, unreferenced and harmless)."""
import os
import tarfile

from pipeline.base.files import PRIVATE_FILE, PRIVATE_FOLDER
from pipeline.dossier.operations import UPLOADS_DIR

SUFFIX = ".uploads.tar"


def archive_path(database_backup):
    """ketnap-20250101-120000.sqlite -> ketnap-20250101-120000.uploads.tar"""
    return os.path.splitext(database_backup)[0] + SUFFIX


def archive(instance_path, destination):
    """Write the uploads folder into `destination`; returns the number of files (0: no archive)."""
    root = os.path.join(instance_path, UPLOADS_DIR)
    files = [os.path.join(folder, name) for folder, _dirs, names in os.walk(root) for name in names]
    if not files:
        return 0
    partial = destination + ".part"
    with tarfile.open(partial, "w") as tar:
        for path in sorted(files):
            tar.add(path, arcname=os.path.relpath(path, instance_path), recursive=False)
    os.chmod(partial, PRIVATE_FILE)  # scans of personal documents
    os.replace(partial, destination)
    return len(files)


def restore(archive_file, instance_path):
    """Unpack the scans into the instance folder, next to those already there (scan names are
    random, so none collide). Only regular files under uploads/ are taken: an archive cannot
    write anywhere else. Returns the number of files."""
    with tarfile.open(archive_file) as tar:
        members = [m for m in tar.getmembers() if _safe(m)]
        if len(members) != len(tar.getmembers()):
            raise tarfile.TarError(f"{archive_file} holds entries outside {UPLOADS_DIR}/ or that are not files.")
        for member in members:
            tar.extract(member, instance_path, **_data_filter())
            _make_private(instance_path, member.name)
    return len(members)


def _make_private(instance_path, name):
    """An archive keeps the modes its files had (0644 in older backups): the scans and their
    folders come back readable by this user only, as the application writes them."""
    os.chmod(os.path.join(instance_path, name), PRIVATE_FILE)
    parts = name.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        os.chmod(os.path.join(instance_path, *parts[:depth]), PRIVATE_FOLDER)


def _safe(member):
    parts = member.name.split("/")
    return (member.isfile() and not os.path.isabs(member.name) and parts[0] == UPLOADS_DIR
            and ".." not in parts and len(parts) > 1)


def _data_filter():
    # Python 3.11.4 and later also sanitise permissions and metadata.
    return {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
