"""PostgreSQL only: no teacher has two overlapping active 1:1 bookings, enforced by the database.

An exclusion constraint over a tstzrange needs ``btree_gist`` (for ``teacher_id WITH =``) and does
not exist on SQLite, where declaring it would fail at table creation. So it lives here, as SQL
that runs only when the connection is PostgreSQL; on SQLite the services enforce the same rule
under the serialising IMMEDIATE transaction.

``btree_gist`` is a trusted extension (PostgreSQL >= 13): a database owner can create it without
superuser rights. If your role cannot, run ``CREATE EXTENSION btree_gist`` once as an admin.
"""

from django.db import migrations

CONSTRAINT = "fb_one_on_one_no_teacher_overlap"
TABLE = "fluentory_bookings_oneononebooking"


def add_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(teacher_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
        "WHERE (status IN ('pending', 'confirmed'))"
    )


def drop_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("fluentory_bookings", "0001_initial")]

    operations = [migrations.RunPython(add_exclusion, drop_exclusion, elidable=False)]
