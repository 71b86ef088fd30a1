"""add users table

Revision ID: 8a2c4e6f1d93
Revises: 3f1e9a7c5b20
Create Date: 2026-01-05 11:02:55
"""
from alembic import op
import sqlalchemy as sa

revision = '8a2c4e6f1d93'
down_revision = '3f1e9a7c5b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("password", sa.String(), nullable=False),
        sa.Column(
            "created_at",
            sa.TIMESTAMP(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )


def downgrade():
    op.drop_table("users")
