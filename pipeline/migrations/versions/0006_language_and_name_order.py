"""each user's language; keys to list candidates' names in Vietnamese order

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 15:00:00

"""
from alembic import op
import sqlalchemy as sa

from pipeline.base.text import name_sort_key

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _sort_key_type():
    # Byte order on PostgreSQL: its language collations would skip the keys' separators.
    collation = "C" if op.get_bind().dialect.name == "postgresql" else None
    return sa.String(length=600, collation=collation)


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_given_first', _sort_key_type(), nullable=True))
        batch_op.add_column(sa.Column('sort_full_name', _sort_key_type(), nullable=True))
    candidate = sa.table('candidate', sa.column('id', sa.Integer), sa.column('full_name', sa.String),
                         sa.column('sort_given_first', sa.String), sa.column('sort_full_name', sa.String))
    bind = op.get_bind()
    for case_id, full_name in bind.execute(sa.select(candidate.c.id, candidate.c.full_name)).all():
        bind.execute(candidate.update().where(candidate.c.id == case_id).values(
            sort_given_first=name_sort_key(full_name), sort_full_name=name_sort_key(full_name, False)))
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.alter_column('sort_given_first', existing_type=_sort_key_type(), nullable=False)
        batch_op.alter_column('sort_full_name', existing_type=_sort_key_type(), nullable=False)
        batch_op.create_index(batch_op.f('ix_candidate_sort_given_first'), ['sort_given_first'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidate_sort_full_name'), ['sort_full_name'], unique=False)


def downgrade():
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_sort_full_name'))
        batch_op.drop_index(batch_op.f('ix_candidate_sort_given_first'))
        batch_op.drop_column('sort_full_name')
        batch_op.drop_column('sort_given_first')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('language')
