"""Which unit a dashboard page is about: the user's own by default, any unit of their subtree on
request, and nothing outside it (404, as every page says "not there" and "not yours")."""
from flask import abort
from sqlalchemy import select

from pipeline.extensions import db
from pipeline.units.models import Unit, subtree_filter
from pipeline.web.scope import current_actor


def unit_or_404(unit_id):
    """The unit asked for (an id from the query string, or None for the user's own unit)."""
    user = current_actor()
    if unit_id is None or unit_id == user.unit_id:
        return user.unit
    unit = db.session.execute(
        select(Unit).where(Unit.id == unit_id, subtree_filter(user.unit))).scalar_one_or_none()
    if unit is None:
        abort(404)
    return unit


def ancestors_within_scope(unit):
    """The units from the user's own unit down to `unit`'s parent: the breadcrumb never climbs
    above what the user may see. One statement, none when `unit` is the user's own."""
    user = current_actor()
    if unit.id == user.unit_id:
        return []
    ids = [int(part) for part in unit.path.strip("/").split("/")][:-1]
    return db.session.execute(
        select(Unit).where(Unit.id.in_(ids), Unit.depth >= user.unit.depth).order_by(Unit.depth)).scalars().all()
