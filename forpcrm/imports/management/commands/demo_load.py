"""`forpcrm demo`: role templates, lists, demo users, the Maven dataset and generated Chinese data.

Idempotent: a second run keeps every record and creates nothing twice.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from forpcrm.imports.engine import demo_steps
from forpcrm.org.models import User
from forpcrm.org.services import department_get_or_create_path, role_templates_install, user_create

from .maven_load import maven_load

# username, password, display name, role template, department path, manager username
DEMO_USERS = [
    ("admin", "admin123", "系统管理员", "admin", ["总部"], None),
    ("director", "director123", "周总监", "sales_director", ["总部", "销售中心"], None),
    ("manager", "manager123", "王经理", "sales_manager", ["总部", "销售中心", "华东大区"], "director"),
    ("sales", "sales123", "张销售", "sales_rep", ["总部", "销售中心", "华东大区", "上海组"], "manager"),
    ("sales2", "sales123", "李销售", "sales_rep", ["总部", "销售中心", "华南大区"], "director"),
    ("finance", "finance123", "钱财务", "finance", ["总部", "财务部"], None),
    ("delivery", "delivery123", "孙交付", "delivery", ["总部", "交付中心"], None),
    ("service", "service123", "赵客服", "customer_service", ["总部", "客服中心"], None),
]


def demo_users_install() -> tuple[dict[str, User], int]:
    roles = role_templates_install()
    users: dict[str, User] = {}
    created = 0
    for username, password, display, role, path, manager in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            with transaction.atomic():
                user = user_create(
                    username=username, password=password, display_name=display, email=f"{username}@demo.forpcrm.cn",
                    department=department_get_or_create_path(names=path), manager=users.get(manager),
                    roles=[roles[role]], is_superuser=username == "admin",
                )
            created += 1
        users[username] = user
    return users, created


class Command(BaseCommand):
    help = "Load the demo: roles, lists, demo users, the Maven dataset and generated Chinese customers."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=300, help="generated Chinese customers (default 300)")
        parser.add_argument("--skip-maven", action="store_true")

    def handle(self, *args, **options):
        users, created = demo_users_install()
        self.stdout.write(f"roles: {len(role_templates_install())} templates; demo users: {created} created")
        context = {
            "admin": users["admin"], "users": users, "count": options["count"], "stdout": self.stdout,
            "owners": [users[name] for name in ("sales", "sales", "sales2", "sales2", "manager", "director")],
        }
        steps = demo_steps()
        for order, name, step in steps:
            if order >= 30:
                break
            self.stdout.write(f"{name}: {step(context)}")
        if not options["skip_maven"]:
            directory = Path(settings.FORPCRM_SHARED_DATA) / "maven-crm-sales"
            if directory.is_dir():
                maven_load(user=users["admin"], directory=directory, stdout=self.stdout)
            else:
                self.stdout.write(f"Maven dataset not found at {directory}; skipped")
        for order, name, step in steps:
            if order >= 30:
                self.stdout.write(f"{name}: {step(context)}")
        self.stdout.write("")
        self.stdout.write("Demo logins (http://127.0.0.1:8000/login/):")
        self.stdout.write(f"  {'username':<10} {'password':<13} {'role':<22} department")
        for username, password, _display, role, path, _manager in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {password:<13} {role:<22} {' › '.join(path)}")
