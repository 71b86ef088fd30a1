"""add last few columns to posts

Revision ID: 1c3e5a7b9d02
Revises: b5d7f9e1a3c6
Create Date: 2026-01-05 11:41:36
"""
from alembic import op
import sqlalchemy as sa

revision = '1c3e5a7b9d02'
down_revision = 'b5d7f9e1a3c6'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "posts",
        sa.Column("published", sa.Boolean(), nullable=False, server_default="TRUE"),
    )
    op.add_column(
        "posts",
        sa.Column(
            "created_at",
            sa.TIMESTAMP(timezone=True),
            nullable=False,
            server_default=sa.text("now()"),
        ),
    )


def downgrade():
    op.drop_column("posts", "published")
    op.drop_column("posts", "created_at")
