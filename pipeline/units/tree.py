"""A subtree of units as the pages list it: parents before children, siblings committees first
then by Vietnamese name (one statement)."""
from sqlalchemy import select

from pipeline.base.text import fold
from pipeline.extensions import db
from pipeline.units.models import Unit, subtree_filter


def units_in_tree_order(root, limit=None):
    """`root` and every unit below it, parents before children, siblings committees first then by
    name; None when they are more than `limit` (a page then offers a search, not a select)."""
    stmt = select(Unit).where(subtree_filter(root))
    units = db.session.execute(stmt if limit is None else stmt.limit(limit + 1)).scalars().all()
    if limit is not None and len(units) > limit:
        return None
    children = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered, stack = [], [root]
    while stack:
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(reversed(sorted(children.get(unit.id, []), key=lambda u: (u.is_branch, fold(u.name)))))
    return ordered
