"""export jobs: large exports made by a worker and downloaded from their page

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 19:20:00

export_job: who asked for which export or PDF (its address and language), the worker's progress,
the file it wrote in the instance folder, when it goes, and the read each download records
(pipeline.jobs).
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

STATUSES = ("waiting", "running", "done", "failed")  # as pipeline.jobs.models names them at this revision


def upgrade():
    op.create_table(
        'export_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=300), nullable=False),
        sa.Column('args', sa.JSON(), nullable=False),
        sa.Column('fmt', sa.String(length=10), nullable=False),
        sa.Column('lang', sa.String(length=10), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('detail', sa.String(length=300), nullable=False),
        sa.Column('read_kind', sa.String(length=20), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=True),
        sa.Column('file_key', sa.String(length=64), nullable=True),
        sa.Column('size', sa.BigInteger(), nullable=True),
        sa.Column('error', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN (%s)" % ", ".join(f"'{s}'" for s in STATUSES),
                           name=op.f('ck_export_job_status_known')),
        sa.CheckConstraint('rows_done >= 0', name=op.f('ck_export_job_rows_done_not_negative')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_export_job_unit_id_unit')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_export_job_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_export_job')),
    )
    op.create_index('ix_export_job_user_id', 'export_job', ['user_id'])
    op.create_index('ix_export_job_expires_at', 'export_job', ['expires_at'])


def downgrade():
    op.drop_index('ix_export_job_expires_at', table_name='export_job')
    op.drop_index('ix_export_job_user_id', table_name='export_job')
    op.drop_table('export_job')
