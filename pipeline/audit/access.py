"""Who may read the audit pages: the organisation board and the administrator (their whole
subtree) and the grassroots committees (theirs: a committee answers for its branches' records).
A branch secretary is refused with 403, as the app refuses any page a role cannot use: the page
exists, the role cannot open it. Anything outside the user's subtree stays a 404."""
from functools import wraps

from flask import abort
from flask_login import login_required

from pipeline.web.scope import current_actor

AUDIT_ROLES = frozenset({"committee", "board", "admin"})


def may_audit(user):
    return user.role in AUDIT_ROLES


def auditor_required(view):
    @wraps(view)
    @login_required
    def checked(*args, **kwargs):
        if not may_audit(current_actor()):
            abort(403)
        return view(*args, **kwargs)
    return checked
