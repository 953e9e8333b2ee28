"""every quota set, kept: the original plan and each adjustment

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('quota_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('minimum', sa.Integer(), nullable=False),
    sa.Column('maximum', sa.Integer(), nullable=False),
    sa.Column('previous_minimum', sa.Integer(), nullable=True),
    sa.Column('previous_maximum', sa.Integer(), nullable=True),
    sa.Column('set_by_unit_id', sa.Integer(), nullable=True),
    sa.Column('set_by_user_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['set_by_unit_id'], ['unit.id'], name=op.f('fk_quota_change_set_by_unit_id_unit')),
    sa.ForeignKeyConstraint(['set_by_user_id'], ['user_account.id'],
                            name=op.f('fk_quota_change_set_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_quota_change_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quota_change'))
    )
    with op.batch_alter_table('quota_change', schema=None) as batch_op:
        batch_op.create_index('ix_quota_change_unit_year', ['unit_id', 'year'], unique=False)
    # Quotas set before this table existed: their current value is the earliest one known.
    op.execute("INSERT INTO quota_change (unit_id, year, minimum, maximum, set_by_unit_id, recorded_at) "
               "SELECT unit_id, year, minimum, maximum, set_by_unit_id, CURRENT_TIMESTAMP FROM quota")
    # Like the act log, the history of quotas only grows: the database refuses UPDATE and DELETE.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION quota_change_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'quota_change is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""CREATE TRIGGER quota_change_append_only BEFORE UPDATE OR DELETE ON quota_change
                      FOR EACH ROW EXECUTE FUNCTION quota_change_append_only()""")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER quota_change_no_{action.lower()} BEFORE {action} ON quota_change
                           BEGIN SELECT RAISE(ABORT, 'quota_change is append-only: {action} refused'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS quota_change_append_only ON quota_change")
        op.execute("DROP FUNCTION IF EXISTS quota_change_append_only()")
    with op.batch_alter_table('quota_change', schema=None) as batch_op:
        batch_op.drop_index('ix_quota_change_unit_year')
    op.drop_table('quota_change')
