"""Who calls the API: the user of the personal access token in `Authorization: Bearer <token>`,
with that user's role and scope and nothing more. No session cookie is read or written under
/api/ (a browser's cookie does not authenticate a program, and the API has no CSRF tokens): the
token is the only credential. A token revoked, expired, unknown, or of a disabled account is a
401; a read-only token that tries to write is a 403; a token over its rate is a 429 with
Retry-After, counted per token in the login limits' storage (shared by the workers with redis://).

Every call is logged (the application log: user, token, method, path, status); the reads of a
person's particulars are recorded in the read log as the pages record theirs
(pipeline.readlog), and the token's last use is kept on its row (at most once a minute)."""
from datetime import timedelta

from flask import current_app, g, request
from flask_babel import gettext as _
from limits import parse_many
from sqlalchemy import select, update

from pipeline.accounts.limits import seconds_to_wait
from pipeline.api.errors import error_response, is_api_request
from pipeline.api.models import ApiToken, digest_of
from pipeline.base import clock
from pipeline.extensions import db
from pipeline.transaction import one_transaction

READS = ("GET", "HEAD", "OPTIONS")
# The OpenAPI document and its page describe the API; they show no data, so need no token.
PUBLIC_ENDPOINTS = ("api-docs.openapi_json", "api_docs.docs")
TOKEN_LENGTH_MAX = 100
TOUCH_EVERY = timedelta(minutes=1)


def presented_token():
    """The token row the request presents, usable now; else None."""
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or len(secret) > TOKEN_LENGTH_MAX:
        return None
    token = db.session.execute(select(ApiToken).where(ApiToken.digest == digest_of(secret))).scalar_one_or_none()
    return token if token is not None and token.is_usable(clock.utc_now()) else None


def token_limits(token):
    return [(item, ("api", str(token.id))) for item in parse_many(current_app.config["API_RATE_LIMITS"])]


def authenticate():
    """Before every request under /api/ (registered first): the token's user becomes the request's
    user, or the request is refused."""
    if not is_api_request() or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    token = presented_token()
    if token is None:
        return error_response(401, _("A valid personal access token is needed: Authorization: Bearer <token>. "
                                     "It may be unknown, revoked or expired, or its account disabled."),
                              headers={"WWW-Authenticate": 'Bearer realm="ketnap"'})
    wait = seconds_to_wait(token_limits(token))
    if wait:
        return error_response(429, _("Too many requests with this token: wait %(num)d seconds and try again.",
                                     num=wait), headers={"Retry-After": str(wait)})
    if request.method not in READS and not token.may_write:
        return error_response(403, _("This token is read-only: make a read-write token to record acts."))
    # Flask-Login's current user for this request only (it reads g first): the scope helpers,
    # the operations and the read log see the token's user, and no session is touched.
    g._login_user = token.user
    g.api_token = token
    _touch(token)
    return None


def _touch(token):
    now = clock.utc_now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    with one_transaction():
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))


def log_call(response):
    """After every request under /api/: one line in the application's log."""
    if is_api_request():
        token = g.get("api_token")
        current_app.logger.info("api %s %s %s user=%s token=%s", request.method, request.full_path.rstrip("?"),
                                response.status_code, token.user_id if token else "-", token.id if token else "-")
    return response


def current_token():
    return g.get("api_token")
