"""the logs' hashes become HMACs under the log key; the key's fingerprint; account changes chained

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 13:00:00

The act log's rows were hashed with plain SHA-256, which anyone holding the database can
recompute after an edit. Each case's chain is re-sealed with the log key (instance/log_key or
KETNAP_LOG_KEY, created here when there is none) -- but only when its old chain still holds: a
chain already broken is left as it is, so that the migration does not launder a tampering (audit
verify keeps reporting it). The append-only triggers are set aside around the rewrite.

account_change rows gain prev_hash/hash, one chain per account, sealed as they stand (they were
never hashed before; the append-only triggers protected them). An account without a "created" row
(made before account changes were recorded, or by the demo) gets one recording its state now, so
that its chain says what the account should hold.
"""
from datetime import datetime
import hashlib
import hmac
import json

from alembic import op
from flask import current_app
import sqlalchemy as sa

from pipeline.base.signing import ensure_log_key, key_fingerprint

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
BATCH = 500  # cases re-sealed at a time
BASELINE_REASON = ("Trạng thái của tài khoản khi lịch sử bắt đầu được niêm phong / "
                   "State of the account when its history was first sealed")

case_event = sa.table(
    'case_event', sa.column('id', sa.Integer), sa.column('candidate_id', sa.Integer), sa.column('seq', sa.Integer),
    sa.column('event', sa.String), sa.column('from_stage', sa.String), sa.column('to_stage', sa.String),
    sa.column('actor_id', sa.Integer), sa.column('recorded_at', sa.DateTime), sa.column('effective_date', sa.Date),
    sa.column('reason', sa.Text), sa.column('data', sa.JSON), sa.column('prev_hash', sa.String),
    sa.column('hash', sa.String))
account_change = sa.table(
    'account_change', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
    sa.column('actor_id', sa.Integer), sa.column('action', sa.String), sa.column('changes', sa.JSON),
    sa.column('reason', sa.Text), sa.column('recorded_at', sa.DateTime), sa.column('prev_hash', sa.String),
    sa.column('hash', sa.String))
user_account = sa.table(
    'user_account', sa.column('id', sa.Integer), sa.column('display_name', sa.String),
    sa.column('role', sa.String), sa.column('unit_id', sa.Integer), sa.column('active', sa.Boolean))
HASHED = ("candidate_id", "seq", "event", "from_stage", "to_stage", "actor_id", "recorded_at", "effective_date",
          "reason", "data")


# --- the hashes, as pipeline.workflow.models and pipeline.accounts.chain compute them then -----

def _canonical(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _dumps(fields):
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _entry_payload(row, prev_hash):
    fields = {name: _canonical(row[name]) for name in HASHED}
    fields["prev_hash"] = prev_hash
    return _dumps(fields)


def _change_payload(row, prev_hash):
    return _dumps({"user_id": row["user_id"], "actor_id": row["actor_id"], "action": row["action"],
                   "changes": row["changes"] or {}, "reason": row["reason"] or "",
                   "recorded_at": _canonical(row["recorded_at"]), "prev_hash": prev_hash})


def _plain(payload):
    return hashlib.sha256(payload).hexdigest()


def _sealer(key):
    key = key.encode("utf-8") if isinstance(key, str) else key
    return lambda payload: hmac.new(key, payload, hashlib.sha256).hexdigest()


# --- the append-only triggers ---------------------------------------------------------------

def _guards(table, create):
    """Set aside (create=False) or restore the append-only triggers of `table`, as migrations
    0001 (case_event) and 0005 (account_change) made them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {table} {'ENABLE' if create else 'DISABLE'} TRIGGER {table}_append_only")
        return
    for action in ("UPDATE", "DELETE"):
        name = f"{table}_no_{action.lower()}"
        if create:
            op.execute(f"""CREATE TRIGGER {name} BEFORE {action} ON {table}
                           BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END""")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


# --- re-sealing the act log -------------------------------------------------------------------

def _holds(rows, hash_of):
    prev = GENESIS
    for expected_seq, row in enumerate(rows, start=1):
        if row["seq"] != expected_seq or row["prev_hash"] != prev or hash_of(_entry_payload(row, prev)) != row["hash"]:
            return False
        prev = row["hash"]
    return True


def _reseal_log(old_hash, new_hash):
    """Rewrite the chain of every case whose chain holds under `old_hash` with `new_hash`; a chain
    that holds under neither is left untouched. Returns the ids of the cases left."""
    bind = op.get_bind()
    case_ids = bind.execute(sa.select(case_event.c.candidate_id).distinct()
                            .order_by(case_event.c.candidate_id)).scalars().all()
    left = []
    for start in range(0, len(case_ids), BATCH):
        batch = case_ids[start:start + BATCH]
        rows = bind.execute(sa.select(case_event).where(case_event.c.candidate_id.in_(batch))
                            .order_by(case_event.c.candidate_id, case_event.c.seq)).mappings().all()
        by_case = {}
        for row in rows:
            by_case.setdefault(row["candidate_id"], []).append(row)
        updates = []
        for case_id, log in by_case.items():
            if _holds(log, new_hash):
                continue  # already sealed this way (a migration run again after a downgrade)
            if not _holds(log, old_hash):
                left.append(case_id)
                continue
            prev = GENESIS
            for row in log:
                sealed = new_hash(_entry_payload(row, prev))
                updates.append({"row_id": row["id"], "new_prev": prev, "new_hash": sealed})
                prev = sealed
        if updates:
            bind.execute(case_event.update().where(case_event.c.id == sa.bindparam("row_id"))
                         .values(prev_hash=sa.bindparam("new_prev"), hash=sa.bindparam("new_hash")), updates)
    return left


# --- chaining the account changes -----------------------------------------------------------

def _chain_accounts(seal):
    bind = op.get_bind()
    users = bind.execute(sa.select(user_account).order_by(user_account.c.id)).mappings().all()
    rows = bind.execute(sa.select(account_change).order_by(account_change.c.user_id, account_change.c.id)
                        ).mappings().all()
    by_user = {}
    for row in rows:
        by_user.setdefault(row["user_id"], []).append(row)
    updates, baselines = [], []
    now = datetime.utcnow()
    for user in users:
        prev = GENESIS
        history = by_user.get(user["id"], [])
        for row in history:
            sealed = seal(_change_payload(row, prev))
            updates.append({"row_id": row["id"], "new_prev": prev, "new_hash": sealed})
            prev = sealed
        if not any(row["action"] == "created" for row in history):
            baseline = {"user_id": user["id"], "actor_id": None, "action": "created",
                        "changes": {"display_name": [None, user["display_name"]], "role": [None, user["role"]],
                                    "unit_id": [None, user["unit_id"]], "active": [None, bool(user["active"])]},
                        "reason": BASELINE_REASON, "recorded_at": now}
            baselines.append(dict(baseline, prev_hash=prev, hash=seal(_change_payload(baseline, prev))))
    if updates:
        bind.execute(account_change.update().where(account_change.c.id == sa.bindparam("row_id"))
                     .values(prev_hash=sa.bindparam("new_prev"), hash=sa.bindparam("new_hash")), updates)
    if baselines:
        bind.execute(account_change.insert(), baselines)


def upgrade():
    key = ensure_log_key(current_app)
    op.create_table('log_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_key'))
    )
    op.get_bind().execute(sa.table('log_key', sa.column('fingerprint', sa.String), sa.column('set_at', sa.DateTime))
                          .insert().values(fingerprint=key_fingerprint(key), set_at=datetime.utcnow()))

    _guards('case_event', create=False)
    _reseal_log(_plain, _sealer(key))
    _guards('case_event', create=True)

    _guards('account_change', create=False)
    with op.batch_alter_table('account_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    _chain_accounts(_sealer(key))
    with op.batch_alter_table('account_change', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint('uq_account_change_user_id_prev_hash', ['user_id', 'prev_hash'])
    _guards('account_change', create=True)


def downgrade():
    key = ensure_log_key(current_app)
    _guards('account_change', create=False)
    with op.batch_alter_table('account_change', schema=None) as batch_op:
        batch_op.drop_constraint('uq_account_change_user_id_prev_hash', type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    _guards('account_change', create=True)

    _guards('case_event', create=False)
    _reseal_log(_sealer(key), _plain)
    _guards('case_event', create=True)
    op.drop_table('log_key')
