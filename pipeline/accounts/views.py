"""Logging in (password, then the second factor when the account has one) and out, and the
user's own account page: their password and their second factor. Also wires Flask-Login: how a
session finds its user, and the gates every request passes (idle sessions end; a password to
change and a required second factor come before any other page)."""
import time
from functools import cache

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, refresh as refresh_language
from pipeline.base.i18n import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import bindparam, select
from werkzeug.security import check_password_hash

from pipeline.accounts import limits, operations, two_factor
from pipeline.accounts.forms import ChangePasswordForm, CodeForm, DigestForm, LoginForm, PasswordCheckForm
from pipeline.accounts.models import User, hash_password
from pipeline.api.errors import is_api_request
from pipeline.extensions import db, login_manager
from pipeline.web.language import language_after_login
from pipeline.web.redirects import safe_next
from pipeline.web.scope import current_actor

bp = Blueprint("accounts", __name__)

login_manager.login_message = _l("Please log in to see this page.")

SEEN_AT = "seen_at"  # in the session: when its last request came (epoch seconds)
PENDING = "two_factor_pending"  # in the session: the account whose password was right, awaiting its code
ENROLLING = "two_factor_enrolling"  # in the session: the secret being shown to the user's app
PENDING_SECONDS = 300
# What a user who must first change their password or enrol a second factor may still reach.
ALWAYS_OPEN = {"static", "favicon", "accounts.login", "accounts.logout", "accounts.second_factor",
               "language.choose"}


@cache
def _user_statement():
    """An account by its id (its unit joined, as its relationship says), built once: every
    request reads its user, and `session.get` builds its statement anew each time."""
    return select(User).where(User.id == bindparam("user_id")).execution_options(prepared=True)


def _user_for(session_id):
    """The active account a session id ("<id>:<generation>") names, or None: disabled, unknown,
    or its sessions ended since (logout, password change, reset...)."""
    user_id, _sep, generation = str(session_id).partition(":")
    try:
        user_id, generation = int(user_id), int(generation)
    except (TypeError, ValueError):
        return None
    user = db.session.execute(_user_statement(), {"user_id": user_id}).scalar_one_or_none()
    if user is None or not user.active or user.session_generation != generation:
        return None
    return user


@login_manager.user_loader
def load_user(session_id):
    return _user_for(session_id)


def two_factor_required(user):
    return user.role in current_app.config["TWO_FACTOR_REQUIRED_ROLES"]


@bp.before_app_request
def session_gates():
    # The API's calls carry a token, not a session (pipeline.api.auth): none is read or written.
    if request.endpoint in ("static", "favicon") or is_api_request() or not current_user.is_authenticated:
        return None
    now = int(time.time())
    idle = current_app.config["SESSION_IDLE_MINUTES"]
    seen = session.get(SEEN_AT)
    if idle and isinstance(seen, int) and now - seen > idle * 60:
        _end_this_session()
        flash(_("You were logged out after %(num)d minutes without activity. Please log in again.", num=idle),
              "warning")
        return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))
    session[SEEN_AT] = now
    if request.endpoint in ALWAYS_OPEN:
        return None
    user = current_actor()
    if user.must_change_password and request.endpoint != "accounts.change_password":
        return redirect(url_for("accounts.change_password"))
    if (not user.must_change_password and two_factor_required(user) and not user.two_factor_enabled
            and request.endpoint != "accounts.enrol_two_factor"):
        return redirect(url_for("accounts.enrol_two_factor"))
    return None


def _end_this_session():
    logout_user()
    for key in (SEEN_AT, PENDING, ENROLLING):
        session.pop(key, None)


_dummy_hash = None


def _burn_password_check(password):
    """Spend the time of a real check when the username is unknown, so response times do not
    tell which usernames exist."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password("not a password")
    check_password_hash(_dummy_hash, password)


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or url_for("index"))
    form = LoginForm()
    failed = None
    if form.validate_on_submit():
        account = limits.account_key(form.username.data)
        wait = limits.count_attempt("login", account)  # before the password is checked
        if wait:
            return limits.login_refused(wait)
        user = db.session.execute(select(User).where(User.username == form.username.data)).scalar_one_or_none()
        if user is None:
            _burn_password_check(form.password.data)
            failed = _("Wrong username or password.")
        elif not user.check_password(form.password.data):
            failed = _("Wrong username or password.")
        elif not user.active:
            failed = _("This account is disabled. Ask your administrator.")
        else:
            limits.refund("login", account)
            if user.two_factor_enabled:
                session[PENDING] = {"id": user.get_id(), "at": int(time.time()), "next": next_url}
                return redirect(url_for(".second_factor"))
            return _logged_in(user, next_url)
    # A refused form comes back as 422, like every other form of the site.
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form, failed=failed, next_url=next_url), status


def _logged_in(user, next_url):
    for key in (PENDING, ENROLLING):
        session.pop(key, None)
    login_user(user)
    session[SEEN_AT] = int(time.time())
    language_after_login(user)
    refresh_language()  # the welcome already in the account's language
    flash(_("Welcome, %(name)s.", name=user.display_name), "success")
    return redirect(next_url or url_for("index"))


def _pending_user():
    """The account whose password was right in this browser less than PENDING_SECONDS ago."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None, None
    if time.time() - pending["at"] > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None, None
    return _user_for(pending.get("id")), safe_next(pending.get("next"))


@bp.route("/login/two-factor", methods=["GET", "POST"])
def second_factor():
    user, next_url = _pending_user()
    if user is None:
        flash(_("Please log in again: the code must follow the password within 5 minutes."), "info")
        return redirect(url_for(".login"))
    form = CodeForm()
    failed = None
    if form.validate_on_submit():
        account = f"id:{user.id}"
        wait = limits.count_attempt("two_factor", account)  # before the code is checked
        if wait:
            return limits.too_many_attempts(wait, "accounts/second_factor.html", form=form)
        if operations.check_second_factor(user, form.code.data):
            limits.refund("two_factor", account)
            left = operations.recovery_codes_left(user)
            if left <= 3:
                flash(_("Recovery codes left: %(num)d. Make new ones on your account page.", num=left), "warning")
            return _logged_in(user, next_url)
        failed = _("This code is not right, or was already used. Type the code your app shows now, "
                   "or one of your recovery codes.")
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/second_factor.html", form=form, failed=failed), status


@bp.post("/logout")
def logout():
    # POST only, and CSRFProtect checks the token of the form in the navigation bar: another
    # site cannot log a user out.
    if current_user.is_authenticated:
        operations.log_out(current_actor())  # every session of the account, copied cookies too
    _end_this_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


# --- the user's own account ---------------------------------------------------------------------

def _profile(password_check=None, code=200, digest_form=None):
    user = current_actor()
    return render_template("accounts/profile.html", user=user, codes_left=operations.recovery_codes_left(user),
                           required=two_factor_required(user),
                           password_check=password_check or PasswordCheckForm(formdata=None),
                           digest_form=digest_form or DigestForm(formdata=None, obj=user),
                           mail_configured=bool(current_app.config.get("MAIL_SERVER"))), code


@bp.get("/account")
@login_required
def profile():
    return _profile()


@bp.post("/account/digest")
@login_required
def choose_digest():
    """The e-mail digest of the user's queue: an address and how often (none by default)."""
    form = DigestForm()
    if not form.validate_on_submit():
        return _profile(code=422, digest_form=form)
    operations.choose_digest(current_actor(), form.email.data, form.digest.data)
    flash(_("Your choice of e-mail was saved."), "success")
    return redirect(url_for(".profile"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_actor()
    form = ChangePasswordForm(username=user.username)
    if form.validate_on_submit():
        wait = limits.count_attempt("login", limits.account_key(user.username))  # the old password is guessed too
        if wait:
            return limits.too_many_attempts(wait, "accounts/change_password.html", form=form)
        try:
            operations.change_own_password(user, form.old_password.data, form.password.data)
        except operations.AccountRefused as refused:
            form[refused.field].errors.append(refused.reason)
        else:
            limits.refund("login", limits.account_key(user.username))
            login_user(user)  # this session goes on under the new generation; the others have ended
            flash(_("Your password was changed. Your other sessions have ended."), "success")
            return redirect(url_for(".profile"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/change_password.html", form=form), status


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def enrol_two_factor():
    """Scan the QR code (or type the secret), then confirm with a code. The secret waits in the
    session until confirmed: it is shown on this page anyway, and nothing is written on a GET."""
    user = current_actor()
    if user.two_factor_enabled:
        return redirect(url_for(".profile"))
    secret = session.get(ENROLLING)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session[ENROLLING] = two_factor.new_secret()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = operations.enable_two_factor(user, secret, form.code.data)
        except operations.AccountRefused as refused:
            form.code.errors.append(refused.reason)
        else:
            session.pop(ENROLLING, None)
            flash(_("Two-factor sign-in is on: from now on you log in with your password and a code."), "success")
            return render_template("accounts/recovery_codes.html", codes=codes)
    uri = two_factor.provisioning_uri(secret, user.username)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/enrol_two_factor.html", form=form, qr=two_factor.qr_data_uri(uri),
                           secret=two_factor.grouped(secret), required=two_factor_required(user)), status


def _password_confirmed(user, form):
    """The password typed again is the account's; checked like a login (counted first, so a
    session left open does not let anyone guess it)."""
    account = limits.account_key(user.username)
    if limits.count_attempt("login", account):
        form.password.errors.append(_l("Too many failed attempts. Please wait a few minutes and try again."))
        return False
    if not user.check_password(form.password.data):
        form.password.errors.append(operations.WRONG_PASSWORD)
        return False
    limits.refund("login", account)
    return True


def _not_enrolled():
    # The buttons show only with a second factor: this is another tab's, or a stale page's, post.
    flash(_("Two-factor sign-in is not on for this account."), "info")
    return redirect(url_for(".profile"))


@bp.post("/account/two-factor/codes")
@login_required
def regenerate_codes():
    user = current_actor()
    if not user.two_factor_enabled:
        return _not_enrolled()
    form = PasswordCheckForm()
    if form.validate_on_submit():
        if _password_confirmed(user, form):
            try:
                codes = operations.regenerate_recovery_codes(user)
            except operations.AccountRefused as refused:
                form.password.errors.append(refused.reason)
            else:
                flash(_("New recovery codes were made: the old ones no longer work."), "success")
                return render_template("accounts/recovery_codes.html", codes=codes)
    return _profile(password_check=form, code=422)


@bp.post("/account/two-factor/disable")
@login_required
def disable_two_factor():
    user = current_actor()
    if not user.two_factor_enabled:
        return _not_enrolled()
    form = PasswordCheckForm()
    if form.validate_on_submit():
        if two_factor_required(user):
            form.password.errors.append(_l("Your role must sign in with two factors: it cannot be turned off."))
        elif _password_confirmed(user, form):
            try:
                changed = operations.disable_two_factor(user, form.password.data)
            except operations.AccountRefused as refused:
                form.password.errors.append(refused.reason)
            else:
                if changed:
                    flash(_("Two-factor sign-in is off: you log in with your password only."), "success")
                return redirect(url_for(".profile"))
    return _profile(password_check=form, code=422)
