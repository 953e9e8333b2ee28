"""Vietnamese is the default language: no user-facing string may be left untranslated."""
import os

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHOD_MAP = [("pipeline/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}


def _source_msgids():
    """(msgid, context) of every string the code translates."""
    found = set()
    for filename, _lineno, message, _comments, context in extract_from_dir(
            ROOT, METHOD_MAP, keywords=KEYWORDS):
        found.add((message[0] if isinstance(message, tuple) else message, context))
    return found


def _catalogue(lang):
    with open(os.path.join(ROOT, "pipeline", "translations", lang, "LC_MESSAGES", "messages.po"), "rb") as fh:
        return read_po(fh, locale=lang)


def translated(entry):
    """Every form filled in (a plural entry holds a tuple of forms) and not fuzzy."""
    forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
    return all(forms) and not entry.fuzzy


def test_every_string_in_the_code_has_a_vietnamese_translation():
    catalogue = _catalogue("vi")
    entries = {key: catalogue.get(*key) for key in _source_msgids()}
    missing = sorted(key[0] for key, entry in entries.items() if not (entry and translated(entry)))
    assert missing == [], f"{len(missing)} strings without Vietnamese: {missing[:20]}"


def test_vietnamese_translations_keep_their_placeholders():
    catalogue = _catalogue("vi")
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalogue.check() if errors]
    assert problems == []


@pytest.mark.parametrize("lang, expected, unexpected", [
    (None, "Đăng nhập", "Log in"),
    ("en", "Log in", "Đăng nhập"),
])
def test_pages_speak_vietnamese_unless_asked_otherwise(client, lang, expected, unexpected):
    page = client.get("/login" + (f"?lang={lang}" if lang else ""))
    text = page.get_data(as_text=True)
    assert expected in text and unexpected not in text


def test_form_errors_from_wtforms_are_in_vietnamese(client, login, make_case):
    case = make_case("training")
    login("sec_a1")
    page = client.post(f"/candidates/{case.id}/act/complete_training",
                       data={"version": case.version, "effective_date": "2021-09-15",
                             "certificate_number": "X" * 61, "date_received": ""})
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Nội dung không được dài quá 60 ký tự." in text and "cannot be longer" not in text
