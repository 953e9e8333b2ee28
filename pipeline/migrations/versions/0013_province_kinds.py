"""unit kinds of the tree since 1/7/2025: the province's party organisation and the special zone's

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 16:00:00

Since 1/7/2025 (QĐ 294-QĐ/TW) the party is organised by province, commune level (xã, phường,
đặc khu) and grassroots: a province's organisation is a top unit of its own, and a special zone
(đặc khu) is a commune-level unit.
"""
from alembic import context, op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# In the order revision 0002 wrote them (the CHECK's text is matched on SQLite).
KINDS_BEFORE = ("town", "commune", "ward", "committee", "village", "quarter", "school", "military", "agency",
                "enterprise", "police", "subcommittee")
KINDS_NOW = KINDS_BEFORE + ("province", "special_zone")


def _check(kinds):
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def _set_unit_kinds(before, after):
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_unit_kind_known"), "unit", type_="check")
        op.create_check_constraint(op.f("ck_unit_kind_known"), "unit", _check(after))
        return
    # SQLite rebuilds a table to change a CHECK, and cannot drop `unit` while other tables'
    # rows point at it (foreign keys are enforced, and the pragma that would stop that has no
    # effect inside the migration's transaction). The documented way for a CHECK that every row
    # already meets is to rewrite the table's definition in the schema itself
    # (https://www.sqlite.org/lang_altertable.html#otheralter).
    sql = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'unit'")).scalar_one()
    old = _check(before)
    if old not in sql:
        raise RuntimeError("the unit table's kind CHECK is not the one this revision expects")
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'unit'"),
                 {"sql": sql.replace(old, _check(after))})
    bind.execute(sa.text(f"PRAGMA schema_version = {version + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def upgrade():
    _set_unit_kinds(KINDS_BEFORE, KINDS_NOW)


def downgrade():
    if context.get_x_argument(as_dictionary=True).get("discard") == "all":
        return  # the demo's reset: the unit table goes with the first revision's downgrade
    newer = op.get_bind().execute(sa.text("SELECT count(*) FROM unit WHERE NOT (" + _check(KINDS_BEFORE) + ")"))
    if newer.scalar_one():
        raise RuntimeError("units of the kinds of revision 0013 exist: downgrading would leave them unchecked")
    _set_unit_kinds(KINDS_NOW, KINDS_BEFORE)
