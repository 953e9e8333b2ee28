"""Managing accounts: an administrator creates, changes, resets the password of, disables and
enables the accounts of their own subtree. Each change is one transaction with its AccountChange
row. Accounts are never deleted: the act log, the dossier and the quotas keep pointing at whoever
recorded them. The language a user picks is kept on their account too."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from pipeline.accounts.models import ROLES, AccountChange, User
from pipeline.base.errors import NotPermitted
from pipeline.extensions import db
from pipeline.transaction import one_transaction
from pipeline.units.models import Unit, subtree_filter

USERNAME_TAKEN = _l("This username is taken: choose another.")


class AccountRefused(Exception):
    """The change breaks a rule; `field` names the form field the reason belongs to."""

    def __init__(self, field, reason):
        super().__init__(str(reason))
        self.field = field
        self.reason = reason


def may_manage_accounts(user):
    return user.role == "admin"


def may_manage(actor, unit):
    """An administrator manages the accounts of every unit in their subtree, their own included."""
    return may_manage_accounts(actor) and unit.path.startswith(actor.unit.path)


def managed_users(actor):
    """Select of the accounts `actor` manages, with their unit joined (for filters and order)."""
    return select(User).join(User.unit).where(subtree_filter(actor.unit))


def _check(actor, unit):
    if not may_manage(actor, unit):
        raise NotPermitted(_l("Only an administrator of a unit above may manage this account."))


def _check_role(role, unit):
    if role not in ROLES:
        raise AccountRefused("role", _l("Not a valid choice."))
    if role == "secretary" and not unit.is_branch:
        raise AccountRefused("unit_id", _l("A branch secretary belongs to a branch: choose a branch."))


def username_taken(username):
    return db.session.execute(
        select(func.count()).select_from(User).where(User.username == username)).scalar_one() > 0


def _record(actor, user, action, changes=None, reason=""):
    db.session.add(AccountChange(user=user, actor=actor, action=action, changes=changes or {},
                                 reason=reason or ""))


def create_user(actor, username, display_name, role, unit, password):
    """A new account. `actor` None: from the command line, where whoever holds the database acts."""
    with one_transaction(conflict=lambda: AccountRefused("username", USERNAME_TAKEN)):
        if actor is not None:
            _check(actor, unit)
        _check_role(role, unit)
        if username_taken(username):
            raise AccountRefused("username", USERNAME_TAKEN)
        user = User(username=username, display_name=display_name, role=role, unit=unit, active=True)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()  # the history row needs the id; a concurrent twin fails here (unique username)
        _record(actor, user, "created", {"role": [None, role], "unit_id": [None, unit.id]})
    return user


def update_user(actor, user, display_name, role, unit):
    """Change the name, role and unit; returns the fields changed ({} when nothing was)."""
    with one_transaction():
        _check(actor, user.unit)
        _check(actor, unit)
        _check_role(role, unit)
        if user.id == actor.id and (role != user.role or unit.id != user.unit_id):
            # Taking away one's own administration midway would leave the subtree without it.
            raise AccountRefused("role", _l("You cannot change your own role or unit: ask another administrator."))
        changes = {}
        for name, old, new in (("display_name", user.display_name, display_name), ("role", user.role, role),
                               ("unit_id", user.unit_id, unit.id)):
            if old != new:
                changes[name] = [old, new]
        if changes:
            user.display_name, user.role, user.unit = display_name, role, unit
            _record(actor, user, "updated", changes)
    return changes


def reset_password(actor, user, password):
    with one_transaction():
        _check(actor, user.unit)
        user.set_password(password)
        _record(actor, user, "password_reset")


def set_active(actor, user, active, reason):
    """Disable or enable an account. A disabled account cannot log in, and its open sessions
    end at their next request (the user loader refuses inactive accounts)."""
    with one_transaction():
        _check(actor, user.unit)
        if user.id == actor.id and not active:
            raise AccountRefused("reason", _l("You cannot disable your own account."))
        if user.active == active:
            return False
        user.active = active
        _record(actor, user, "enabled" if active else "disabled", reason=reason)
    return True


def choose_language(user, code):
    """The language the user picked, kept on their account so that it follows them."""
    with one_transaction():
        user.language = code


def log_in(user, session_language):
    """What logging in writes: an account without a language of its own takes the one the user
    chose before logging in (`session_language`, or None)."""
    if user.language is None and session_language is not None:
        with one_transaction():
            user.language = session_language


def units_named(unit_ids):
    """id -> Unit for the units a history mentions, in one query."""
    ids = {i for i in unit_ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.execute(select(Unit).where(Unit.id.in_(ids))).scalars()}
