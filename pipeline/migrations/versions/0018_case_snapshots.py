"""each case's state as its log replays to, kept by the act: acts read it instead of the whole log

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 22:00:00

case_snapshot: one row per case (pipeline.workflow.models.CaseSnapshot), written by every act in
its own transaction. Empty after this migration: the first act on a case replays its log and
writes the row, and `flask --app wsgi snapshots rebuild` writes them all ahead (in batches).
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_snapshot',
        sa.Column('candidate_id', sa.Integer(), sa.ForeignKey('candidate.id'), primary_key=True),
        sa.Column('head_seq', sa.Integer(), nullable=False),
        sa.Column('head_hash', sa.String(64), nullable=False),
        sa.Column('head_recorded_at', sa.DateTime(), nullable=False),
        sa.Column('format', sa.Integer(), nullable=False),
        sa.Column('state', sa.JSON(), nullable=True),
    )
    op.execute(
        "INSERT INTO case_snapshot (candidate_id, head_seq, head_hash, head_recorded_at, format, state) "
        "SELECT e.candidate_id, e.seq, e.hash, e.recorded_at, 0, NULL FROM case_event e "
        "JOIN (SELECT candidate_id, MAX(seq) AS seq FROM case_event GROUP BY candidate_id) newest "
        "ON newest.candidate_id = e.candidate_id AND newest.seq = e.seq")


def downgrade():
    op.drop_table('case_snapshot')
