"""the read log: who opened which case, dossier, scan, printout or export (append-only, chained)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

KINDS = ('case_page', 'act_form', 'dossier_page', 'dossier_item', 'scan_file', 'printout', 'printout_pdf',
         'branch_pdf', 'export_csv', 'export_xlsx', 'audit_case')


def upgrade():
    op.create_table('read_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=True),
    sa.Column('read_at', sa.DateTime(), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint("kind IN (%s)" % ", ".join(f"'{kind}'" for kind in KINDS),
                       name=op.f('ck_read_log_kind_known')),
    sa.CheckConstraint('row_count IS NULL OR row_count >= 0', name=op.f('ck_read_log_row_count_not_negative')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_read_log_candidate_id_candidate')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_read_log_unit_id_unit')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_read_log_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_read_log')),
    sa.UniqueConstraint('user_id', 'seq', name='uq_read_log_user_seq')
    )
    with op.batch_alter_table('read_log', schema=None) as batch_op:
        batch_op.create_index('ix_read_log_candidate_id', ['candidate_id'], unique=False)
        batch_op.create_index('ix_read_log_unit_id', ['unit_id'], unique=False)
    # Like the act log, the read log only grows: the database refuses UPDATE and DELETE.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION read_log_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'read_log is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""CREATE TRIGGER read_log_append_only BEFORE UPDATE OR DELETE ON read_log
                      FOR EACH ROW EXECUTE FUNCTION read_log_append_only()""")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER read_log_no_{action.lower()} BEFORE {action} ON read_log
                           BEGIN SELECT RAISE(ABORT, 'read_log is append-only: {action} refused'); END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS read_log_append_only ON read_log")
        op.execute("DROP FUNCTION IF EXISTS read_log_append_only()")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS read_log_no_{action}")
    with op.batch_alter_table('read_log', schema=None) as batch_op:
        batch_op.drop_index('ix_read_log_unit_id')
        batch_op.drop_index('ix_read_log_candidate_id')
    op.drop_table('read_log')
