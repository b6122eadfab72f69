"""`forpcrm demo`: role templates, lists, demo users, the Maven dataset and generated Chinese data.

Idempotent: a second run keeps every record and creates nothing twice.
"""

import csv
import io
import os
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand
from django.db import transaction

from forpcrm.imports.engine import definitions, demo_steps
from forpcrm.imports.presets import shipped_presets
from forpcrm.imports.services import import_job_create, import_job_run
from forpcrm.org.importers import find_user_by_name
from forpcrm.org.models import User
from forpcrm.org.services import department_get_or_create_path, role_templates_install, user_create

from ._common import print_result
from .maven_load import ORDER as MAVEN_ORDER

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


def _known_sales_agent(values: dict[str, str]) -> bool:
    return bool(values.get("sales_agent")) and find_user_by_name(values["sales_agent"].strip()) is not None


def maven_demo_load(*, user, directory: Path, stdout, known: dict[str, Callable[[dict[str, str]], bool]]) -> None:
    """The Maven files for the demo: only the rows that do not exist yet are imported, in create mode.

    ``known``: entity → "does this row (field key → cell) exist already?", including records in the
    recycle bin (registered by the domain's demo step). Existing records are never updated, deleted
    ones never re-created."""
    presets = shipped_presets()
    known = {"sales_teams": _known_sales_agent, **known}
    for name in MAVEN_ORDER:
        preset = presets[name]
        path = directory / Path(preset["file"]).name
        if not path.exists():
            stdout.write(f"WARNING: {path} is missing; skipped")
            continue
        text = path.read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        header, body = (rows[0], [r for r in rows[1:] if any(c.strip() for c in r)]) if rows else ([], [])
        if preset["entity"] not in definitions():
            stdout.write(f"{path.name}: {len(body)} rows kept for the product catalogue "
                         "(no catalogue exists yet; not imported)")
            continue
        exists = known.get(preset["entity"])
        if exists is not None:
            mapping = preset.get("mapping") or {}
            keys = [mapping.get(column, column) for column in header]
            body = [r for r in body if not exists({k: (r[i] if i < len(r) else "") for i, k in enumerate(keys)})]
        if not body:
            stdout.write(f"{path.name} → {preset['entity']}: every row exists already; kept")
            continue
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([header, *body])
        job = import_job_create(user=user, entity=preset["entity"], upload=io.BytesIO(buffer.getvalue().encode()),
                                name=path.name, preset=name, options={"mode": "create"})
        result = import_job_run(job=job)
        if result.created or result.updated or result.failed:
            print_result(stdout, f"{path.name} → {preset['entity']}", result, limit=20)
        else:
            stdout.write(f"{path.name} → {preset['entity']}: every row exists already; kept")


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
                maven_demo_load(user=users["admin"], directory=directory, stdout=self.stdout,
                                known=context.get("demo_known", {}))
                if "maven_pipeline_load" in get_commands():
                    self.stdout.write("Maven pipeline: importing sales_pipeline.csv (8,800 opportunities) …")
                    started = time.perf_counter()
                    call_command("maven_pipeline_load", "--demo", f"--dir={directory}",
                                 f"--user={users['admin'].username}", stdout=self.stdout, stderr=self.stderr)
                    self.stdout.write(f"Maven pipeline: done in {time.perf_counter() - started:.1f} s")
            else:
                message = (f"WARNING: the Maven dataset was not found at {directory}: its accounts and sales "
                           "teams are NOT loaded. Set FORPCRM_SHARED_DATA to the directory holding "
                           "maven-crm-sales/ and run demo_load again.")
                self.stderr.write(self.style.WARNING(message))
                self.stdout.write(message)
        for order, name, step in steps:
            if order >= 30:
                self.stdout.write(f"{name}: {step(context)}")
        if "sales_demo_load" in get_commands():
            call_command("sales_demo_load", stdout=self.stdout, stderr=self.stderr)
        host = os.environ.get("HOST") or "127.0.0.1"
        port = os.environ.get("PORT") or "8000"
        self.stdout.write("")
        self.stdout.write(f"Demo logins (http://{host}:{port}/login/):")
        self.stdout.write(f"  {'username':<10} {'password':<13} {'role':<22} department")
        for username, password, _display, role, path, _manager in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {password:<13} {role:<22} {' › '.join(path)}")
