"""Which language a page is in: `?lang=` when given (remembered for the session), else the
session's, else the user's own, else Vietnamese. The user picks a language with the switch in
the bar (a POST): it is kept for the session and, once logged in, on the account, so it follows
them to another device. Nothing is written on a GET."""
from flask import Blueprint, current_app, has_request_context, redirect, request, session, url_for
from flask_login import current_user

from pipeline.accounts.operations import choose_language, log_in
from pipeline.api.errors import is_api_request
from pipeline.web.redirects import safe_next

bp = Blueprint("language", __name__)


def _known(code):
    return code if code in current_app.config["LANGUAGES"] else None


def select_locale():
    if not has_request_context():  # command line: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if is_api_request():  # a program says which language it reads in its request
        return (request.accept_languages.best_match(current_app.config["LANGUAGES"])
                or current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = _known(request.args.get("lang")) or _known(session.get("lang"))
    if chosen is None and current_user and current_user.is_authenticated:
        chosen = _known(current_user.language)
    return chosen or current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_language_choice():
    """Before each request: a `?lang=` in the address stays with this device for the session."""
    wanted = _known(request.args.get("lang"))
    if wanted is not None and not is_api_request():
        session["lang"] = wanted


@bp.post("/language")
def choose():
    """The language switch of the bar: for this device, and on the account once logged in."""
    wanted = _known(request.form.get("lang"))  # the form's CSRF token is checked for every POST (CSRFProtect)
    if wanted is not None:
        session["lang"] = wanted
        if current_user.is_authenticated:
            choose_language(current_user._get_current_object(), wanted)
    home = url_for("index") if current_user.is_authenticated else url_for("accounts.login")
    return redirect(safe_next(request.form.get("next")) or home)


def language_after_login(user):
    """At login the account's own language wins over what the device last showed (a shared
    office computer); an account without one keeps the language chosen before logging in."""
    log_in(user, _known(session.get("lang")))
    if _known(user.language):
        session["lang"] = user.language
