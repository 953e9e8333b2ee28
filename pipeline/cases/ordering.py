"""The order lists of candidates follow: Vietnamese order of names, by given name (as offices
list people) or by the name as written. The choice (?order=given|full) is kept for the session."""
from flask import has_request_context, request, session
from pipeline.base.i18n import lazy_gettext as _l

from pipeline.cases.models import Case

NAME_ORDERS = {
    "given": _l("By given name"),
    "full": _l("By full name"),
}
DEFAULT_NAME_ORDER = "given"


def chosen_name_order():
    if not has_request_context():
        return DEFAULT_NAME_ORDER
    wanted = request.args.get("order")
    if wanted in NAME_ORDERS:
        session["name_order"] = wanted
        return wanted
    return session.get("name_order") if session.get("name_order") in NAME_ORDERS else DEFAULT_NAME_ORDER


def by_name(order=None):
    """ORDER BY terms for candidates in the chosen name order (the id keeps equal names stable)."""
    key = Case.sort_full_name if (order or chosen_name_order()) == "full" else Case.sort_given_first
    return key, Case.id
