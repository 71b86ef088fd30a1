"""add foreign key to posts

Revision ID: b5d7f9e1a3c6
Revises: 8a2c4e6f1d93
Create Date: 2026-01-05 11:20:18
"""
from alembic import op
import sqlalchemy as sa

revision = 'b5d7f9e1a3c6'
down_revision = '8a2c4e6f1d93'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("posts", sa.Column("owner_id", sa.Integer(), nullable=False))
    op.create_foreign_key(
        "post_users_fk",
        source_table="posts",
        referent_table="users",
        local_cols=["owner_id"],
        remote_cols=["id"],
        ondelete="CASCADE",
    )


def downgrade():
    op.drop_constraint("post_users_fk", table_name="posts")
    op.drop_column("posts", "owner_id")
