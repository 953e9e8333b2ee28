"""sessions that can be revoked, passwords to change, two-factor sign-in

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 12:45:00

"""
from alembic import context, op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OLD_ACTIONS = ('created', 'updated', 'password_reset', 'disabled', 'enabled')
NEW_ACTIONS = OLD_ACTIONS + ('password_changed', 'two_factor_enabled', 'two_factor_disabled', 'two_factor_reset',
                             'codes_regenerated')


def _actions(actions):
    return "action IN (" + ", ".join(f"'{a}'" for a in actions) + ")"


def _set_actions(actions):
    """The account history's allowed actions. SQLite rebuilds the table for a new CHECK, which
    drops its append-only triggers (0005): they are made again."""
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
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_recovery_code_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)
    _set_actions(NEW_ACTIONS)


def _discarding_everything():
    # `downgrade(x_arg=["discard=all"])`: the demo's reset takes the schema down to nothing, so
    # the rows a plain downgrade refuses to lose go with their tables.
    return context.get_x_argument(as_dictionary=True).get("discard") == "all"


def downgrade():
    # The rows of the new actions cannot stay under the old CHECK; the history is append-only, so
    # going down is refused rather than losing them.
    if not _discarding_everything():  # else 0005 drops the table, rows and CHECK with it
        bind = op.get_bind()
        newer = bind.execute(sa.text("SELECT count(*) FROM account_change WHERE NOT (" + _actions(OLD_ACTIONS) + ")"))
        if newer.scalar_one():
            raise RuntimeError("account_change holds actions of revision 0007: downgrading would lose them")
        _set_actions(OLD_ACTIONS)
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
    op.drop_table('recovery_code')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('session_generation')
