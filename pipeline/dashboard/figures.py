"""The text of the matrix and of the lists behind its numbers, made cheaply. A commune's matrix
has some 150 cells, each with up to four links and five figures, and a list 50 rows of links,
dates and labels: through `url_for`, Babel and the template's `_()` and `ngettext` that was most
of the pages' time (issue 16). The output is the same as theirs: the
links are the base URL of the list plus the query string werkzeug writes (in the same order),
and the numbers are written by a function made once per locale and checked against Babel then
(any locale where it differs uses Babel)."""
from urllib.parse import urlencode

from flask import url_for
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

from pipeline.base.formatting import number_writer
from pipeline.dashboard.filters import OPEN_STAGE_NAMES, OPEN_STAGES
from pipeline.workflow.stages import stage_label

# The characters werkzeug leaves unquoted in a query string (werkzeug.urls._urlencode).
URL_SAFE = "!$'()*,/:;?@"
_STAGE_QUERY = {stage: "&" + urlencode([("stage", stage)], safe=URL_SAFE) for stage in OPEN_STAGE_NAMES}
_MARK = 987654321  # a branch id no database has: where the id goes in the board's address


class MatrixText:
    """One request's links and figures of the matrix (the reader's locale, the applied filters)."""

    def __init__(self, filters_args):
        self.numbers = number_writer(get_locale())
        self.translations = get_translations()
        base = url_for("dashboard.cases")
        filters_query = "&" + urlencode(list(filters_args.items()), safe=URL_SAFE) if filters_args else ""
        # url_for("dashboard.cases", which=..., **filters, unit=..., stage=...): in that order.
        self._prefix = {which: f"{base}?which={which}{filters_query}&unit=" for which in ("all", "stuck", "overdue")}
        self._plurals = {}
        # (stage, its label as markup) of the columns: translated once, not once per cell.
        self.stage_columns = [(stage.name, escape(stage.label)) for stage in OPEN_STAGES]
        gettext = self.translations.ugettext  # named so: the catalogue's extraction finds the msgids
        self._all_stages = Markup(gettext("All stages"))
        # url_for("dashboard.matrix", unit=..., **filters) and url_for("dashboard.board", branch_id=...).
        self._matrix = (url_for("dashboard.matrix") + "?unit=", filters_query)
        self._board = url_for("dashboard.board", branch_id=_MARK).split(str(_MARK))
        self._days_line = Markup(gettext("median %(median)s · longest %(longest)s days"))

    def cells_of(self, row):
        """(stage, its label, the row's cell) for each open stage, then ("all", label, the row's total)."""
        return [(name, label, row.cells[name]) for name, label in self.stage_columns] + [
            ("all", self._all_stages, row.total)]

    def href(self, which, unit_id, stage=None):
        """The list of a cell's cases (a plain string: the template escapes it)."""
        return self._prefix[which] + str(unit_id) + (_STAGE_QUERY[stage] if stage else "")

    def matrix_href(self, unit_id):
        """The matrix rooted at a row's unit, the filters kept."""
        return self._matrix[0] + str(unit_id) + self._matrix[1]

    def board_href(self, branch_id):
        return self._board[0] + str(branch_id) + self._board[1]

    def num(self, value):
        return self.numbers.count(value)

    def days(self, value):
        return self.numbers.days(value)

    def _plural(self, key, n, translated):
        """As the template's ngettext(singular, plural, n, num=n|num) (autoescaped): the
        translation as markup, the number escaped into it. The same few counts recur: kept."""
        found = self._plurals.get((key, n))
        if found is None:
            found = self._plurals[key, n] = Markup(translated()) % {"num": self.num(n)}
        return found

    # The msgids are written out in each call, and the functions named as the catalogue's
    # extraction knows them (gettext, ngettext).
    def stuck(self, n):
        ngettext = self.translations.ungettext
        return self._plural("stuck", n, lambda: ngettext("%(num)s stuck", "%(num)s stuck", n))

    def overdue(self, n):
        ngettext = self.translations.ungettext
        return self._plural("overdue", n, lambda: ngettext("%(num)s overdue", "%(num)s overdue", n))

    def days_line(self, median, longest):
        """As _('median %(median)s · longest %(longest)s days', ...) in the template."""
        return self._days_line % {"median": self.days(median), "longest": self.days(longest)}


class ListText:
    """One request's links, labels and figures of a list of cases (the cases behind a number of
    the matrix, the candidate list, a year report's stuck cases): per row, the same few
    translations, dates and links, made once per request instead of through `_()`, |vndate and
    `url_for` (some 500 calls for a page of 50 cases)."""

    def __init__(self):
        self.numbers = number_writer(get_locale())
        gettext = get_translations().ugettext  # named so: the catalogue's extraction finds the msgids
        self._since = _around_day(gettext("since %(day)s"))
        self._due = _around_day(gettext("due %(day)s"))
        self._stuck_since = _around_day(gettext("stuck since %(day)s"))
        self.overdue_label = Markup(gettext("overdue"))
        self.too_long_label = Markup(gettext("too long"))
        self._stages = {}
        self._labels = {}
        self._case = url_for("cases.show_case", case_id=_MARK).split(str(_MARK))
        self._board = url_for("dashboard.board", branch_id=_MARK).split(str(_MARK))

    @staticmethod
    def day(value):
        """As the |vndate filter (pipeline.base.formatting.format_day): dd/mm/yyyy in every language."""
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}" if value else ""

    def num(self, value):
        return self.numbers.count(value)

    def _dated(self, around, day):
        if isinstance(around, Markup):
            return around % {"day": self.day(day)}
        before, after = around
        return Markup(before + self.day(day) + after)  # dd/mm/yyyy: digits and slashes

    def since(self, day):
        return self._dated(self._since, day)

    def due(self, day):
        return self._dated(self._due, day)

    def stuck_since(self, day):
        return self._dated(self._stuck_since, day)

    def stage(self, name):
        """The stage's label as markup, translated once per request."""
        found = self._stages.get(name)
        if found is None:
            found = self._stages[name] = escape(stage_label(name))
        return found

    def case_href(self, case_id):
        return self._case[0] + str(case_id) + self._case[1]

    def label(self, text):
        """A lazy label (a stuck reason's rule) as the template prints it: the same few recur down
        a list, each translated once per request."""
        key = _lazy_key(text)
        if key is None:
            return escape(text)
        found = self._labels.get(key)
        if found is None:
            found = self._labels[key] = escape(text)
        return found

    def board_href(self, branch_id):
        return self._board[0] + str(branch_id) + self._board[1]


def _around_day(translated):
    """(the text before, the text after) the one `%(day)s` of a translated message (markup, as
    the templates trust their catalogue): a date put between them is what
    `Markup(message) % {"day": …}` writes, for a fraction of its cost (a year report writes some
    200); the message as markup when it has any other `%`."""
    before, found, after = translated.partition("%(day)s")
    if not found or "%" in before + after:  # another placeholder, or an escaped "%%": formatted
        return Markup(translated)
    return before, after


def _lazy_key(value):
    """What a lazy string's text is made of (its function, message and values, themselves lazy
    or plain), or None for anything else: equal keys, equal text in one request's language."""
    if isinstance(value, LazyString):
        values = tuple((name, _lazy_key(v)) for name, v in sorted(value._kwargs.items()))
        parts = (value._func, tuple(_lazy_key(a) for a in value._args), values)
        return None if None in parts[1] or any(v is None for _n, v in values) else (type(value), *parts)
    if type(value) in (str, int):
        return type(value), value
    return None
