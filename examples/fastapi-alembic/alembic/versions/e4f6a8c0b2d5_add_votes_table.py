"""add votes table

Revision ID: e4f6a8c0b2d5
Revises: 1c3e5a7b9d02
Create Date: 2026-01-06 09:15:02
"""
from alembic import op
import sqlalchemy as sa

revision = 'e4f6a8c0b2d5'
down_revision = '1c3e5a7b9d02'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "votes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "post_id"),
    )


def downgrade():
    op.drop_table("votes")
