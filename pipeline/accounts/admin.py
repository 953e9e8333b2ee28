"""The account pages, for administrators: /admin/users. An administrator sees and manages the
accounts of their own subtree; other roles get 404, like every page outside their scope (and
like /admin/calendar). Views parse a form, call one operation (which commits), flash and redirect."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, or_, select

from pipeline.accounts import operations
from pipeline.accounts.admin_forms import (STATUSES, UNIT_SELECT_LIMIT, NewUserForm, NewUserSearchForm, PasswordForm,
                                           StatusForm, UserDetailsForm, UserDetailsSearchForm, UserFilterForm)
from pipeline.accounts.forms import EmptyForm
from pipeline.accounts.models import ROLES, AccountChange, User
from pipeline.extensions import db
from pipeline.units.models import subtree_filter
from pipeline.units.tree import units_in_tree_order
from pipeline.web.params import page_arg
from pipeline.web.scope import current_actor
from pipeline.workflow.models import LogEntry

bp = Blueprint("users", __name__, url_prefix="/admin/users")

MAX_PER_PAGE = 100


@bp.before_request
@login_required
def admin_only():
    if not operations.may_manage_accounts(current_actor()):
        abort(404)


def _details_form(form_class, search_class, **kwargs):
    """The account form with a select of the administrator's units, or with a unit picker when
    they are more than UNIT_SELECT_LIMIT (never a select of a province's or the country's units)."""
    root = current_actor().unit
    units = units_in_tree_order(root, limit=UNIT_SELECT_LIMIT)
    if units is None:
        return search_class(root=root, chosen=request.form.get(search_class.CHOICE), **kwargs)
    return form_class(units=units, root_depth=root.depth, **kwargs)


def _user_or_404(user_id):
    user = db.session.execute(operations.managed_users(current_actor()).where(User.id == user_id)).scalar_one_or_none()
    if user is None:
        abort(404)  # not there and not yours look the same
    return user


@bp.get("/")
def list_users():
    form = UserFilterForm(request.args)
    form.validate()
    statement = operations.managed_users(current_actor())
    picked = form.pick(current_actor().unit)
    unit = picked.unit
    if unit is not None:
        statement = statement.where(subtree_filter(unit))
    if form.role.data in ROLES:
        statement = statement.where(User.role == form.role.data)
    status = form.status.data if form.status.data in STATUSES else "all"
    if status != "all":
        statement = statement.where(User.active.is_(status == "active"))
    query = (form.q.data or "") if not form.q.errors else ""
    if query:
        statement = statement.where(or_(User.username.contains(query.casefold(), autoescape=True),
                                        User.display_name.icontains(query, autoescape=True)))
    per_page = request.args.get("per_page", current_app.config["USERS_PER_PAGE"], type=int)
    page = db.paginate(statement.order_by(User.username), page=page_arg(), per_page=per_page,
                       max_per_page=MAX_PER_PAGE)
    filtered = bool(unit is not None or picked.text or form.role.data in ROLES or status != "all" or query)
    return render_template("accounts/users.html", page=page, form=form, picked=picked, filtered=filtered)


@bp.route("/new", methods=["GET", "POST"])
def new_user():
    form = _details_form(NewUserForm, NewUserSearchForm)
    if form.validate_on_submit():
        try:
            user = operations.create_user(current_actor(), form.username.data, form.display_name.data,
                                          form.role.data, form.chosen_unit, form.password.data)
        except operations.AccountRefused as refused:  # the same username created in the meantime too
            form[refused.field].errors.append(refused.reason)
        else:
            flash(_("Account created: %(username)s. Give the initial password to its owner in person: "
                    "they must change it when they first log in.", username=user.username), "success")
            return redirect(url_for(".show_user", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/user_new.html", form=form), status


def _history(user):
    rows = db.session.execute(select(AccountChange).where(AccountChange.user_id == user.id)
                              .order_by(AccountChange.recorded_at.desc(), AccountChange.id.desc())).scalars().all()
    units = operations.units_named(unit_id for row in rows for unit_id in row.changes.get("unit_id", ()))
    return rows, units


def _user_page(user, details=None, password=None, status_form=None, code=200):
    if details is None:
        details = _details_form(UserDetailsForm, UserDetailsSearchForm, formdata=None,
                                data={"display_name": user.display_name, "role": user.role, "unit_id": user.unit_id,
                                      "unit_name": user.unit.name})
    history, history_units = _history(user)
    acts = db.session.execute(select(func.count()).select_from(LogEntry)
                              .where(LogEntry.actor_id == user.id)).scalar_one()
    return render_template("accounts/user.html", user=user, details=details,
                           password_form=password or PasswordForm(formdata=None),
                           status_form=status_form or StatusForm(formdata=None),
                           two_factor_form=EmptyForm(formdata=None),
                           is_self=user.id == current_actor().id, history=history, history_units=history_units,
                           roles=ROLES, acts=acts), code


@bp.get("/<int:user_id>")
def show_user(user_id):
    return _user_page(_user_or_404(user_id))


@bp.post("/<int:user_id>")
def edit_user(user_id):
    user = _user_or_404(user_id)
    form = _details_form(UserDetailsForm, UserDetailsSearchForm)
    if form.validate_on_submit():
        try:
            changes = operations.update_user(current_actor(), user, form.display_name.data, form.role.data,
                                             form.chosen_unit)
        except operations.AccountRefused as refused:
            form[refused.field].errors.append(refused.reason)
        else:
            flash(_("Saved: %(username)s.", username=user.username) if changes else _("Nothing was changed."),
                  "success" if changes else "info")
            return redirect(url_for(".show_user", user_id=user.id))
    return _user_page(user, details=form, code=422)


@bp.post("/<int:user_id>/password")
def reset_password(user_id):
    user = _user_or_404(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        operations.reset_password(current_actor(), user, form.password.data)
        flash(_("The password of %(username)s was reset. Its sessions have ended; give the new password to its "
                "owner in person: they must change it when they log in.", username=user.username), "success")
        return redirect(url_for(".show_user", user_id=user.id))
    return _user_page(user, password=form, code=422)


def _set_active(user_id, active):
    user = _user_or_404(user_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            changed = operations.set_active(current_actor(), user, active, form.reason.data)
        except operations.AccountRefused as refused:
            form[refused.field].errors.append(refused.reason)
        else:
            if not changed:
                message = _("The account was already active.") if active else _("The account was already disabled.")
                flash(message, "info")
            elif active:
                flash(_("Account enabled: %(username)s can log in again.", username=user.username), "success")
            else:
                flash(_("Account disabled: %(username)s can no longer log in. Its history is kept.",
                        username=user.username), "success")
            return redirect(url_for(".show_user", user_id=user.id))
    return _user_page(user, status_form=form, code=422)


@bp.post("/<int:user_id>/disable")
def disable_user(user_id):
    return _set_active(user_id, False)


@bp.post("/<int:user_id>/enable")
def enable_user(user_id):
    return _set_active(user_id, True)


@bp.post("/<int:user_id>/two-factor/reset")
def reset_two_factor(user_id):
    """A lost phone: the second factor is removed, the account's sessions end, and where its role
    requires one the owner enrols again at the next login."""
    user = _user_or_404(user_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            changed = operations.reset_two_factor(current_actor(), user)
        except operations.AccountRefused as refused:
            flash(refused.reason, "danger")
        else:
            if changed:
                flash(_("The two-factor sign-in of %(username)s was reset: they log in with the password only, "
                        "then enrol again where their role requires it.", username=user.username), "success")
            else:
                flash(_("This account has no two-factor sign-in."), "info")
        return redirect(url_for(".show_user", user_id=user.id))
    return _user_page(user, code=400)
