"""add content column to posts

Revision ID: 3f1e9a7c5b20
Revises: d6b4a1c0f2e1
Create Date: 2026-01-05 10:31:07
"""
from alembic import op
import sqlalchemy as sa

revision = '3f1e9a7c5b20'
down_revision = 'd6b4a1c0f2e1'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("posts", sa.Column("content", sa.String(), nullable=False))


def downgrade():
    op.drop_column("posts", "content")
