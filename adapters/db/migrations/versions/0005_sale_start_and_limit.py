"""On-sale rules of an event: when its sale opens, and how many seats one buyer may hold or own.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("sale_starts_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("max_per_buyer", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_events_max_per_buyer_positive"), "max_per_buyer IS NULL OR max_per_buyer > 0"
        )


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint(op.f("ck_events_max_per_buyer_positive"), type_="check")
        batch.drop_column("max_per_buyer")
        batch.drop_column("sale_starts_at")
