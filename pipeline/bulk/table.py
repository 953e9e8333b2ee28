"""The columns of an import/export table, described once: the export writes their labels as headers
(in the reader's language), the import reads them back in any language, in any case, with or
without accents, and turns each cell into a value or a problem naming its row and column.
The cell conventions are the candidate import's (pipeline.imports.columns): dd/mm/yyyy or a real
date cell, "x" for yes and an empty cell for no."""
import re
from dataclasses import dataclass, field as dataclass_field
from datetime import date

from flask import current_app
from flask_babel import force_locale

from pipeline.base.i18n import lazy_gettext as _l
from pipeline.base.text import fold, to_nfc
from pipeline.base.validators import has_control_characters
from pipeline.exports.columns import Column
from pipeline.imports.columns import NO, YES, cell_text, date_text
from pipeline.imports.rows import Problem
from pipeline.imports.sheet import read_sheet

MAX_ROWS = 5000  # a whole province's tree is a few thousand units: more is not a setup file
YES_TEXT = "x"  # what the export writes for yes (and an empty cell for no)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
INTEGER = re.compile(r"\d{1,9}")
IGNORED_HEADERS = frozenset({"stt", "tt", "so tt", "no", "no."})  # the row counter every sheet has


@dataclass(frozen=True)
class Field:
    """One column. kind: "text", "choice" (`choices`: code -> label), "bool", "date", "int"."""
    name: str
    label: object  # a lazy_gettext string: the export's header
    kind: str = "text"
    required: bool = False
    max_length: int = 200
    aliases: tuple = ()  # other headers offices write, as written
    choices: dict = dataclass_field(default_factory=dict)
    maximum: int = 100_000


def in_every_language(label):
    texts = set()
    for language in current_app.config["LANGUAGES"]:
        with force_locale(language):
            texts.add(str(label))
    return texts


@dataclass
class Layout:
    columns: dict  # field name -> column index
    headers: list  # as the sheet writes them
    ignored: list  # headers the import does not read


class Table:
    def __init__(self, fields, key_fields, no_header):
        self.fields = tuple(fields)
        self.by_name = {f.name: f for f in self.fields}
        self.key_fields = frozenset(key_fields)  # a row holding these headers is the header
        self.no_header = no_header

    def header_names(self):
        """folded header -> field name."""
        names = {}
        for f in self.fields:
            for text in {*f.aliases, *in_every_language(f.label)}:
                names[fold(text)] = f.name
        return names

    def looks_like_header(self, cells):
        names = self.header_names()
        return self.key_fields <= {names.get(fold(str(c))) for c in cells if c is not None}

    def read(self, path):
        """(sheet, layout, problems of the file as a whole); raises SheetError when unreadable."""
        sheet = read_sheet(path, self.looks_like_header, self.no_header)
        names, columns, ignored = self.header_names(), {}, []
        for index, header in enumerate(sheet.headers):
            name = names.get(fold(header))
            if name is None or name in columns:  # a second column of the same name is not read
                if fold(header) and fold(header) not in IGNORED_HEADERS:
                    ignored.append(header)
                continue
            columns[name] = index
        layout = Layout(columns, sheet.headers, ignored)
        problems = [Problem(None, None, _l("The file has no column “%(column)s”.", column=f.label))
                    for f in self.fields if f.required and f.name not in columns]
        if not sheet.rows:
            problems.append(Problem(None, None, _l("The file has no rows under its header.")))
        elif len(sheet.rows) > MAX_ROWS:
            problems.append(Problem(None, None, _l("The file has more than %(num)d rows: split it into several "
                                                   "files.", num=MAX_ROWS)))
        return sheet, layout, problems

    def column(self, layout, name):
        """The column of a field as the sheet heads it (its label when the sheet has none)."""
        index = layout.columns.get(name)
        return layout.headers[index] if index is not None else str(self.by_name[name].label)

    def values(self, layout, number, cells):
        """(field name -> value, problems) of one row; a field without a column is None."""
        values, problems = {}, []
        for f in self.fields:
            index = layout.columns.get(f.name)
            raw = cells[index] if index is not None and index < len(cells) else None
            try:
                values[f.name] = self._value(f, raw)
            except ValueError as error:
                values[f.name] = None
                problems.append(Problem(number, self.column(layout, f.name), error.args[0]))
        return values, problems

    def _value(self, f, raw):
        text = date_text(raw) if f.kind == "date" else cell_text(raw)
        text = to_nfc(text).strip()
        if not text:
            if f.required:
                raise ValueError(_l("This field is required."))
            return False if f.kind == "bool" else None
        if f.kind == "bool":
            if fold(text) in YES:
                return True
            if fold(text) in NO:
                return False
            raise ValueError(_l("Write “x” for yes, or leave the cell empty for no."))
        if f.kind == "date":
            if ISO_DATE.fullmatch(text):
                try:
                    return date.fromisoformat(text)
                except ValueError:
                    pass
            raise ValueError(_l("Not a date: write it as dd/mm/yyyy."))
        if f.kind == "int":
            if not INTEGER.fullmatch(text) or int(text) > f.maximum:
                raise ValueError(_l("Give a whole number from 0 to %(num)d.", num=f.maximum))
            return int(text)
        if len(text) > f.max_length or has_control_characters(text):
            raise ValueError(_l("Use at most %(num)d characters, without invisible control characters.",
                                num=f.max_length))
        if f.kind == "choice":
            code = self.choice_codes(f).get(fold(text))
            if code is None:
                raise ValueError(_l("“%(value)s” is not known. Expected one of: %(values)s.", value=text,
                                    values=", ".join(str(label) for label in f.choices.values())))
            return code
        return text

    @staticmethod
    def choice_codes(f):
        """folded code or label (in every language) -> code."""
        codes = {}
        for code, label in f.choices.items():
            codes[fold(code)] = code
            codes.update((fold(text), code) for text in in_every_language(label))
        return codes

    def export_columns(self):
        """The export's columns, in the import's order: a yes is "x", as the import reads it."""
        kinds = {"date": "date", "int": "int"}
        return [Column(f.label, kinds.get(f.kind, "text")) for f in self.fields]


def yes(value):
    return YES_TEXT if value else ""


def sorted_problems(problems):
    return sorted(problems, key=lambda p: (p.row or 0))
