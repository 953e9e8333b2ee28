"""names in other scripts folded and sorted as written: recompute the derived name columns

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 13:00:00

Data only. pipeline.base.text.fold and name_sort_key used to decompose every letter, so a Hangul
syllable became two or three jamo: the folded name and the sort keys grew to three times the
name (too long for their columns on PostgreSQL) and no longer matched a search typed in
syllables. Latin names (every Vietnamese name) fold exactly as before and are left untouched.
"""
from alembic import op
import sqlalchemy as sa

from pipeline.base.text import fold, is_latin, name_sort_key

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _latin_only(text):
    return all(is_latin(ch) or not ch.isalpha() for ch in text or "")


def upgrade():
    candidate = sa.table('candidate', sa.column('id', sa.Integer), sa.column('full_name', sa.String),
                         sa.column('name_folded', sa.String), sa.column('sort_given_first', sa.String),
                         sa.column('sort_full_name', sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(candidate.c.id, candidate.c.full_name)).all()
    for case_id, full_name in rows:
        if _latin_only(full_name):
            continue
        bind.execute(candidate.update().where(candidate.c.id == case_id).values(
            name_folded=fold(full_name), sort_given_first=name_sort_key(full_name),
            sort_full_name=name_sort_key(full_name, False)))


def downgrade():
    # Nothing to undo: the old values were the broken ones, and the earlier code reads these too.
    pass
