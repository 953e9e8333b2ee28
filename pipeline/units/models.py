"""The organisation tree. Units keep their own validity dates so that a reorganisation
(merging communes, abolishing districts) adds rows instead of rewriting history."""
from datetime import date, datetime

from pipeline.base.i18n import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, and_, bindparam
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.extensions import db

# kind -> label. Branch kinds are the chi bộ of DOMAIN.md §1; the others are committees.
UNIT_KINDS = {
    # Since 1/7/2025 a province's (or centrally-run city's) organisation sits directly above the
    # commune level; before, a district or town's did (QĐ 294-QĐ/TW, DOMAIN.md §1).
    "province": _l("Provincial party organisation"),
    "town": _l("Town party organisation"),
    "commune": _l("Commune party committee"),
    "ward": _l("Ward party committee"),
    "special_zone": _l("Special-zone party committee"),
    "committee": _l("Grassroots party committee"),
    # Đảng ủy bộ phận: between a grassroots committee and its branches; its branches' cases
    # need the sub-committee's appraisal (7-KNĐ).
    "subcommittee": _l("Party sub-committee"),
    "village": _l("Village branch"),
    "quarter": _l("Urban-quarter branch"),
    "school": _l("School branch"),
    "military": _l("Military branch"),
    "agency": _l("Agency branch"),
    "enterprise": _l("Enterprise branch"),
    "police": _l("Police branch"),
}
BRANCH_KINDS = ("village", "quarter", "school", "military", "agency", "enterprise", "police")


class KindOf:
    """What a unit's kind says, for the unit, its periods and a unit as it was on a day."""

    @property
    def is_branch(self):
        return self.kind in BRANCH_KINDS

    @property
    def kind_label(self):
        return UNIT_KINDS.get(self.kind, self.kind)


class Unit(KindOf, db.Model):
    __tablename__ = "unit"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in UNIT_KINDS) + ")", name="kind_known"
        ),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity_ordered"),
        # Subtree queries are `path LIKE '<prefix>%'`: a btree with pattern ops serves them on PostgreSQL.
        Index("ix_unit_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # Materialised path of ids, "/1/5/23/": the subtree of u is every path starting with u.path.
    path: Mapped[str] = mapped_column(String(400), default="")
    depth: Mapped[int] = mapped_column(default=0)
    decides_admissions: Mapped[bool] = mapped_column(default=False)
    # A branch's number of official members: what its vote form starts from (editable per vote).
    official_members: Mapped[int | None]
    valid_from: Mapped[date] = mapped_column(default=date(2000, 1, 1))
    valid_to: Mapped[date | None]

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent")

    def is_ancestor_of(self, other):
        return other.path.startswith(self.path)

    def __repr__(self):
        return f"<Unit {self.code} {self.path}>"


def add_unit(code, name, kind, parent=None, decides_admissions=False, valid_from=date(2000, 1, 1)):
    """Create a unit and set its materialised path (which needs the id, hence the flush)."""
    unit = Unit(code=code, name=name, kind=kind, parent=parent,
                decides_admissions=decides_admissions, valid_from=valid_from)
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    db.session.add(UnitVersion.of(unit, valid_from))
    return unit


# What an administrator may do to a unit (pipeline/units/operations.py). Units are never deleted:
# cases, accounts and the logs keep pointing at them; a closed unit has its end date.
UNIT_ACTIONS = {
    "created": _l("Unit created"),
    "renamed": _l("Unit renamed"),
    "moved": _l("Unit moved"),
    "closed": _l("Unit closed"),
    "details_changed": _l("Details changed"),
    # Reorganisation (pipeline.units.reorganise): the unit ends, its successors named in `changes`.
    "merged": _l("Merged into another unit"),
    "split": _l("Split among other units"),
}


class UnitChange(db.Model):
    """Who did what to a unit, and from when. Rows are only ever added (the database refuses
    UPDATE and DELETE); `changes` maps a field to its [old, new] values. Each unit's rows form a
    hash chain sealed with the log key (pipeline.units.chain), like an account's."""
    __tablename__ = "unit_change"
    __table_args__ = (
        CheckConstraint("action IN (" + ", ".join(f"'{a}'" for a in UNIT_ACTIONS) + ")", name="action_known"),
        # One row after each row of a unit's chain: two changes written at once cannot fork it.
        db.UniqueConstraint("unit_id", "prev_hash", name="uq_unit_change_unit_id_prev_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    # The account is named by its table: pipeline.accounts.models imports this module.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(20))
    changes: Mapped[dict] = mapped_column(db.JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    effective_date: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    unit: Mapped[Unit] = relationship()

    @property
    def action_label(self):
        return UNIT_ACTIONS.get(self.action, self.action)


# Which unit replaced which (pipeline.units.reorganise): a merge, or one of a split's successors.
SUCCESSION_KINDS = {"merge": _l("merged"), "split": _l("split")}


class UnitVersion(KindOf, db.Model):
    """The unit as it was named and placed from `starts_on` to `ends_on` (None: still so, or until
    the unit closed). A projection of the unit's dated changes (pipeline.units.history): reports
    for a past period read the tree of that period from here, so a later reorganisation does not
    rewrite them."""
    __tablename__ = "unit_version"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period_ordered"),
        Index("ix_unit_version_unit_id_starts_on", "unit_id", "starts_on"),
        Index("ix_unit_version_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
        # A unit's rows on the dashboard and the quotas are the versions under it (units_on(children_of=)).
        Index("ix_unit_version_parent_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    path: Mapped[str] = mapped_column(String(400))
    depth: Mapped[int]
    decides_admissions: Mapped[bool] = mapped_column(default=False)

    PLACED = ("name", "kind", "parent_id", "path", "depth", "decides_admissions")

    @classmethod
    def of(cls, unit, starts_on):
        """The unit's present name and place, from `starts_on`."""
        return cls(unit_id=unit.id, starts_on=starts_on, ends_on=unit.valid_to,
                   **{name: getattr(unit, name) for name in cls.PLACED})


class UnitSuccession(db.Model):
    """`successor` took over from `predecessor` on `effective_date`: a merge (its quota and
    figures add up in the successor for the rest of that year) or a part of a split."""
    __tablename__ = "unit_succession"
    __table_args__ = (
        UniqueConstraint("predecessor_id", "successor_id", name="uq_unit_succession_pair"),
        CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in SUCCESSION_KINDS) + ")", name="kind_known"),
        CheckConstraint("predecessor_id <> successor_id", name="not_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    effective_date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(10))

    predecessor: Mapped[Unit] = relationship(foreign_keys=[predecessor_id])
    successor: Mapped[Unit] = relationship(foreign_keys=[successor_id])


def subtree_filter(root):
    """SQL condition: a unit belongs to the subtree of `root` (root included)."""
    within = Unit.path.startswith(root.path, autoescape=True)
    if db.session.get_bind().dialect.name != "sqlite":
        return within
    # SQLite's LIKE ignores case, so ix_unit_path cannot serve it: the same subtree as a range of
    # paths does ("/1/27/" up to "/1/270": "0" follows "/"), and the planner then starts from the
    # scope's units. Without it, a secretary's list at 100,000 cases read every case of the
    # country in the list's order, looking for theirs (173 ms).
    return and_(within, Unit.path >= root.path, Unit.path < root.path[:-1] + "0")


def like_prefix(path):
    """`path` as `startswith(path, autoescape=True)` binds it (SQLAlchemy's escaping, "/" the escape)."""
    return path.replace("/", "//").replace("%", "/%").replace("_", "/_")


def subtree_prefix(root):
    """The value of `subtree_of_parameter`'s parameter for `root`: its path escaped as
    `startswith(path, autoescape=True)` binds it."""
    return like_prefix(root.path)


def subtree_of_parameter(name):
    """`subtree_filter` with the root's path as the named parameter `name` (its value:
    `subtree_prefix(root)`): a statement built once serves every root, the same SQL."""
    return Unit.path.startswith(bindparam(name, type_=String), escape="/")
