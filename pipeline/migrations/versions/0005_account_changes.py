"""who did what to an account (created, changed, password reset, disabled, enabled)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("action IN ('created', 'updated', 'password_reset', 'disabled', 'enabled')",
                       name=op.f('ck_account_change_action_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_account_change_actor_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_account_change_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_change'))
    )
    with op.batch_alter_table('account_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_change_user_id'), ['user_id'], unique=False)
    # Like the act log, the history of accounts only grows: the database refuses UPDATE and DELETE.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION account_change_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'account_change is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""CREATE TRIGGER account_change_append_only BEFORE UPDATE OR DELETE ON account_change
                      FOR EACH ROW EXECUTE FUNCTION account_change_append_only()""")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER account_change_no_{action.lower()} BEFORE {action} ON account_change
                           BEGIN SELECT RAISE(ABORT, 'account_change is append-only: {action} refused'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS account_change_append_only ON account_change")
        op.execute("DROP FUNCTION IF EXISTS account_change_append_only()")
    with op.batch_alter_table('account_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_change_user_id'))
    op.drop_table('account_change')
