"""the log's index for the queue: each case's entries of a stage chain (the recognition votes)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 22:30:00

ix_case_event_chain (candidate_id, seq), partial on the acts that keep a stage one after the other
(pipeline.queue.waiting.CHAIN_ACTS): the queue joins each case with its latest such entry. Few
rows (a case has at most a few), so the planner can hash them all for a large scope, or look up
one case's in one index page for a small one; no other index served both (by act and day, a case
took a range scan of every later entry of the country; by case and seq, its whole log).
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# The names as they are now: a workflow that changes its chains needs a migration of its own
# (tests/test_queue.py checks that this index names every act of CHAIN_ACTS).
CHAIN = sa.text("event IN ('record_recognition_vote', 'record_recognition_review')")


def upgrade():
    op.create_index('ix_case_event_chain', 'case_event', ['candidate_id', 'seq'], postgresql_where=CHAIN,
                    sqlite_where=CHAIN)


def downgrade():
    op.drop_index('ix_case_event_chain', table_name='case_event')
