"""Personal access tokens: what a program presents to the API (`Authorization: Bearer …`) to act
as the user who made the token, with that user's role and scope, read-only or read-write.

Only the token's SHA-256 is kept: a token is 256 random bits, not a human password, so a fast
unsalted hash is enough and lets a request find its token with one indexed lookup (as the
recovery codes). The token itself is shown once, when it is made; its first characters
(`prefix`) are kept in clear so that its owner can tell the tokens apart in the list."""
import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.accounts.models import User
from pipeline.extensions import db

TOKEN_MARK = "knp_"  # what tells a leaked token for what it is (secret scanners match on it)
NAME_LENGTH = 100
PREFIX_LENGTH = len(TOKEN_MARK) + 8


def new_secret():
    return TOKEN_MARK + secrets.token_urlsafe(32)


def digest_of(secret):
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiToken(db.Model):
    __tablename__ = "api_token"
    __table_args__ = (
        Index("ix_api_token_user_id", "user_id"),
        Index("uq_api_token_digest", "digest", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    prefix: Mapped[str] = mapped_column(String(PREFIX_LENGTH))
    digest: Mapped[str] = mapped_column(String(64))
    may_write: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]  # naive UTC, as the logs'
    expires_at: Mapped[datetime]  # naive UTC: the end of the chosen day in Vietnam
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    def is_usable(self, now):
        return self.revoked_at is None and now < self.expires_at and self.user.active
