"""Which column of the sheet is which field of the "New candidate" form, and how a cell becomes
what that form would have received from the page. Headers are read in either language, in any
case and with or without accents; the export's own headers (pipeline.cases.export) count."""
import re
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale

from pipeline.cases.forms import NewCaseForm
from pipeline.cases.models import EDUCATION_LEVELS, SEXES, SOURCE_ORGANISATIONS
from pipeline.base.text import fold

# What office sheets head their columns with, besides the form's labels in every language.
HEADER_ALIASES = {
    "full_name": ("Họ tên", "Họ và tên", "Name"),  # not "Tên": sheets that split it have "Họ đệm" too
    "date_of_birth": ("Ngày sinh", "Ngày tháng năm sinh", "Sinh ngày", "Born"),
    "sex": ("Giới tính", "Nam/Nữ", "Gender"),
    "ethnicity": ("Dân tộc",),
    "education": ("Trình độ văn hóa", "Trình độ học vấn", "Văn hóa", "Học vấn", "Trình độ"),
    "occupation": ("Nghề nghiệp", "Nghề nghiệp, chức vụ", "Chức vụ", "Job"),
    "residence": ("Nơi cư trú", "Nơi ở", "Nơi ở hiện nay", "Chỗ ở hiện nay", "Địa chỉ", "Address"),
    "youth_union_member": ("Đoàn viên", "Đoàn viên Đoàn TN"),
    "source_organisation": ("Tổ chức giới thiệu", "Nguồn", "Source"),
    "helper_member": ("Đảng viên giúp đỡ", "Người giúp đỡ", "Helper"),
    "effective_date": ("Ngày phát hiện", "Ngày tạo nguồn", "Spotted on"),
    "branch": ("Chi bộ", "Branch"),  # the export's column: checked against --unit, never chosen by it
}
IGNORED_HEADERS = frozenset({"stt", "tt", "so tt", "no", "no."})  # the row counter every sheet has
DATE_FIELDS = ("date_of_birth", "effective_date")
CHOICES = {"sex": SEXES, "education": EDUCATION_LEVELS, "source_organisation": SOURCE_ORGANISATIONS}
# How sheets write what the choice labels say at length.
CHOICE_ALIASES = {
    "education": {"thcs": "lower_secondary", "cap 2": "lower_secondary", "9/12": "lower_secondary",
                  "thpt": "upper_secondary", "cap 3": "upper_secondary", "12/12": "upper_secondary",
                  "cap 1": "primary", "trung cap": "vocational", "cao dang": "vocational",
                  "thac si": "postgraduate", "tien si": "postgraduate"},
    "source_organisation": {"doan thanh nien": "youth_union", "doan": "youth_union",
                            "hoi phu nu": "womens_union", "cong doan": "trade_union"},
}
YES = frozenset({"x", "co", "yes", "y", "1", "true", "v"})
NO = frozenset({"khong", "no", "n", "0", "false", "-"})
DATE_TEXT = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


def _in_every_language(label):
    texts = set()
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            texts.add(str(label))
    return texts


def header_names():
    """folded header -> field name."""
    form = NewCaseForm(formdata=None, meta={"csrf": False})
    names = {}
    for field, aliases in HEADER_ALIASES.items():
        labels = set(aliases)
        if field in form:
            labels |= _in_every_language(form[field].label.text)
        for label in labels:
            names[fold(label)] = field
    return names


def choice_values(field):
    """folded code, label (in every language) or the label's abbreviation in brackets -> code."""
    values = dict(CHOICE_ALIASES.get(field, {}))
    for code, label in CHOICES[field].items():
        values[fold(code)] = code
        for text in _in_every_language(label):
            values[fold(text)] = code
            values.update((fold(short), code) for short in re.findall(r"\(([^)]+)\)", text))
    return values


@dataclass
class Layout:
    """Where each field is in the sheet: field -> column index, and the headers as written."""
    columns: dict
    headers: list
    ignored: list  # headers the import does not read

    @classmethod
    def of(cls, headers):
        names, columns, ignored = header_names(), {}, []
        for index, header in enumerate(headers):
            field = names.get(fold(header))
            if field is None or field in columns:  # a second column of the same name is not read
                if fold(header) and fold(header) not in IGNORED_HEADERS:
                    ignored.append(header)
                continue
            columns[field] = index
        return cls(columns, headers, ignored)


def looks_like_header(cells):
    """At least the name and the date of birth: a title row never has both."""
    names = header_names()
    found = {names.get(fold(str(c))) for c in cells if c is not None}
    return {"full_name", "date_of_birth"} <= found


def cell_text(value):
    """A cell as the page's text box would have sent it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():  # Excel stores every number as a float
        value = int(value)
    return str(value).strip()


def date_text(value):
    """dd/mm/yyyy (or a real date cell) as the page's date input sends it, yyyy-mm-dd; anything
    else is passed on as written, for the form to refuse."""
    text = cell_text(value)
    match = DATE_TEXT.fullmatch(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return text
    return text
