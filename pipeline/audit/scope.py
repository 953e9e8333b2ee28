"""The choices of the audit list's filters: the units of the user's subtree and the users whose
acts can appear in it (one statement each)."""
from sqlalchemy import or_, select

from pipeline.accounts.models import User
from pipeline.candidates.text import fold
from pipeline.extensions import db
from pipeline.units.models import Unit, subtree_filter


def units_in_tree_order(root):
    """`root` and every unit below it, parents before children, siblings committees first then by name."""
    units = db.session.execute(select(Unit).where(subtree_filter(root))).scalars().all()
    children = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered, stack = [], [root]
    while stack:
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(reversed(sorted(children.get(unit.id, []), key=lambda u: (u.is_branch, fold(u.name)))))
    return ordered


def users_acting_in(root):
    """Users of the subtree and of the units above it (a town's board records the decisions on a
    commune's cases); never a user of a sibling subtree."""
    ancestor_ids = [int(part) for part in root.path.strip("/").split("/")]
    in_subtree = select(Unit.id).where(subtree_filter(root))
    return db.session.execute(
        select(User).where(or_(User.unit_id.in_(in_subtree), User.unit_id.in_(ancestor_ids)))
        .order_by(User.display_name, User.id)).scalars().all()
