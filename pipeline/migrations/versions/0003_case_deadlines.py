"""running deadlines of each case, derived from the log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 14:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_deadline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('limit_value', sa.Integer(), nullable=False),
    sa.Column('limit_unit', sa.String(length=20), nullable=False),
    sa.Column('citation', sa.Text(), nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_case_deadline_candidate_id_candidate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_deadline'))
    )
    with op.batch_alter_table('case_deadline', schema=None) as batch_op:
        batch_op.create_index('ix_case_deadline_due_on', ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_deadline_candidate_id'), ['candidate_id'], unique=False)
    # Existing cases get their rows from `flask deadlines refresh` (init-db runs it after
    # upgrading): the rows are derived from the log with today's models, not this revision's.


def downgrade():
    with op.batch_alter_table('case_deadline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_deadline_candidate_id'))
        batch_op.drop_index('ix_case_deadline_due_on')
    op.drop_table('case_deadline')
