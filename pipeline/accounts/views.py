"""Logging in and out. Also wires Flask-Login: how a session finds its user."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, refresh as refresh_language
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash

from pipeline.accounts.forms import LoginForm
from pipeline.accounts.models import User, hash_password
from pipeline.extensions import db, login_manager
from pipeline.web.language import language_after_login
from pipeline.web.redirects import safe_next

bp = Blueprint("accounts", __name__)

login_manager.login_message = _l("Please log in to see this page.")


@login_manager.user_loader
def load_user(user_id):
    """A disabled account loses its open sessions at the next request."""
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


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
        user = db.session.execute(select(User).where(User.username == form.username.data)).scalar_one_or_none()
        if user is None:
            _burn_password_check(form.password.data)
            failed = _("Wrong username or password.")
        elif not user.check_password(form.password.data):
            failed = _("Wrong username or password.")
        elif not user.active:
            failed = _("This account is disabled. Ask your administrator.")
        else:
            login_user(user)
            language_after_login(user)
            refresh_language()  # the welcome already in the account's language
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(next_url or url_for("index"))
    # A refused form comes back as 422, like every other form of the site.
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form, failed=failed, next_url=next_url), status


@bp.post("/logout")
def logout():
    # POST only, and CSRFProtect checks the token of the form in the navigation bar: another
    # site cannot log a user out.
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))
