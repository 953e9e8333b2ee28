"""The compiled message catalogues (translations/<language>/LC_MESSAGES/messages.mo), which
Flask-Babel reads: without them the interface is English. They are build products, not in git:
every build of the package compiles them (setup.py, which loads this file by its path, so it
imports nothing but Babel), and an application that finds one missing (a source tree run without
manage.py or an install) compiles it at start-up (pipeline/app.py).

The start-up compilation is a fallback that costs nothing when the catalogues are there (one
stat per language) and some 70 ms when one is not; it writes through a temporary file renamed into
place, so workers starting together never read half a catalogue, and where the package cannot be
written (a read-only install) it logs a warning and the interface stays English."""
import logging
import os
import tempfile

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE = os.path.join("LC_MESSAGES", "messages.po")
COMPILED = os.path.join("LC_MESSAGES", "messages.mo")


def languages(directory):
    """The languages that have a catalogue (messages.po) under `directory`."""
    return [language for language in sorted(os.listdir(directory))
            if os.path.isfile(os.path.join(directory, language, SOURCE))]


def compile_catalogue(po_path, mo_path, language):
    """Compile `po_path` into `mo_path`, atomically. Fuzzy translations are kept, as
    `manage.py` compiles them (`--use-fuzzy`): an approximate Vietnamese beats English."""
    with open(po_path, "rb") as fh:
        catalog = read_po(fh, locale=language)
    folder = os.path.dirname(mo_path)
    os.makedirs(folder, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(descriptor, "wb") as fh:
            write_mo(fh, catalog, use_fuzzy=True)
        os.chmod(temporary, 0o644)  # mkstemp makes it 0600; the catalogue is no secret
        os.replace(temporary, mo_path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def compile_all(source, target):
    """Every catalogue under `source` compiled to the same place under `target` (the build)."""
    for language in languages(source):
        compile_catalogue(os.path.join(source, language, SOURCE), os.path.join(target, language, COMPILED),
                          language)


def compile_missing(directory, logger=logging.getLogger(__name__)):
    """Compile each catalogue under `directory` that has no compiled form; the languages compiled."""
    compiled = []
    for language in languages(directory):
        mo_path = os.path.join(directory, language, COMPILED)
        if os.path.exists(mo_path):
            continue
        try:
            compile_catalogue(os.path.join(directory, language, SOURCE), mo_path, language)
        except OSError as error:
            logger.warning("The %s message catalogue is not compiled and cannot be written (%s): "
                           "its pages are shown in English. Reinstall the package, or run manage.py.",
                           language, error)
            continue
        compiled.append(language)
    return compiled
