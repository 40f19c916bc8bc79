"""Drafts with a title only (issue 17, part 3): a need's or result's field, and a result's form
and maturity (TRL), may be empty while the listing is a draft; publishing checks that they are
there (webapp/listings/services.py, require_complete). Provinces may be '' in a draft too, which
needs no schema change.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-03 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIELD = sa.Enum('electronic_information', 'bio_medicine', 'aerospace', 'new_materials',
                'high_tech_services', 'new_energy', 'resources_environment',
                'advanced_manufacturing', name='tech_field', native_enum=False,
                create_constraint=True, length=30)
FORM = sa.Enum('technology', 'process', 'product', 'material', 'device', 'software',
               'plant_variety', 'other', name='result_form', native_enum=False,
               create_constraint=True, length=21)
# (table, column, type) made nullable
COLUMNS = (('needs', 'field', FIELD), ('results', 'field', FIELD), ('results', 'form', FORM),
           ('results', 'trl', sa.Integer()))


def upgrade() -> None:
    """Apply this revision."""
    for table, column, type_ in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=type_, nullable=True)


def downgrade() -> None:
    """Revert this revision: drafts that lack a field, a form or a maturity get the first of
    each (they are drafts: their authors will see and correct it)."""
    op.execute("UPDATE needs SET field = 'electronic_information' WHERE field IS NULL")
    op.execute("UPDATE results SET field = 'electronic_information' WHERE field IS NULL")
    op.execute("UPDATE results SET form = 'technology' WHERE form IS NULL")
    op.execute("UPDATE results SET trl = 1 WHERE trl IS NULL")
    for table, column, type_ in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=type_, nullable=False)
