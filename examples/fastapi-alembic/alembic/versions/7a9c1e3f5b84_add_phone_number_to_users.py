"""add phone number to users

Revision ID: 7a9c1e3f5b84
Revises: e4f6a8c0b2d5
Create Date: 2026-01-06 09:40:27
"""
from alembic import op
import sqlalchemy as sa

revision = '7a9c1e3f5b84'
down_revision = 'e4f6a8c0b2d5'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("phone_number", sa.String(), nullable=True))


def downgrade():
    op.drop_column("users", "phone_number")
