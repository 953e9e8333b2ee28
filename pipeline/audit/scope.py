"""The users whose acts can appear in the audit list of a subtree (one statement)."""
from sqlalchemy import or_, select

from pipeline.accounts.models import User
from pipeline.extensions import db
from pipeline.units.models import Unit, subtree_filter


def users_acting_in(root):
    """Users of the subtree and of the units above it (a town's board records the decisions on a
    commune's cases); never a user of a sibling subtree."""
    ancestor_ids = [int(part) for part in root.path.strip("/").split("/")]
    in_subtree = select(Unit.id).where(subtree_filter(root))
    return db.session.execute(
        select(User).where(or_(User.unit_id.in_(in_subtree), User.unit_id.in_(ancestor_ids)))
        .order_by(User.display_name, User.id)).scalars().all()
