"""the units' versions by their parent: a unit's rows on the dashboard, the quotas and the report

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 05:10:00

ix_unit_version_parent_id: the rows of a matrix or a quota table are the versions of a unit and of
the units directly under it (pipeline.units.history.units_on(children_of=)). Without it, every
page of a commune read all 60,000 versions of a national tree (7–9 ms of its SQL).
"""
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_unit_version_parent_id', 'unit_version', ['parent_id'])


def downgrade():
    op.drop_index('ix_unit_version_parent_id', table_name='unit_version')
