from datetime import datetime

from flask import current_app
from pipeline.base.i18n import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from pipeline.extensions import db
from pipeline.units.models import Unit

ROLES = {
    "secretary": _l("Branch secretary"),
    "committee": _l("Grassroots committee"),
    "board": _l("Organisation board"),
    "admin": _l("Administrator"),
}
# How often the e-mail digest of a user's queue is sent (pipeline.queue.digests): never by default.
DIGESTS = {"none": _l("No e-mail"), "daily": _l("Every day"), "weekly": _l("Every week")}


def hash_password(password):
    """The password's hash, by the method the settings name (PASSWORD_HASH_METHOD)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="role_known"),
        CheckConstraint("digest IN (" + ", ".join(f"'{d}'" for d in DIGESTS) + ")", name="digest_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # The language the user last chose (vi, en); None: the site's default.
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    # Part of every session's id (get_id): raising it ends every session of the account at its
    # next request, copied cookies included (logout, password changes, disabling, role changes).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set when an administrator chose the password (new account, reset): its owner must replace it.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The TOTP secret of the second factor (None: not enrolled). Kept in clear in the database,
    # since the server must compute the codes: whoever reads the database can make codes, but
    # still needs the password too; the hashes and this secret are protected the same way (backups).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The time step of the last code accepted: a code is used once, even within its 30 seconds.
    totp_last_step: Mapped[int | None] = mapped_column()
    # Where the digest of the user's queue goes, and how often (DIGESTS); the user chooses both.
    email: Mapped[str | None] = mapped_column(String(254))
    digest: Mapped[str] = mapped_column(String(10), default="none", server_default="none")

    unit: Mapped[Unit] = relationship(lazy="joined")

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return f"{self.id}:{self.session_generation}"

    @property
    def two_factor_enabled(self):
        return self.totp_secret is not None

    @property
    def role_label(self):
        return ROLES.get(self.role, self.role)

    def set_password(self, password):
        self.password_hash = hash_password(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)


# What an administrator may do to an account (pipeline/accounts/admin.py): never delete it, since
# the act log, the dossier and the quotas keep pointing at the user who recorded them.
ACCOUNT_ACTIONS = {
    "created": _l("Account created"),
    "updated": _l("Details changed"),
    "password_reset": _l("Password reset"),
    "disabled": _l("Account disabled"),
    "enabled": _l("Account enabled again"),
    "password_changed": _l("Password changed by its owner"),
    "two_factor_enabled": _l("Two-factor sign-in turned on"),
    "two_factor_disabled": _l("Two-factor sign-in turned off"),
    "two_factor_reset": _l("Two-factor sign-in reset"),
    "codes_regenerated": _l("New recovery codes made"),
    "token_created": _l("API token made"),
    "token_revoked": _l("API token revoked"),
}


class AccountChange(db.Model):
    """Who did what to an account, and when. Rows are only ever added (the database refuses
    UPDATE and DELETE), and never hold a password or its hash: `changes` maps a field to its
    [old, new] values (display_name, role, unit_id)."""
    __tablename__ = "account_change"
    __table_args__ = (
        CheckConstraint("action IN (" + ", ".join(f"'{a}'" for a in ACCOUNT_ACTIONS) + ")", name="action_known"),
        # One row after each row of an account's chain: two changes written at once cannot fork it.
        db.UniqueConstraint("user_id", "prev_hash", name="uq_account_change_user_id_prev_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict] = mapped_column(db.JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    # Each account's changes form a hash chain sealed with the log key (pipeline.accounts.chain).
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    @property
    def action_label(self):
        return ACCOUNT_ACTIONS.get(self.action, self.action)


class RecoveryCode(db.Model):
    """A one-time code that stands in for the second factor (a lost phone). Only its SHA-256 is
    kept: a code is 80 random bits, not a human password, so a fast unsalted hash is enough and
    lets a login find it with one query. Used codes are deleted (a DELETE that counts one row
    wins a race between two logins with the same code)."""
    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
