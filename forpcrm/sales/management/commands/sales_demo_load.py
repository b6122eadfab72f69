"""The sales part of ``manage.py demo_load``: a default pipeline and a handful of demo opportunities.

Called by the demo (imports.demo_load) through ``call_command`` so that the imports app needs no import
of the sales app. Deterministic and idempotent: the standard pipeline is created only when missing;
each demo opportunity has a fixed external reference and is created only when no opportunity with
that reference exists, in the recycle bin included. Existing records are never changed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from forpcrm.customers.models import Customer
from forpcrm.org.models import User
from forpcrm.sales.models import Opportunity, Pipeline, StageKind
from forpcrm.sales.services import opportunity_create, opportunity_lost, opportunity_won, pipeline_create

PIPELINE_NAME = "标准销售流程"
PIPELINE_STAGES = [
    {"name": "初步接洽", "kind": StageKind.OPEN, "probability": 10},
    {"name": "需求确认", "kind": StageKind.OPEN, "probability": 40},
    {"name": "方案报价", "kind": StageKind.OPEN, "probability": 70},
    {"name": "赢单", "kind": StageKind.WON, "probability": 100},
    {"name": "输单", "kind": StageKind.LOST, "probability": 0},
]
REF_PREFIX = "demo-opp-"
REPS = ("sales", "sales2")
# (product, amount in CNY, stage index among the open stages or "won" / "lost", days to expected close)
DEALS = [
    ("CRM 系统实施项目", Decimal("180000.00"), 0, 60),
    ("年度软件服务续约", Decimal("64000.00"), 1, 45),
    ("数据平台升级", Decimal("320000.00"), 2, 30),
    ("移动端定制开发", Decimal("95000.00"), "won", -10),
    ("硬件采购框架协议", Decimal("150000.00"), "lost", -20),
]


def default_pipeline_install(*, by: User | None) -> tuple[Pipeline | None, bool]:
    """The standard pipeline of the demo, created when missing (the default one unless another pipeline
    is already the default). The imported Maven pipeline keeps its own stages and opportunities."""
    pipeline = Pipeline.objects.filter(name=PIPELINE_NAME).first()
    if pipeline is None:
        return pipeline_create(by=by, name=PIPELINE_NAME, stages=PIPELINE_STAGES,
                               is_default=not Pipeline.objects.filter(is_default=True).exists(),
                               description="演示数据：标准销售流程（Standard pipeline）", check_perm=False), True
    if not pipeline.is_active:
        return Pipeline.objects.filter(is_active=True).order_by("-is_default", "sort_order", "id").first(), False
    return pipeline, False


def demo_opportunities_load(*, pipeline: Pipeline) -> int:
    """Per demo sales rep, one opportunity per deal on their own customers (oldest first). Returns the
    number created."""
    existing = set(Opportunity.all_objects.filter(external_ref__startswith=REF_PREFIX)
                   .values_list("external_ref", flat=True))
    open_stages = list(pipeline.stages.filter(kind=StageKind.OPEN).order_by("sort_order", "id"))
    if not open_stages:
        return 0
    today = timezone.localdate()
    created = 0
    for rep_name in REPS:
        rep = User.objects.filter(username=rep_name, is_active=True).first()
        if rep is None:
            continue
        customers = list(Customer.objects.filter(owner=rep).order_by("id")[:len(DEALS)])
        for index, (customer, (product, amount, stage, days)) in enumerate(zip(customers, DEALS, strict=False)):
            ref = f"{REF_PREFIX}{rep_name}-{index + 1}"
            if ref in existing:
                continue
            with transaction.atomic():
                data = {
                    "name": f"{customer.name} · {product}", "customer": customer, "amount": amount,
                    "expected_close_date": today + dt.timedelta(days=days), "external_ref": ref,
                    "engaged_on": today - dt.timedelta(days=40 + 5 * index), "pipeline": pipeline,
                    "stage": open_stages[min(stage, len(open_stages) - 1)] if isinstance(stage, int) else open_stages[0],
                }
                opportunity = opportunity_create(by=rep, data=data, owner=rep)
                if stage == "won":
                    opportunity_won(opportunity=opportunity, by=rep, reason="方案与预算匹配",
                                    closed_on=today + dt.timedelta(days=days))
                elif stage == "lost":
                    opportunity_lost(opportunity=opportunity, by=rep, reason="客户选择了竞品",
                                     closed_on=today + dt.timedelta(days=days))
            created += 1
    return created


class Command(BaseCommand):
    help = "Sales demo data: the standard pipeline (when none exists) and demo opportunities (idempotent)."

    def handle(self, *args, **options):
        admin = User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
        pipeline, made = default_pipeline_install(by=admin)
        if pipeline is None:
            self.stdout.write("sales: no active pipeline; no demo opportunities")
            return
        self.stdout.write(f"sales: pipeline “{pipeline.name}” {'created' if made else 'kept'}")
        created = demo_opportunities_load(pipeline=pipeline)
        self.stdout.write(f"sales: demo opportunities: {created} created")
        # The other parts of the sales stage: follow-ups and visits, reports and urges, leads.
        from forpcrm.sales.activity import demo as activity_demo
        from forpcrm.sales.leads import demo as leads_demo
        from forpcrm.sales.reports import demo as reports_demo

        for name, part in (("activity", activity_demo), ("reports", reports_demo), ("leads", leads_demo)):
            self.stdout.write(f"sales: {name}: {part.demo_load(stdout=self.stdout)}")
