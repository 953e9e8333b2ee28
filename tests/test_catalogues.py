"""The start-up fallback (pipeline/base/catalogues.py): an application whose compiled catalogue is
missing compiles it, once, and speaks Vietnamese; where it cannot write, it says so in the log
and serves English rather than failing. (tests/test_install.py covers the build.)"""
import logging
import os
import shutil

from babel.support import Translations

from pipeline.base import catalogues
from pipeline.extensions import TRANSLATIONS_DIR


def copy_sources(tmp_path):
    """The catalogues' sources alone, as in a fresh clone."""
    target = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS_DIR, target, ignore=shutil.ignore_patterns("*.mo"))
    return target


def test_a_missing_catalogue_is_compiled_once_and_speaks_vietnamese(tmp_path):
    folder = copy_sources(tmp_path)
    assert catalogues.compile_missing(str(folder)) == ["en", "vi"]
    vietnamese = Translations.load(str(folder), ["vi"])
    assert vietnamese.gettext("Log in") == "Đăng nhập"
    assert catalogues.compile_missing(str(folder)) == []  # present: left as it is
    assert sorted(os.listdir(folder / "vi" / "LC_MESSAGES")) == ["messages.mo", "messages.po"]  # no temporary left


def test_a_catalogue_that_cannot_be_written_is_logged_and_the_application_goes_on(tmp_path, monkeypatch, caplog):
    folder = copy_sources(tmp_path)

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(catalogues.tempfile, "mkstemp", read_only)
    # A logger of its own: Alembic's logging set-up (other tests' migrations) disables the others.
    with caplog.at_level(logging.WARNING):
        assert catalogues.compile_missing(str(folder), logging.getLogger("test_catalogues")) == []
    assert "vi message catalogue is not compiled" in caplog.text
    assert not (folder / "vi" / "LC_MESSAGES" / "messages.mo").exists()
