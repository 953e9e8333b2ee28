"""units through time: each unit's name and place per period; which unit replaced which; merges
and splits in a unit's history

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 16:00:00

unit_version: the unit as named and placed from one day to another (a projection of its dated
changes), so reports for a past period show the tree of that period. Every unit already there
gets one period, from its start to its end, as it is now: no change was dated before this
revision.
unit_succession: merges and splits (the units that replaced a unit).
unit_change: the actions "merged" and "split".
"""
from alembic import context, op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OLD_ACTIONS = ('created', 'renamed', 'moved', 'closed', 'details_changed')
NEW_ACTIONS = OLD_ACTIONS + ('merged', 'split')


def _actions(actions):
    return "action IN (" + ", ".join(f"'{a}'" for a in actions) + ")"


def _set_actions(actions):
    """The unit history's allowed actions. SQLite rebuilds the table for a new CHECK, which drops
    its append-only triggers (0011): they are made again."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('unit_change', schema=None, recreate="always" if sqlite else "auto") as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_unit_change_action_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_unit_change_action_known'), _actions(actions))
    if sqlite:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS unit_change_no_{action.lower()}")
            op.execute(f"""CREATE TRIGGER unit_change_no_{action.lower()} BEFORE {action} ON unit_change
                           BEGIN SELECT RAISE(ABORT, 'unit_change is append-only: {action} refused'); END""")


def upgrade():
    op.create_table('unit_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('decides_admissions', sa.Boolean(), nullable=False),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_unit_version_period_ordered')),
    sa.ForeignKeyConstraint(['parent_id'], ['unit.id'], name=op.f('fk_unit_version_parent_id_unit')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_version_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_version'))
    )
    with op.batch_alter_table('unit_version', schema=None) as batch_op:
        batch_op.create_index('ix_unit_version_path', ['path'], unique=False,
                              postgresql_ops={'path': 'text_pattern_ops'})
        batch_op.create_index('ix_unit_version_unit_id_starts_on', ['unit_id', 'starts_on'], unique=False)
    op.execute("INSERT INTO unit_version (unit_id, starts_on, ends_on, name, kind, parent_id, path, depth, "
               "decides_admissions) SELECT id, valid_from, valid_to, name, kind, parent_id, path, depth, "
               "decides_admissions FROM unit")

    op.create_table('unit_succession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('predecessor_id', sa.Integer(), nullable=False),
    sa.Column('successor_id', sa.Integer(), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.CheckConstraint("kind IN ('merge', 'split')", name=op.f('ck_unit_succession_kind_known')),
    sa.CheckConstraint('predecessor_id <> successor_id', name=op.f('ck_unit_succession_not_itself')),
    sa.ForeignKeyConstraint(['predecessor_id'], ['unit.id'], name=op.f('fk_unit_succession_predecessor_id_unit')),
    sa.ForeignKeyConstraint(['successor_id'], ['unit.id'], name=op.f('fk_unit_succession_successor_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_succession')),
    sa.UniqueConstraint('predecessor_id', 'successor_id', name='uq_unit_succession_pair')
    )
    with op.batch_alter_table('unit_succession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_succession_predecessor_id'), ['predecessor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_succession_successor_id'), ['successor_id'], unique=False)
    _set_actions(NEW_ACTIONS)


def _discarding_everything():
    # `downgrade(x_arg=["discard=all"])`: the demo's reset takes the schema down to nothing, so
    # the rows a plain downgrade refuses to lose go with their tables.
    return context.get_x_argument(as_dictionary=True).get("discard") == "all"


def downgrade():
    # The rows of the new actions cannot stay under the old CHECK; the history is append-only, so
    # going down is refused rather than losing them.
    if not _discarding_everything():  # else 0011 drops the table, rows and CHECK with it
        newer = op.get_bind().execute(sa.text("SELECT count(*) FROM unit_change WHERE NOT ("
                                              + _actions(OLD_ACTIONS) + ")"))
        if newer.scalar_one():
            raise RuntimeError("unit_change holds merges or splits of revision 0012: downgrading would lose them")
        _set_actions(OLD_ACTIONS)
    with op.batch_alter_table('unit_succession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_succession_successor_id'))
        batch_op.drop_index(batch_op.f('ix_unit_succession_predecessor_id'))
    op.drop_table('unit_succession')
    with op.batch_alter_table('unit_version', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_version_unit_id_starts_on')
        batch_op.drop_index('ix_unit_version_path', postgresql_ops={'path': 'text_pattern_ops'})
    op.drop_table('unit_version')
