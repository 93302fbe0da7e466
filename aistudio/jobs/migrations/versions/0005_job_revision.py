"""job revision: a revise instruction waiting for its run (POST /jobs/{id}/revise), and an
index on parent_id (GET /jobs?parent_id=: a job's remixes and shot revises)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 10:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("revision", sa.Text(), nullable=True))
    op.create_index("ix_jobs_parent", "jobs", ["parent_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_jobs_parent", table_name="jobs")
    op.drop_column("jobs", "revision")
