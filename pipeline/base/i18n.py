"""Translated text that is safe in HTML. Flask-Babel's lazy strings declare themselves markup
(`__html__`), so Jinja and WTForms print them unescaped — and with them whatever user text was
interpolated (`_l("Note: %(note)s", note=…)`): a secretary's note would reach the committee's pages
and the PDFs as live HTML. These lazy strings print the translation as markup, as Jinja's own
`_()` does, but escape every interpolated value. Every module takes its lazy strings from here
(tests/test_layers.py checks that none imports Flask-Babel's)."""
from flask_babel import gettext, ngettext, pgettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape


class EscapingLazyString(LazyString):
    def __html__(self):
        # Only text is escaped: numbers must reach %(num)d as numbers.
        variables = {name: escape(value) if isinstance(value, (str, LazyString)) else value
                     for name, value in self._kwargs.items()}
        return Markup(self._func(*self._args, **variables))


def lazy_gettext(string, **variables):
    return EscapingLazyString(gettext, string, **variables)


def lazy_ngettext(singular, plural, num, **variables):
    return EscapingLazyString(ngettext, singular, plural, num, **variables)


def lazy_pgettext(context, string, **variables):
    return EscapingLazyString(pgettext, context, string, **variables)
