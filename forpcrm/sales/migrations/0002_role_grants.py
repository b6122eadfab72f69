"""Give the built-in roles of an existing installation their opportunity and product grants.

``role_templates_install`` creates grants only with a new role; databases made before the sales app
get the same grants here (a role that already has a grant for the module keeps it)."""

from django.db import migrations

SALES = ["view", "create", "edit", "export", "transfer"]
GRANTS = {
    "admin": {"opportunities": (["view", "create", "edit", "delete", "export", "import", "transfer", "configure"], 50),
              "products": (["view", "create", "edit", "delete", "export", "import", "transfer", "configure"], 50)},
    "sales_director": {"opportunities": ([*SALES, "delete", "import"], 40),
                       "products": (["view", "create", "edit", "export"], 50)},
    "sales_manager": {"opportunities": ([*SALES, "delete", "import"], 20), "products": (["view"], 50)},
    "sales_rep": {"opportunities": (["view", "create", "edit", "export"], 10), "products": (["view"], 50)},
}


def forwards(apps, schema_editor):
    Role = apps.get_model("org", "Role")
    RoleGrant = apps.get_model("org", "RoleGrant")
    for role in Role.objects.filter(code__in=list(GRANTS), is_builtin=True):
        for module, (actions, scope) in GRANTS[role.code].items():
            if not RoleGrant.objects.filter(role=role, module=module).exists():
                RoleGrant.objects.create(role=role, module=module, actions=actions, scope=scope)


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial"), ("org", "0002_module_opportunities_products")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
