"""Files holding personal data or secrets (the database's backups, the scans, the instance's
key) are readable by the application's own user only: 0600, in folders of 0700. Whatever the
umask of the process that writes them (a service's is often 022)."""
import contextlib
import os
import secrets

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def make_private_folder(path):
    """`path` and any missing folder above it, created 0700 (an existing folder is left as it is)."""
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        make_private_folder(parent)
    try:
        os.mkdir(path, PRIVATE_FOLDER)
    except FileExistsError:
        if not os.path.isdir(path):
            raise


def write_private_file(path, content, exclusive=True):
    """Write `content` (bytes) into a new file readable by this user only."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    descriptor = os.open(path, flags, PRIVATE_FILE)
    with os.fdopen(descriptor, "wb") as fh:
        fh.write(content)


def create_private_file(path, content):
    """Create `path` (0600) holding `content`, whole or not at all: the file appears with its
    content already in it, so a process that finds it never reads it half written (two workers
    starting at once). Raises FileExistsError when it exists; the existing file is kept."""
    partial = f"{path}.{os.getpid()}.{secrets.token_hex(8)}.part"
    write_private_file(partial, content)
    try:
        os.link(partial, path)  # atomic, and fails when `path` exists: the first writer wins
    finally:
        os.remove(partial)


@contextlib.contextmanager
def private_umask():
    """Everything created inside, by this process or the tools it runs (pg_dump, SQLite), is
    0600 or 0700. For commands only: the umask is the whole process's."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)
