"""The user's own personal access tokens, on their account: make one (shown once), list them,
revoke one. Nobody sees or revokes another's tokens: an id not theirs is a 404."""
from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import login_required

from pipeline.api import tokens
from pipeline.api.forms import TokenForm
from pipeline.base import clock
from pipeline.base.forms import EmptyForm
from pipeline.web.scope import current_actor

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")
NEW_SECRET = "new_api_token"  # in the session: the token just made, until its page has shown it


def _page(form, secret=None, status=200):
    return render_template("api/tokens.html", form=form, tokens=tokens.tokens_of(current_actor()), secret=secret,
                           revoke_form=EmptyForm(), now=clock.utc_now()), status


@bp.route("", methods=["GET", "POST"])
@login_required
def list_tokens():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _token, secret = tokens.create_token(current_actor(), form.name.data, form.expires_on.data,
                                                 form.access.data == "write")
        except tokens.TokenRefused as refused:
            getattr(form, refused.field).errors.append(refused.reason)
        else:
            # Shown by the page the browser is sent to, once: a reload then neither shows it again nor
            # makes another token. It rides in the signed session cookie for that one redirect only.
            session[NEW_SECRET] = secret
            return redirect(url_for(".list_tokens"))
    if form.is_submitted():
        return _page(form, status=422)
    return _page(form, secret=session.pop(NEW_SECRET, None))


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id):
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    token = tokens.revoke_token(current_actor(), token_id)
    if token is None:
        abort(404)
    flash(_("The token “%(name)s” is revoked: programs using it are refused from now on.", name=token.name),
          "success")
    return redirect(url_for(".list_tokens"))
