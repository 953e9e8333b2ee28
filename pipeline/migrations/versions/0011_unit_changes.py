"""units: a branch's number of official members; the history of each unit, chained

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 14:00:00

unit.official_members: the number of official members of a branch, what its vote form starts from.
unit_change: who created, renamed, moved, closed or changed a unit, append-only (triggers like
account_change's) and chained per unit with HMACs under the log key. Every unit already there gets
a "created" row recording its state now, so that its chain says what its row should hold.
"""
from datetime import date, datetime
import hashlib
import hmac
import json

from alembic import op
from flask import current_app
import sqlalchemy as sa

from pipeline.base.signing import ensure_log_key

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
BASELINE_REASON = ("Trạng thái của đơn vị khi lịch sử bắt đầu được niêm phong / "
                   "State of the unit when its history was first sealed")
# As pipeline.units.chain names them then.
CHAINED_FIELDS = ("code", "name", "kind", "parent_id", "decides_admissions", "official_members",
                  "valid_from", "valid_to")

unit = sa.table('unit', sa.column('id', sa.Integer), sa.column('code', sa.String), sa.column('name', sa.String),
                sa.column('kind', sa.String), sa.column('parent_id', sa.Integer),
                sa.column('decides_admissions', sa.Boolean), sa.column('official_members', sa.Integer),
                sa.column('valid_from', sa.Date), sa.column('valid_to', sa.Date))
unit_change = sa.table(
    'unit_change', sa.column('unit_id', sa.Integer), sa.column('actor_id', sa.Integer),
    sa.column('action', sa.String), sa.column('changes', sa.JSON), sa.column('reason', sa.Text),
    sa.column('effective_date', sa.Date), sa.column('recorded_at', sa.DateTime),
    sa.column('prev_hash', sa.String), sa.column('hash', sa.String))


def _value(value):
    if isinstance(value, date):
        return value.isoformat()
    return bool(value) if isinstance(value, bool) else value


def _payload(row):
    # pipeline.units.chain.change_payload, as it is at this revision.
    return json.dumps({"unit_id": row["unit_id"], "actor_id": row["actor_id"], "action": row["action"],
                       "changes": row["changes"], "reason": row["reason"],
                       "effective_date": row["effective_date"].isoformat(),
                       "recorded_at": row["recorded_at"].isoformat(timespec="microseconds"),
                       "prev_hash": row["prev_hash"]}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def _baselines(key):
    key = key.encode("utf-8") if isinstance(key, str) else key
    bind = op.get_bind()
    now = datetime.utcnow()
    rows = []
    for found in bind.execute(sa.select(unit).order_by(unit.c.id)).mappings():
        changes = {name: [None, _value(found[name])] for name in CHAINED_FIELDS}
        changes["decides_admissions"][1] = bool(found["decides_admissions"])
        row = {"unit_id": found["id"], "actor_id": None, "action": "created", "changes": changes,
               "reason": BASELINE_REASON, "effective_date": found["valid_from"], "recorded_at": now,
               "prev_hash": GENESIS}
        row["hash"] = hmac.new(key, _payload(row), hashlib.sha256).hexdigest()
        rows.append(row)
    if rows:
        bind.execute(unit_change.insert(), rows)


def upgrade():
    key = ensure_log_key(current_app)
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('official_members', sa.Integer(), nullable=True))
    op.create_table('unit_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint("action IN ('created', 'renamed', 'moved', 'closed', 'details_changed')",
                       name=op.f('ck_unit_change_action_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_unit_change_actor_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_change_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_change')),
    sa.UniqueConstraint('unit_id', 'prev_hash', name='uq_unit_change_unit_id_prev_hash')
    )
    with op.batch_alter_table('unit_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_change_unit_id'), ['unit_id'], unique=False)
    _baselines(key)
    # Like the other logs, the history of units only grows: the database refuses UPDATE and DELETE.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION unit_change_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'unit_change is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""CREATE TRIGGER unit_change_append_only BEFORE UPDATE OR DELETE ON unit_change
                      FOR EACH ROW EXECUTE FUNCTION unit_change_append_only()""")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER unit_change_no_{action.lower()} BEFORE {action} ON unit_change
                           BEGIN SELECT RAISE(ABORT, 'unit_change is append-only: {action} refused'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS unit_change_append_only ON unit_change")
        op.execute("DROP FUNCTION IF EXISTS unit_change_append_only()")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS unit_change_no_{action}")
    with op.batch_alter_table('unit_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_change_unit_id'))
    op.drop_table('unit_change')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('official_members')
