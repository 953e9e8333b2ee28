"""Which language a page is in: `?lang=` when given (remembered for the session and, for a
logged-in user, on their account), else the session's, else the user's own, else Vietnamese."""
from flask import current_app, has_request_context, request, session
from flask_login import current_user

from pipeline.extensions import db


def _known(code):
    return code if code in current_app.config["LANGUAGES"] else None


def select_locale():
    if not has_request_context():  # command line: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = _known(request.args.get("lang")) or _known(session.get("lang"))
    if chosen is None and current_user and current_user.is_authenticated:
        chosen = _known(current_user.language)
    return chosen or current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_language_choice():
    """Before each request: a `?lang=` the user clicked stays with them, on this device for the
    session and, once logged in, on every device."""
    wanted = _known(request.args.get("lang"))
    if wanted is None:
        return
    session["lang"] = wanted
    if current_user.is_authenticated and current_user.language != wanted:
        current_user.language = wanted
        db.session.commit()


def language_after_login(user):
    """At login the account's own language wins over what the device last showed (a shared
    office computer); an account without one keeps the language chosen on the login page."""
    if _known(user.language):
        session["lang"] = user.language
    elif _known(session.get("lang")):
        user.language = session["lang"]
