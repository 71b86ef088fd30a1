"""add role to users

Revision ID: c2e4a6b8d0f7
Revises: 7a9c1e3f5b84
Create Date: 2026-01-07 14:03:50
"""
from alembic import op
import sqlalchemy as sa

revision = 'c2e4a6b8d0f7'
down_revision = '7a9c1e3f5b84'
branch_labels = None
depends_on = None


user_role = sa.Enum("member", "moderator", "admin", name="user_role")


def upgrade():
    # add_column does not create the enum type (create_table would): create it first.
    user_role.create(op.get_bind(), checkfirst=False)
    op.add_column(
        "users",
        sa.Column("role", user_role, nullable=False, server_default="member"),
    )


def downgrade():
    op.drop_column("users", "role")
    # Dropping the column leaves the type behind; drop it too, or a second upgrade fails.
    user_role.drop(op.get_bind(), checkfirst=False)
