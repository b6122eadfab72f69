"""Demo follow-ups and visit plans on the demo customers, written through the services.

Deterministic (seeded) and idempotent: each record is looked up by customer and text before it is
created, so a second run creates nothing."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from forpcrm.customers.models import Customer
from forpcrm.org.models import User

from .models import FollowUp, VisitPlan
from .services import followup_create, visit_create

SEED = 20240510
CUSTOMERS = 15
FOLLOWUP_TEXTS = [
    ("phone", "电话沟通项目需求，客户关注交付周期。", "发送方案与报价"),
    ("wechat", "微信确认技术交流会时间。", "准备演示环境"),
    ("email", "邮件发送产品资料与案例。", ""),
    ("meeting", "线上会议讨论实施范围与预算。", "提交正式报价"),
]
VISIT_PURPOSES = ["上门拜访：需求调研", "产品演示与技术交流", "商务洽谈：合同条款"]


def _owner_of(customer: Customer) -> User | None:
    owner = customer.owner
    return owner if owner is not None and owner.is_active else None


@transaction.atomic
def demo_load(*, stdout=None) -> dict:
    """Create a few follow-ups and visit plans on the first owned demo customers; returns counts."""
    rng = random.Random(SEED)
    now = timezone.now().replace(second=0, microsecond=0)
    created = {"followups": 0, "visits": 0}
    customers = list(Customer.objects.filter(owner__isnull=False).select_related("owner").order_by("id")[:CUSTOMERS])
    for index, customer in enumerate(customers):
        owner = _owner_of(customer)
        if owner is None:
            continue
        for step, (kind, text, next_text) in enumerate(FOLLOWUP_TEXTS[: 2 + index % 3]):
            if FollowUp.all_objects.filter(customer=customer, content=text).exists():
                continue
            when = now - dt.timedelta(days=3 + step * 7 + rng.randint(0, 3), hours=rng.randint(0, 6))
            data = {"customer": customer, "kind": kind, "at": when, "content": text}
            if next_text and step == 0:
                data.update(next_at=now + dt.timedelta(days=rng.randint(1, 10)), next_content=next_text)
            followup_create(by=owner, data=data)
            created["followups"] += 1
        purpose = VISIT_PURPOSES[index % len(VISIT_PURPOSES)]
        if not VisitPlan.all_objects.filter(customer=customer, purpose=purpose).exists():
            day = (now + dt.timedelta(days=rng.randint(-5, 14))).astimezone(
                timezone.get_default_timezone()).date()
            visit_create(by=owner, data={
                "customer": customer, "purpose": purpose, "date": day, "start_time": dt.time(9 + index % 7, 0),
                "end_time": dt.time(10 + index % 7, 30), "time_zone": owner.time_zone or "Asia/Shanghai",
                "remind_minutes": 30, "recurrence": "weekly" if index % 5 == 0 else ""})
            created["visits"] += 1
    if stdout is not None:
        stdout.write(f"activity demo: {created['followups']} follow-ups, {created['visits']} visit plans\n")
    return created
