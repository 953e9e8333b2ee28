"""English glosses of the Vietnamese texts the rules cite and of the forms' titles. The official
Vietnamese stays as written (it is what an office looks up); in another language the gloss says,
beside it, which text it is: "Quy định 24-QĐ/TW, điểm 3.2" (Regulation 24-QĐ/TW of the Central
Committee, point 3.2)."""
import re

from flask import has_request_context
from flask_babel import get_locale

# What each cited text is, in English; in the order they are looked for (longest first).
SOURCES = (
    (re.compile(r"Điều lệ Đoàn TNCS Hồ Chí Minh"), "the Statute of the Ho Chi Minh Communist Youth Union"),
    (re.compile(r"Điều lệ Đảng"), "the Party Statute"),
    (re.compile(r"Quy định (\d+)-QĐ/TW"), r"Regulation \1-QĐ/TW of the Central Committee"),
    (re.compile(r"Hướng dẫn (\d+)-HD/TW"), r"Guidance \1-HD/TW of the Secretariat"),
    (re.compile(r"Mẫu (\d+[A-Z]?-KNĐ)"), r"Form \1"),
    (re.compile(r"Điều (\d+)"), r"Article \1"),
    (re.compile(r"điểm (\d+(?:\.\d+)*)"), r"point \1"),
    (re.compile(r"Thiết lập quản lý hồ sơ"), "a record-keeping setting of this application, not a regulation"),
    (re.compile(r"Thiết lập quản lý"), "a management setting of this application, not a regulation"),
    (re.compile(r"Thiết lập kiểm tra"), "an audit setting of this application, not a regulation"),
    (re.compile(r"hướng dẫn nghiệp vụ"), "working guidance of the party's organisation boards"),
    (re.compile(r"Báo cáo công tác phát triển đảng viên"), "the report on admitting new members"),
)
# A point or an article belongs to the text named just before it.
PARTS = ("Article", "point")


def english_gloss(text):
    """The texts `text` cites, in English and in the order cited; "" when it cites none."""
    found = []
    for pattern, english in SOURCES:
        for match in pattern.finditer(text or ""):
            if not any(start <= match.start() < end for start, end, _ in found):
                found.append((match.start(), match.end(), match.expand(english)))
    words = ""
    for _start, _end, english in sorted(found):
        if not words:
            words = english
        elif english.startswith(PARTS):
            words += f", {english}"
        elif english not in words:
            words += f"; {english}"
    return words


def glossing():
    """Whether the reader reads another language than Vietnamese (in a request)."""
    return has_request_context() and str(get_locale()) != "vi"


def gloss(text):
    """The English gloss to show beside `text`, or "" in Vietnamese (the official text is enough)."""
    return english_gloss(text) if glossing() else ""


def with_gloss(text):
    """`text` and, in another language, its gloss in brackets."""
    found = gloss(text)
    return f"{text} ({found})" if found else text
