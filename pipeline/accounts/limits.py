"""Limits on guessing passwords and second-factor codes, per client address and per account.

Every attempt is counted BEFORE its password (or code) is checked, with an atomic increment of
the `limits` storage per limit: of many attempts sent at once, at most the limit's number get a
check, the others get 429 with a message. (Flask-Limiter's `deduct_when` counted refusals after
the response: thirty wrong passwords sent in parallel all passed a limit of five.)

A successful attempt gives its hits back (`refund`): a whole commune office behind one address
may log in all morning, while a guesser is stopped after a few tries. Refunding rather than
counting successes keeps the limits small whatever the size of the office; the price is that
successes in flight at the same instant briefly hold a place each (the time of one password
hash). A storage without `decr` cannot refund: successes then count like failures.

Each application has its own Limiter (its storage), so every app and every test starts with
fresh counts; RATELIMIT_STORAGE_URI (memory:// by default) shares them between workers (redis://)."""
import math
import time

from flask import current_app, render_template, request
from flask_babel import gettext as _, ngettext
from flask_limiter import Limiter
from limits import parse_many

from pipeline.accounts.forms import LoginForm
from pipeline.web.redirects import safe_next

LOGIN_ENDPOINT = "accounts.login"


def client_address():
    # With PROXY_FIX the proxy's X-Forwarded-For has already replaced remote_addr.
    return request.remote_addr or "unknown"


def account_key(username):
    """The account an attempt is for. Without a name, the address stands in for it (a key shared
    by every empty attempt would let one client block the others)."""
    name = (username or "").strip().casefold()
    return "user:" + name if name else "address:" + client_address()


def limiter_of(app):
    return app.extensions["login_limiter"]


def init_login_limits(app):
    """The storage of the counts; call once the accounts blueprint is registered."""
    limiter = Limiter(key_func=client_address, storage_uri=app.config["RATELIMIT_STORAGE_URI"])
    limiter.init_app(app)
    app.extensions["login_limiter"] = limiter
    app.register_error_handler(429, _too_many_requests)


def _limits(step, account):
    """(limit, identifiers) of every limit an attempt of `step` ("login", "two_factor") counts
    against: its address's and its account's."""
    config = current_app.config
    per_account = config["LOGIN_LIMITS_PER_ACCOUNT" if step == "login" else "TWO_FACTOR_LIMITS_PER_ACCOUNT"]
    return ([(item, (step, "address", client_address())) for item in parse_many(config["LOGIN_LIMITS_PER_ADDRESS"])]
            + [(item, (step, "account", account)) for item in parse_many(per_account)])


def count_attempt(step, account):
    """Count one attempt against every limit; None when it may go on, else the seconds to wait.
    Every limit is hit (an attempt refused by one still counts in the others: a guesser spends
    its budget), each hit one atomic increment."""
    return seconds_to_wait(_limits(step, account))


def seconds_to_wait(limits):
    """Hit each (limit, identifiers) once, each hit one atomic increment; None when none is
    exceeded, else the seconds until all allow again. Also the API's limits per token."""
    strategy = limiter_of(current_app).limiter
    wait = 0
    for item, identifiers in limits:
        if not strategy.hit(item, *identifiers):
            reset = strategy.get_window_stats(item, *identifiers).reset_time
            wait = max(wait, math.ceil(reset - time.time()), 1)
    return wait or None


def refund(step, account):
    """Give back the hits of a successful attempt (see the module's docstring)."""
    limiter = limiter_of(current_app)
    decr = getattr(limiter.storage, "decr", None)
    if decr is None:
        return
    for item, identifiers in _limits(step, account):
        decr(item.key_for(*identifiers))


def too_many_attempts(wait, template, **context):
    """The page of a refused attempt, with the minutes to wait and a Retry-After header."""
    minutes = math.ceil(wait / 60)
    message = ngettext("Too many failed attempts to log in. Please wait %(num)d minute and try again.",
                       "Too many failed attempts to log in. Please wait %(num)d minutes and try again.", minutes)
    return render_template(template, failed=message, **context), 429, {"Retry-After": str(wait)}


def login_refused(wait):
    form = LoginForm()  # keeps the username typed; the password field is never filled back
    return too_many_attempts(wait, "accounts/login.html", form=form, next_url=safe_next(request.args.get("next")))


def _too_many_requests(error):
    return render_template("error.html", code=429, title=_("Too many requests"),
                           message=_("Please wait a moment and try again.")), 429, {"Retry-After": "60"}
