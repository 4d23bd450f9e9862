"""Finer planner statistics on customers.search_doc (statistics target 1000 instead of 100).

PostgreSQL estimates an unanchored LIKE '%term%' by matching the pattern against the column's
histogram, which has (statistics target + 1) entries. With the default 100, a term that 0.8 % of
a tenant's customers carry (a common surname) matches about one entry or none, so it was
estimated at ~120 rows of 1.2 M where 9,600 matched; the planner then fetched all of them
through the trigram index and sorted (19 ms warm, 47 ms at p99 through the gateway in the 1M
benchmark). With 1,000 entries the estimate lands near the truth (9,015) and the planner walks
the tenant's recency index instead, stopping at the page (11 ms; p99 through the gateway 23 ms).
Rare terms keep the trigram index. ANALYZE samples 300,000 rows instead of 30,000.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE customers ALTER COLUMN search_doc SET STATISTICS 1000")
    op.execute("ANALYZE customers (search_doc)")


def downgrade() -> None:
    op.execute("ALTER TABLE customers ALTER COLUMN search_doc SET STATISTICS -1")
