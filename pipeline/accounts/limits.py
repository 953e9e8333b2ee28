"""Limits on guessing passwords: refused logins are counted per client address and per
account name (Flask-Limiter), and past the limit the login page answers 429 with a message.

Only refused attempts count (the login page answers them with 422): a whole commune office
behind one address may log in all morning, while a guesser is stopped after a few tries.
Each application has its own Limiter, so every app (and every test) starts with fresh counts;
RATELIMIT_STORAGE_URI (memory:// by default) shares them between workers, e.g. redis://."""
import math
import time

from flask import current_app, render_template, request
from flask_babel import gettext as _, ngettext
from flask_limiter import Limiter

from pipeline.accounts.forms import LoginForm
from pipeline.web.redirects import safe_next

LOGIN_ENDPOINT = "accounts.login"
REFUSED_LOGIN_STATUS = 422


def client_address():
    # With PROXY_FIX the proxy's X-Forwarded-For has already replaced remote_addr.
    return request.remote_addr or "unknown"


def account_key():
    """The account a login attempt is for. Without a name, the address stands in for it (a key
    shared by every empty attempt would let one client block the others)."""
    name = (request.form.get("username") or "").strip().casefold()
    return "user:" + name if name else "address:" + client_address()


def _refused(response):
    return response.status_code == REFUSED_LOGIN_STATUS


def limiter_of(app):
    return app.extensions["login_limiter"]


def init_login_limits(app):
    """Wrap the login view of `app` in its limits; call once the accounts blueprint is registered."""
    limiter = Limiter(key_func=client_address, storage_uri=app.config["RATELIMIT_STORAGE_URI"])
    limiter.init_app(app)
    app.extensions["login_limiter"] = limiter
    view = app.view_functions[LOGIN_ENDPOINT]
    view = limiter.limit(lambda: current_app.config["LOGIN_LIMITS_PER_ACCOUNT"], key_func=account_key,
                         scope="account", methods=["POST"], deduct_when=_refused)(view)
    view = limiter.limit(lambda: current_app.config["LOGIN_LIMITS_PER_ADDRESS"], key_func=client_address,
                         scope="address", methods=["POST"], deduct_when=_refused)(view)
    app.view_functions[LOGIN_ENDPOINT] = view
    app.register_error_handler(429, _too_many_attempts)


def _too_many_attempts(error):
    limit = limiter_of(current_app).current_limit
    seconds = max(1, math.ceil(limit.window.reset_time - time.time())) if limit is not None else 60
    headers = {"Retry-After": str(seconds)}
    if request.endpoint != LOGIN_ENDPOINT:
        return render_template("error.html", code=429, title=_("Too many requests"),
                               message=_("Please wait a moment and try again.")), 429, headers
    minutes = math.ceil(seconds / 60)
    message = ngettext("Too many failed attempts to log in. Please wait %(num)d minute and try again.",
                       "Too many failed attempts to log in. Please wait %(num)d minutes and try again.", minutes)
    form = LoginForm()  # keeps the username typed; the password field is never filled back
    return render_template("accounts/login.html", form=form, failed=message,
                           next_url=safe_next(request.args.get("next"))), 429, headers
