from django.db import migrations, models


class Migration(migrations.Migration):
    """The sales stage's permission modules: opportunities and products (choices only)."""

    dependencies = [("org", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="rolegrant",
            name="module",
            field=models.CharField(
                choices=[("customers", "Customers"), ("contacts", "Contacts"), ("pool", "Public pool"),
                         ("imports", "Import and export"), ("administration", "Administration"),
                         ("opportunities", "Opportunities"), ("products", "Products")],
                max_length=40, verbose_name="module"),
        ),
    ]
