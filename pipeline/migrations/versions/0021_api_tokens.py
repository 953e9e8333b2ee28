"""personal access tokens for the JSON API, and their making and revoking in the account's history

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 10:00:00

api_token: a user's tokens (pipeline.api.models), only their SHA-256 kept. account_change gains the
actions token_created and token_revoked: who made or revoked which token stays in the account's
chained history.
"""
from alembic import context, op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

OLD_ACTIONS = ('created', 'updated', 'password_reset', 'disabled', 'enabled', 'password_changed',
               'two_factor_enabled', 'two_factor_disabled', 'two_factor_reset', 'codes_regenerated')
NEW_ACTIONS = OLD_ACTIONS + ('token_created', 'token_revoked')


def _actions(actions):
    return "action IN (" + ", ".join(f"'{a}'" for a in actions) + ")"


def _set_actions(actions):
    """As 0007: SQLite rebuilds the table for a new CHECK and drops its append-only triggers, which
    are made again."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('account_change', schema=None, recreate="always" if sqlite else "auto") as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_account_change_action_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_account_change_action_known'), _actions(actions))
    if sqlite:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS account_change_no_{action.lower()}")
            op.execute(f"""CREATE TRIGGER account_change_no_{action.lower()} BEFORE {action} ON account_change
                           BEGIN SELECT RAISE(ABORT, 'account_change is append-only: {action} refused'); END""")


def upgrade():
    op.create_table(
        'api_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('may_write', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    )
    op.create_index('ix_api_token_user_id', 'api_token', ['user_id'])
    op.create_index('uq_api_token_digest', 'api_token', ['digest'], unique=True)
    _set_actions(NEW_ACTIONS)


def downgrade():
    # The history is append-only: going down is refused rather than losing its token rows.
    if context.get_x_argument(as_dictionary=True).get("discard") != "all":  # else 0005 drops the table
        newer = op.get_bind().execute(sa.text("SELECT count(*) FROM account_change WHERE NOT ("
                                              + _actions(OLD_ACTIONS) + ")"))
        if newer.scalar_one():
            raise RuntimeError("account_change holds actions of revision 0021: downgrading would lose them")
        _set_actions(OLD_ACTIONS)
    op.drop_index('uq_api_token_digest', table_name='api_token')
    op.drop_index('ix_api_token_user_id', table_name='api_token')
    op.drop_table('api_token')
