"""the log's indexes for counts that follow the user's scope: an act's entries of a period with
their case, and the void entries

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 19:30:00

ix_case_event_act_day_case (event, effective_date, candidate_id) replaces (event, effective_date):
the admission counts of a period read the case id from the index alone, without the rows (on
PostgreSQL an index-only scan; a key column rather than INCLUDE, so SQLite's covers them too).
ix_case_event_voids: the void entries of a case (partial, few), for the "not voided" condition
every count applies.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

VOIDS = sa.text("event = 'void_act'")  # pipeline.workflow.log.VOID_ACT


def upgrade():
    op.create_index('ix_case_event_act_day_case', 'case_event', ['event', 'effective_date', 'candidate_id'])
    op.drop_index('ix_case_event_event_effective', table_name='case_event')
    op.create_index('ix_case_event_voids', 'case_event', ['candidate_id'], postgresql_where=VOIDS,
                    sqlite_where=VOIDS)


def downgrade():
    op.drop_index('ix_case_event_voids', table_name='case_event')
    op.create_index('ix_case_event_event_effective', 'case_event', ['event', 'effective_date'])
    op.drop_index('ix_case_event_act_day_case', table_name='case_event')
