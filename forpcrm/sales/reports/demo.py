"""Demo data of sales reports and urges for the demo logins (``manager`` 王经理 manages ``sales`` 张销售;
``director`` 周总监 manages ``manager`` and ``sales2`` 李销售; see imports' ``demo_load``).

- a daily rule "销售日报" for the department 销售中心 and its sub-departments, role sales representative;
- for ``sales`` and ``sales2``: daily reports of the last three working days (submitted; the oldest of
  ``sales`` reviewed by ``manager`` with a comment) and this week's weekly report as a draft;
- two urges: ``manager`` → ``sales`` about one of his customers (open) and, when ``sales`` owns an
  opportunity, about it (answered).

Idempotent: the rule is found by name, a report by (author, kind, period) and an urge by its text and
customer; nothing is created twice and existing records are never changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from forpcrm.customers.models import Customer
from forpcrm.org.models import Department, Role, User
from forpcrm.sales.models import Opportunity

from . import services
from .models import ReportKind, ReportRule, SalesReport, Urge
from .periods import period_for, today_for

RULE_NAME = "销售日报"
DONE = ["电话回访 3 家客户，确认了两家的采购时间。", "拜访客户，演示了方案并收集了需求。", "整理报价单并发给客户采购部。"]
PLANS = ["跟进报价反馈，安排技术交流。", "准备下周的拜访计划。", "更新商机阶段和预计成交日期。"]
URGES = [("请本周内回访该客户，确认预算和决策人。", None), ("请推进该商机到下一阶段，并更新预计成交日期。", "opportunity")]


def _working_days_before(day: dt.date, count: int) -> list[dt.date]:
    found: list[dt.date] = []
    while len(found) < count:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            found.append(day)
    return found


def _write(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _rule(admin: User) -> tuple[ReportRule | None, bool]:
    rule = ReportRule.objects.filter(name=RULE_NAME).first()
    if rule is not None:
        return rule, False
    department = Department.objects.filter(name="销售中心").order_by("path").first()
    role = Role.objects.filter(code="sales_rep").first()
    return services.rule_save(by=admin, data={
        "name": RULE_NAME, "kind": ReportKind.DAILY, "departments": [department] if department else [],
        "roles": [role] if role else [], "include_subdepartments": True, "deadline_days": 0,
        "deadline_time": dt.time(9, 0), "skip_weekends": True, "is_active": True}), True


def _reports(author: User, reviewer: User | None) -> int:
    made = 0
    days = _working_days_before(today_for(author), 3)
    for index, day in enumerate(reversed(days)):
        if SalesReport.objects.filter(author=author, kind=ReportKind.DAILY, period_start=day).exists():
            continue
        with transaction.atomic():
            report = services.report_create(by=author, kind=ReportKind.DAILY, day=day, data={
                "done": DONE[index % len(DONE)], "plans": PLANS[index % len(PLANS)], "problems": ""})
            report = services.report_submit(report=report, by=author)
            if index == 0 and reviewer is not None:
                services.report_review(report=report, by=reviewer, comment="辛苦了，报价要跟紧。")
        made += 1
    start, _end = period_for(ReportKind.WEEKLY, today_for(author))
    if not SalesReport.objects.filter(author=author, kind=ReportKind.WEEKLY, period_start=start).exists():
        services.report_create(by=author, kind=ReportKind.WEEKLY, day=start, data={
            "done": "本周：" + DONE[0], "plans": "下周：" + PLANS[1]})
        made += 1
    return made


def _urges(manager: User, rep: User) -> int:
    made = 0
    customer = Customer.objects.filter(owner=rep).order_by("id").first()
    opportunity = Opportunity.objects.filter(owner=rep, status="open").order_by("id").first()
    for what, target in URGES:
        record = opportunity if target == "opportunity" else customer
        if record is None:
            continue
        customer_id = record.customer_id if target == "opportunity" else record.pk
        if Urge.objects.filter(customer_id=customer_id, what=what).exists():
            continue
        if not services.urge_allowed(by=manager, record=record):
            continue
        data: dict[str, Any] = {target or "customer": record, "what": what,
                                "due_at": timezone.now() + dt.timedelta(days=3)}
        with transaction.atomic():
            urge = services.urge_create(by=manager, data=data)
            if target == "opportunity":
                services.urge_answer(urge=urge, by=rep, answer="已约客户下周二做技术交流。")
        made += 1
    return made


def demo_load(*, stdout=None) -> dict:
    """Load the demo rule, reports and urges; returns what was created."""
    users = {u.username: u for u in User.objects.filter(username__in=["admin", "manager", "sales", "sales2",
                                                                       "director"])}
    result = {"rules": 0, "reports": 0, "urges": 0}
    admin = users.get("admin")
    if admin is None:
        _write(stdout, "sales reports: the demo users are missing; nothing loaded")
        return result
    _rule_obj, created = _rule(admin)
    result["rules"] = int(created)
    if "sales" in users:
        result["reports"] += _reports(users["sales"], users.get("manager"))
    if "sales2" in users:
        result["reports"] += _reports(users["sales2"], users.get("director"))
    if "manager" in users and "sales" in users:
        result["urges"] = _urges(users["manager"], users["sales"])
    _write(stdout, f"sales reports: {result['rules']} rule, {result['reports']} reports, "
                   f"{result['urges']} urges created")
    return result
