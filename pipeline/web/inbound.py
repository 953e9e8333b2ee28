"""What every request must be before any view, extension or form reads it.

- Its body is bounded (MAX_CONTENT_LENGTH): a declared length over the limit is refused (413)
  before a byte of it is read, and a chunked body without a length is cut off at the limit by
  Werkzeug's limited stream. The check runs before CSRFProtect, which reads the form in its own
  hook, and before the login limits, which read the username.
- A list-valued input (a field sent many times, as the ceremony day's or the enrolment's
  selection, or numbered rows, as a class's results) carries at most BULK_ROWS_MAX entries:
  more is refused at once with the limit named, never processed or echoed back in a huge page.
- No NUL reaches the database (PostgreSQL refuses it in text: a 500 otherwise): a control
  character in the address (nobody types one into a link or a search box) is refused (400) with
  a sentence. In a form, every field refuses it beside itself and the form comes back with what
  was typed (pipeline.base.forms.BaseForm.validate): text pasted from a PDF may carry one."""
import re
import unicodedata
from collections import Counter

from flask import current_app, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from pipeline.base.formatting import format_number

# What a form's fields may add to the largest file a page accepts (the dossier scan).
FORM_MARGIN_BYTES = 64 * 1024
# `rows-12-result`: row 12 of a list of subforms (WTForms' FieldList names).
_NUMBERED_ROW = re.compile(r"^(.+?)-(\d+)-")
_LINE_BREAKS_AND_TABS = frozenset("\n\r\t")


class TooManyRows(RequestEntityTooLarge):
    def __init__(self, count, limit):
        super().__init__()
        self.count, self.limit = count, limit


class UnusableCharacter(BadRequest):
    """A control character in the address."""


def body_limit(config):
    """MAX_CONTENT_LENGTH when set, else the largest upload (the dossier's scan) plus the form
    around it: derived on every request, so that it follows the scan's limit."""
    configured = config.get("MAX_CONTENT_LENGTH")
    return configured if configured is not None else config["DOSSIER_UPLOAD_MAX_BYTES"] + FORM_MARGIN_BYTES


def check_request():
    """The before_request hook (registered before every other one)."""
    limit = request.max_content_length = body_limit(current_app.config)  # what reading the body enforces
    length = request.content_length
    if limit is not None and length is not None and length > limit:
        raise RequestEntityTooLarge()  # not a byte read
    if _has_control(request.path) or any(_has_control(key) or _has_control(value)
                                         for key, value in request.args.items(multi=True)):
        raise UnusableCharacter()
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        form = request.form  # bounded by the length above (Werkzeug's limited stream for chunked bodies)
        if length is None and getattr(request.stream, "is_exhausted", False):
            # A chunked body that reached the limit: Werkzeug stops reading there and would parse
            # what it has; cut off, it is refused as a whole.
            raise RequestEntityTooLarge()
        # A field with no usable name (a multipart part named by a control character, which
        # Werkzeug reads as no name): refused like such a character in the address.
        if any(not isinstance(key, str) or any(unicodedata.category(ch) == "Cc" for ch in key) for key in form.keys()):
            raise UnusableCharacter()
        _check_list_sizes(form)


def _check_list_sizes(form):
    """The longest list of the form: a field's values, or the rows of one list of subforms."""
    limit = current_app.config["BULK_ROWS_MAX"]
    rows = {match.groups() for match in map(_NUMBERED_ROW.match, form.keys()) if match}
    rows_per_list = Counter(name for name, _index in rows)
    largest = max([0, *rows_per_list.values(), *(len(values) for values in form.listvalues())])
    if largest > limit:
        raise TooManyRows(largest, limit)


def _has_control(text):
    return any(unicodedata.category(ch) == "Cc" and ch not in _LINE_BREAKS_AND_TABS for ch in text)


def too_large(error):
    """The page for a request too large to read (any page but the dossier's, which names its own
    limit)."""
    if isinstance(error, TooManyRows):
        message = _("The form carries %(count)s rows; at most %(limit)s can be sent at once. "
                    "Choose fewer and send it again.", count=format_number(error.count),
                    limit=format_number(error.limit))
        return render_template("error.html", code=413, title=_("Too many rows"), message=message), 413
    return render_template("error.html", code=413, title=_("Request too large"),
                           message=_("What was sent is larger than this site accepts and was not read. "
                                     "Please go back and send less at a time.")), 413


def unusable_character(error):
    message = _("The address contains a character that cannot be used. Please check the link and try again.")
    return render_template("error.html", code=400, title=_("Bad request"), message=message), 400


def init_inbound(app):
    """Before every other hook: call this before the extensions register theirs."""
    app.before_request(check_request)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.register_error_handler(UnusableCharacter, unusable_character)
