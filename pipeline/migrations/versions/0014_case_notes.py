"""notes on a case: dated remarks of the members of its subtree, append-only and chained per case

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 18:30:00

case_note: a note is never edited or deleted (triggers like read_log's; on PostgreSQL the
application's role is refused UPDATE and DELETE as well, pipeline.audit.db_roles), and each carries
an HMAC under the log key over its fields and the previous note of its case (pipeline.notes).
"""
from alembic import context, op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

MAX_LENGTH = 2000  # as pipeline.notes.models names it at this revision


def upgrade():
    op.create_table('case_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('written_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint(f'length(text) BETWEEN 1 AND {MAX_LENGTH}', name=op.f('ck_case_note_text_bounded')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_case_note_author_id_user_account')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_case_note_candidate_id_candidate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note')),
    sa.UniqueConstraint('candidate_id', 'seq', name='uq_case_note_candidate_seq')
    )
    # Like the other logs, the notes only grow: the database refuses UPDATE and DELETE.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION case_note_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'case_note is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""CREATE TRIGGER case_note_append_only BEFORE UPDATE OR DELETE ON case_note
                      FOR EACH ROW EXECUTE FUNCTION case_note_append_only()""")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER case_note_no_{action.lower()} BEFORE {action} ON case_note
                           BEGIN SELECT RAISE(ABORT, 'case_note is append-only: {action} refused'); END""")


def downgrade():
    # The notes are append-only: going down is refused rather than losing them, but for the
    # demo's reset (`downgrade(x_arg=["discard=all"])`), which takes everything down.
    if context.get_x_argument(as_dictionary=True).get("discard") != "all":
        if op.get_bind().execute(sa.text("SELECT count(*) FROM case_note")).scalar_one():
            raise RuntimeError("case_note holds notes: downgrading below revision 0014 would lose them")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_note_append_only ON case_note")
        op.execute("DROP FUNCTION IF EXISTS case_note_append_only()")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS case_note_no_{action}")
    op.drop_table('case_note')
