"""Booking limits: the hashed client address a reservation was made from.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


# A plain ADD COLUMN: SQLite's batch mode would copy the table and lose its no-overlap
# triggers.
def upgrade() -> None:
    op.add_column("booking_reservations", sa.Column("client_key", sa.String(32), nullable=True))
    op.create_index("ix_booking_reservations_client_key", "booking_reservations", ["client_key"])


def downgrade() -> None:
    op.drop_index("ix_booking_reservations_client_key", "booking_reservations")
    op.drop_column("booking_reservations", "client_key")
