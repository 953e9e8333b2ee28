"""Managing accounts: an administrator creates, changes, resets the password of, disables and
enables the accounts of their own subtree. Each change is one transaction with its AccountChange
row. Accounts are never deleted: the act log, the dossier and the quotas keep pointing at whoever
recorded them. The language a user picks is kept on their account too.

Sessions: every session carries the account's `session_generation` (User.get_id); raising it
(`_end_sessions`) ends every session of the account at its next request, wherever its cookie was
copied to. Logging out, a password changed or reset, disabling or enabling, a new role or unit and
a second factor reset all raise it.

Users manage their own password and second factor here too (change_own_password, the
two-factor functions): those changes are recorded like an administrator's, the user as actor."""
from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from pipeline.accounts import two_factor
from pipeline.accounts.chain import chained_change
from pipeline.accounts.models import ROLES, RecoveryCode, User
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
    # `actor` None: the command line (or a reorganisation run from it), where whoever holds the
    # database acts.
    if actor is not None and not may_manage(actor, unit):
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
    # Sealed at the end of the account's own chain (pipeline.accounts.chain), which `audit verify`
    # replays against the account's row; a "created" row records the whole initial state.
    db.session.add(chained_change(actor, user, action, changes or {}, reason or ""))


def create_user(actor, username, display_name, role, unit, password, must_change_password=None):
    """A new account. `actor` None: from the command line, where whoever holds the database acts.
    `must_change_password` None: when an administrator chose the password (see below); True for a
    one-time password (the bulk import's), whoever creates the account."""
    with one_transaction(conflict=lambda: AccountRefused("username", USERNAME_TAKEN)):
        if actor is not None:
            _check(actor, unit)
        _check_role(role, unit)
        if username_taken(username):
            raise AccountRefused("username", USERNAME_TAKEN)
        # An administrator knows the password they chose: its owner must replace it at first login.
        # From the command line (actor None) the owner usually chose it themselves.
        user = User(username=username, display_name=display_name, role=role, unit=unit, active=True,
                    must_change_password=actor is not None if must_change_password is None
                    else must_change_password)
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
        if actor is not None and user.id == actor.id and (role != user.role or unit.id != user.unit_id):
            # Taking away one's own administration midway would leave the subtree without it.
            raise AccountRefused("role", _l("You cannot change your own role or unit: ask another administrator."))
        changes = {}
        for name, old, new in (("display_name", user.display_name, display_name), ("role", user.role, role),
                               ("unit_id", user.unit_id, unit.id)):
            if old != new:
                changes[name] = [old, new]
        if changes:
            user.display_name, user.role, user.unit = display_name, role, unit
            if "role" in changes or "unit_id" in changes:
                _end_sessions(user)  # what the sessions were opened for has changed
            _record(actor, user, "updated", changes)
    return changes


def reset_password(actor, user, password):
    with one_transaction():
        _check(actor, user.unit)
        user.set_password(password)
        user.must_change_password = True
        _end_sessions(user)
        _record(actor, user, "password_reset")


def set_active(actor, user, active, reason):
    """Disable or enable an account. A disabled account cannot log in, and its open sessions
    end at their next request (the user loader refuses inactive accounts)."""
    with one_transaction():
        _check(actor, user.unit)
        if actor is not None and user.id == actor.id and not active:
            raise AccountRefused("reason", _l("You cannot disable your own account."))
        if user.active == active:
            return False
        user.active = active
        _end_sessions(user)  # a cookie of before the disabling must not come back with the enabling
        _record(actor, user, "enabled" if active else "disabled", reason=reason)
    return True


def _end_sessions(user):
    """Every open session of `user` ends at its next request (the user loader compares the
    generation in the session's id with the account's)."""
    user.session_generation = (user.session_generation or 0) + 1


def log_out(user):
    """Logging out ends every session of the account, the ones on other devices and copied
    cookies included."""
    with one_transaction():
        _end_sessions(user)


WRONG_PASSWORD = _l("This is not your current password.")


def change_own_password(user, old_password, new_password):
    """The owner replaces their password (knowing the old one). Every other session of the
    account ends; the caller logs the current one in again with the new generation."""
    with one_transaction():
        if not user.check_password(old_password):
            raise AccountRefused("old_password", WRONG_PASSWORD)
        if new_password == old_password:
            raise AccountRefused("password", _l("Choose a password different from the current one."))
        user.set_password(new_password)
        user.must_change_password = False
        _end_sessions(user)
        _record(user, user, "password_changed")


def enable_two_factor(user, secret, code):
    """Turn the second factor on with the secret the user's app was given, once a code it made
    proves the app has it. Returns the new recovery codes (in clear, to show once)."""
    with one_transaction():
        if user.two_factor_enabled:
            raise AccountRefused("code", _l("Two-factor sign-in is already on for this account."))
        step = two_factor.matching_step(secret, code, None)
        if step is None:
            raise AccountRefused("code", two_factor.WRONG_CODE)
        user.totp_secret, user.totp_last_step = secret, step
        codes = _new_recovery_codes(user)
        _record(user, user, "two_factor_enabled")
    return codes


def regenerate_recovery_codes(user):
    """New recovery codes; the old ones stop working. Returns them in clear, to show once."""
    with one_transaction():
        if not user.two_factor_enabled:
            raise AccountRefused("code", _l("Two-factor sign-in is not on for this account."))
        codes = _new_recovery_codes(user)
        _record(user, user, "codes_regenerated")
    return codes


def _new_recovery_codes(user):
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = two_factor.new_recovery_codes()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=two_factor.code_hash(code)) for code in codes)
    return codes


def disable_two_factor(user, password):
    """The owner turns the second factor off, proving it is them with the password."""
    with one_transaction():
        if not user.check_password(password):
            raise AccountRefused("password", WRONG_PASSWORD)
        if not user.two_factor_enabled:
            return False
        _clear_two_factor(user)
        _record(user, user, "two_factor_disabled")
    return True


def reset_two_factor(actor, user):
    """An administrator removes the second factor of an account (a lost phone and lost codes);
    its sessions end. Where the setting requires it, the owner enrols again at the next login."""
    with one_transaction():
        _check(actor, user.unit)
        if user.id == actor.id:
            raise AccountRefused("two_factor", _l("You cannot reset your own two-factor sign-in: "
                                                  "ask another administrator."))
        if not user.two_factor_enabled:
            return False
        _clear_two_factor(user)
        _end_sessions(user)
        _record(actor, user, "two_factor_reset")
    return True


def _clear_two_factor(user):
    user.totp_secret = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def check_second_factor(user, code):
    """True when `code` is the account's current TOTP code, not used before, or one of its
    recovery codes (which is then used up). Two logins with the same code at once: one wins
    (the conditional UPDATE and the DELETE count their rows)."""
    with one_transaction():
        if not user.two_factor_enabled:
            return False
        step = two_factor.matching_step(user.totp_secret, code, user.totp_last_step)
        if step is not None:
            taken = db.session.execute(
                update(User).where(User.id == user.id,
                                   User.totp_last_step.is_(None) | (User.totp_last_step < step))
                .values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount
            return taken == 1
        recovery = two_factor.recovery_code_hash(code)
        if recovery is None:
            return False
        used = db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                             RecoveryCode.code_hash == recovery)).rowcount
        return used == 1


def recovery_codes_left(user):
    return db.session.execute(select(func.count()).select_from(RecoveryCode)
                              .where(RecoveryCode.user_id == user.id)).scalar_one()


def choose_language(user, code):
    """The language the user picked, kept on their account so that it follows them."""
    with one_transaction():
        user.language = code


def choose_digest(user, email, digest):
    """Where and how often the digest of the user's queue is sent, as the user chose (the form
    checked both)."""
    with one_transaction():
        user.email = email or None
        user.digest = digest


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
