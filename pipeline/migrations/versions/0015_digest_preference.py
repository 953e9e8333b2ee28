"""each user's e-mail address and how often the digest of their queue is sent (none by default)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 19:00:00

user_account.email: where the digest goes (None: no digest whatever the choice);
user_account.digest: none, daily or weekly (`send-digests`, pipeline.queue.digests). The CHECK is
added with the column: on SQLite a column's own constraint is the one ADD COLUMN accepts, without
rebuilding a table the logs point at.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

CHOICES = ("none", "daily", "weekly")  # as pipeline.accounts.models names them at this revision
CHECK = "digest IN (" + ", ".join(f"'{c}'" for c in CHOICES) + ")"


def upgrade():
    op.add_column('user_account', sa.Column('email', sa.String(length=254), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE user_account ADD COLUMN digest VARCHAR(10) DEFAULT 'none' NOT NULL "
                   f"CONSTRAINT ck_user_account_digest_known CHECK ({CHECK})")
    else:
        op.add_column('user_account', sa.Column('digest', sa.String(length=10), server_default='none',
                                                nullable=False))
        op.create_check_constraint(op.f('ck_user_account_digest_known'), 'user_account', CHECK)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column with its own CHECK in place (3.35+), without rebuilding the table.
        op.execute("ALTER TABLE user_account DROP COLUMN digest")
        op.execute("ALTER TABLE user_account DROP COLUMN email")
        return
    op.drop_constraint(op.f('ck_user_account_digest_known'), 'user_account', type_='check')
    op.drop_column('user_account', 'digest')
    op.drop_column('user_account', 'email')
