"""Demo follow-ups and visit plans on the customers of the demo sales users, written through the services.

Each of ``sales``, ``sales2`` and ``manager`` gets follow-ups and visit plans on a few of his own
customers, the visits spread over the working days of the current and the next week so that the
calendar shows them. Deterministic (seeded) and idempotent: each record is looked up by customer and
text before it is created, so a second run creates nothing."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils import timezone

from forpcrm.customers.models import Customer
from forpcrm.org.models import User

from .models import FollowUp, VisitPlan
from .services import followup_create, visit_create

SEED = 20240510
CUSTOMERS = 15
DEMO_OWNERS = ("sales", "sales2", "manager")
FOLLOWUP_TEXTS = [
    ("phone", "电话沟通项目需求，客户关注交付周期。", "发送方案与报价"),
    ("wechat", "微信确认技术交流会时间。", "准备演示环境"),
    ("email", "邮件发送产品资料与案例。", ""),
    ("meeting", "线上会议讨论实施范围与预算。", "提交正式报价"),
]
VISIT_PURPOSES = ["上门拜访：需求调研", "产品演示与技术交流", "商务洽谈：合同条款"]


def _owners() -> list[User]:
    """The demo sales users; on a database without them, the active owners that are not superusers."""
    owners = list(User.objects.filter(username__in=DEMO_OWNERS, is_active=True))
    if owners:
        owners.sort(key=lambda user: DEMO_OWNERS.index(user.username))
        return owners
    ids = Customer.objects.filter(owner__isnull=False).values("owner_id")
    return list(User.objects.filter(id__in=ids, is_active=True, is_superuser=False).order_by("username", "id"))


def _customers(owners: list[User]) -> list[Customer]:
    """Up to ``CUSTOMERS`` customers, the owners taking turns, each owner's first customers by id."""
    per_owner = max(1, -(-CUSTOMERS // max(1, len(owners))))
    lists = [list(Customer.objects.filter(owner=owner).select_related("owner").order_by("id")[:per_owner])
             for owner in owners]
    chosen = [lst[i] for i in range(per_owner) for lst in lists if i < len(lst)]
    return chosen[:CUSTOMERS]


def _visit_day(owner: User, index: int, now: dt.datetime) -> dt.date:
    """A working day of the current (even index) or the next (odd index) week, in the owner's zone."""
    try:
        zone = ZoneInfo(owner.time_zone or "Asia/Shanghai")
    except (ValueError, ZoneInfoNotFoundError):
        zone = timezone.get_default_timezone()
    today = now.astimezone(zone).date()
    monday = today - dt.timedelta(days=today.weekday())
    return monday + dt.timedelta(days=7 * (index % 2) + (index // 2) % 5)


@transaction.atomic
def demo_load(*, stdout=None) -> dict:
    """Create a few follow-ups and visit plans on the demo sales users' customers; returns counts."""
    rng = random.Random(SEED)
    now = timezone.now().replace(second=0, microsecond=0)
    created = {"followups": 0, "visits": 0}
    for index, customer in enumerate(_customers(_owners())):
        owner = customer.owner
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
            day = _visit_day(owner, index, now)
            visit_create(by=owner, data={
                "customer": customer, "purpose": purpose, "date": day, "start_time": dt.time(9 + index % 7, 0),
                "end_time": dt.time(10 + index % 7, 30), "time_zone": owner.time_zone or "Asia/Shanghai",
                "remind_minutes": 30, "recurrence": "weekly" if index % 5 == 0 else ""})
            created["visits"] += 1
    if stdout is not None:
        stdout.write(f"activity demo: {created['followups']} follow-ups, {created['visits']} visit plans\n")
    return created
