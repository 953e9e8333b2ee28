"""Making, listing and revoking a user's personal access tokens (pipeline.api.models). Each is one
transaction with its row in the account's chained history (token_created, token_revoked), the
user as actor: an audit of the account shows which tokens existed and when they ended. A token
is never deleted; revoked or expired, it stays listed and refused."""
from datetime import timedelta

from sqlalchemy import select

from pipeline.accounts.chain import chained_change
from pipeline.api.models import PREFIX_LENGTH, ApiToken, digest_of, new_secret
from pipeline.base import clock
from pipeline.base.i18n import lazy_gettext as _l
from pipeline.extensions import db
from pipeline.transaction import one_transaction

# At most this many tokens usable at once per account: a program each, not one per call.
USABLE_PER_USER = 20
LONGEST_DAYS = 366


class TokenRefused(Exception):
    def __init__(self, field, reason):
        super().__init__(str(reason))
        self.field, self.reason = field, reason


def usable_condition(now):
    return ApiToken.revoked_at.is_(None), ApiToken.expires_at > now


def tokens_of(user):
    """The user's tokens, the newest first (one statement)."""
    return db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).scalars().all()


def create_token(user, name, expires_on, may_write):
    """A new token for `user`, valid to the end of `expires_on`. Returns (the row, the token in
    clear): the clear token is shown once and kept nowhere."""
    name = " ".join((name or "").split())
    today = clock.today()
    if not name:
        raise TokenRefused("name", _l("Give the token a name that says which program uses it."))
    if expires_on is None or expires_on < today:
        raise TokenRefused("expires_on", _l("Choose a day from today on."))
    if expires_on > today + timedelta(days=LONGEST_DAYS):
        raise TokenRefused("expires_on", _l("A token lasts at most a year: choose an earlier day."))
    now = clock.utc_now()
    with one_transaction():
        usable = db.session.execute(select(db.func.count()).select_from(ApiToken)
                                    .where(ApiToken.user_id == user.id, *usable_condition(now))).scalar_one()
        if usable >= USABLE_PER_USER:
            raise TokenRefused("name", _l("This account already has %(count)s usable tokens: revoke one first.",
                                          count=USABLE_PER_USER))
        secret = new_secret()
        token = ApiToken(user_id=user.id, name=name, prefix=secret[:PREFIX_LENGTH], digest=digest_of(secret),
                         may_write=bool(may_write), created_at=now, expires_at=clock.utc_start_of(expires_on + timedelta(days=1)))
        db.session.add(token)
        db.session.add(chained_change(user, user, "token_created", {"token": [None, _described(token)]}))
    return token, secret


def revoke_token(user, token_id):
    """Revoke one of `user`'s own tokens; another's, or an unknown id, is None (the page's 404).
    Revoking a revoked token changes nothing."""
    with one_transaction():
        token = db.session.execute(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
                                   .with_for_update(of=ApiToken)).scalar_one_or_none()
        if token is None or token.revoked_at is not None:
            return token
        token.revoked_at = clock.utc_now()
        db.session.add(chained_change(user, user, "token_revoked", {"token": [_described(token), None]}))
    return token


def _described(token):
    access = "read-write" if token.may_write else "read-only"
    return f"{token.name} ({token.prefix}…, {access}, until {token.expires_at:%Y-%m-%d %H:%M} UTC)"

