from django.db import migrations

DEFAULTS = [
    ("proposal", "方案", "Proposal", 10),
    ("quotation", "报价", "Quotation", 20),
    ("contract", "合同", "Contract", 30),
    ("other", "其他", "Other", 90),
]


def add_defaults(apps, schema_editor):
    DocumentCategory = apps.get_model("documents", "DocumentCategory")
    for code, name, name_en, order in DEFAULTS:
        DocumentCategory.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en,
                                                                    "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
