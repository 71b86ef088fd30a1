"""create posts table

Revision ID: d6b4a1c0f2e1
Revises: 
Create Date: 2026-01-05 10:12:41
"""
from alembic import op
import sqlalchemy as sa

revision = 'd6b4a1c0f2e1'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False, primary_key=True),
        sa.Column("title", sa.String(), nullable=False),
    )


def downgrade():
    op.drop_table("posts")
