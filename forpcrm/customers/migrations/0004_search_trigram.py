"""PostgreSQL only: pg_trgm GIN indexes so `search_text LIKE '%…%'` stays fast at a million rows."""

from django.db import migrations

INDEXES = [
    ("cust_search_trgm_idx", "customers_customer"),
    ("contact_search_trgm_idx", "customers_contact"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (search_text gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_customer_keys")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
