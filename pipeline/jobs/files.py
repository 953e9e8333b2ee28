"""Where the jobs' files live: instance/exports/, 0700, each file 0600 under a name nobody can
guess (the job's id and a random part); the download's name is kept in the job's row."""
import os
import secrets

from flask import current_app

from pipeline.base.files import PRIVATE_FILE, make_private_folder

FOLDER = "exports"


def exports_folder(app=None):
    path = os.path.join((app or current_app).instance_path, FOLDER)
    make_private_folder(path)
    return path


def new_file_key(job_id, fmt):
    return f"{job_id}-{secrets.token_hex(16)}.{fmt}"


def file_path(key, app=None):
    return os.path.join(exports_folder(app), os.path.basename(key))


def write_file(key, chunks):
    """Write the chunks under `key`, whole or not at all (a half-written file is never offered):
    into a .part file first, renamed when complete. Returns the size in bytes."""
    path = file_path(key)
    partial = path + ".part"
    size = 0
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        with os.fdopen(descriptor, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
                size += len(chunk)
        os.replace(partial, path)
    except BaseException:
        remove_file(os.path.basename(partial))
        raise
    return size


def remove_file(key, app=None):
    if key:
        try:
            os.remove(file_path(key, app))
        except FileNotFoundError:
            pass
