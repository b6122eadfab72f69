"""Demo leads for the demo sales users, written through the lead services.

Deterministic (seeded) and idempotent: a lead is looked up by company and contact name (recycle bin
included) before it is created, so a second run creates nothing. One lead repeats an existing demo
customer and its contact, so the conversion wizard has a duplicate to show."""

from __future__ import annotations

import random

from django.db import transaction

from forpcrm.customers.models import Contact
from forpcrm.org.models import User

from .models import Lead, LeadStatus
from .services import lead_create, lead_disqualify, lead_update

SEED = 20240520
COUNT = 30
ROLES = ("sales_rep", "sales_manager", "sales_director")
CITIES = [("上海市", "上海市"), ("北京市", "北京市"), ("广东省", "深圳市"), ("浙江省", "杭州市"), ("江苏省", "苏州市"),
          ("四川省", "成都市"), ("湖北省", "武汉市")]
WORDS = ["云启", "华信", "博远", "恒通", "瑞丰", "锦程", "泰和", "新锐", "德盛", "联创", "海川", "星辰", "汇智", "安拓", "金桥"]
TRADES = [("软件", "software"), ("智能制造", "manufacturing"), ("贸易", "trade"), ("医疗科技", "medical"),
          ("物流", "logistics"), ("教育科技", "education")]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平"]
TITLES = ["采购经理", "信息部主管", "总经理", "技术总监", "行政主管"]
SOURCES = ["website", "exhibition", "referral", "cold_call", "advertising", "partner"]
NEEDS = ["希望了解 CRM 系统的报价与实施周期。", "现有系统需要升级，关注数据迁移。", "展会上留下名片，需要产品演示。",
         "合作伙伴推荐，预算已批。", "官网留言咨询移动端功能。"]
STATUSES = [LeadStatus.NEW, LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.NEW,
            LeadStatus.CONTACTED]


def demo_owners() -> list[User]:
    return list(User.objects.filter(is_active=True, roles__code__in=ROLES).distinct().order_by("id"))


def demo_rows(count: int = COUNT, seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    rows, used = [], set()
    while len(rows) < count:
        word = rng.choice(WORDS)
        trade, industry = rng.choice(TRADES)
        province, city = rng.choice(CITIES)
        company = f"{city.removesuffix('市')}{word}{trade}有限公司"
        if company in used:
            continue
        used.add(company)
        person = rng.choice(SURNAMES) + rng.choice(GIVEN)
        index = len(rows)
        rows.append({
            "company_name": company, "contact_name": person, "title": rng.choice(TITLES),
            "mobile": f"139{rng.randint(10000000, 99999999)}", "email": f"lead{index + 1:02d}@example.com",
            "province": province, "city": city, "source": rng.choice(SOURCES), "industry": industry,
            "requirement": rng.choice(NEEDS), "estimated_amount": str(rng.randint(5, 80) * 10000),
            "status": STATUSES[index % len(STATUSES)],
        })
    return rows


def _duplicate_row() -> dict | None:
    """A lead for the first owned demo customer that has a contact with an e-mail (a known duplicate)."""
    contact = (Contact.objects.filter(customer__owner__isnull=False, customer__deleted_at__isnull=True)
               .exclude(email="").select_related("customer", "customer__owner").order_by("customer_id", "id").first())
    if contact is None:
        return None
    return {"company_name": contact.customer.name, "contact_name": contact.name, "email": contact.email,
            "mobile": contact.mobile, "title": contact.title, "source": "website", "status": LeadStatus.NEW,
            "requirement": "再次咨询：与现有客户重复，转化时应提示已有客户与联系人。",
            "_owner": contact.customer.owner}


@transaction.atomic
def demo_load(*, stdout=None) -> dict:
    """Create ~30 leads for the demo sales users (one a duplicate of an existing demo customer);
    returns counts."""
    owners = demo_owners()
    created = {"leads": 0, "kept": 0}
    if not owners:
        if stdout is not None:
            stdout.write("leads demo: no sales users, nothing created\n")
        return created
    rows = demo_rows()
    duplicate = _duplicate_row()
    if duplicate is not None:
        rows.append(duplicate)
    for index, row in enumerate(rows):
        row = dict(row)
        owner = row.pop("_owner", None) or owners[index % len(owners)]
        if not owner.is_active:
            owner = owners[index % len(owners)]
        if Lead.all_objects.filter(company_name=row["company_name"], contact_name=row["contact_name"]).exists():
            created["kept"] += 1
            continue
        status = row.pop("status")
        lead = lead_create(by=owner, data=row)
        if status != LeadStatus.NEW:
            lead_update(lead=lead, by=owner, data={"status": status})
        if index % 10 == 9:
            lead_disqualify(lead=lead, by=owner, reason="暂无预算")
        created["leads"] += 1
    if stdout is not None:
        stdout.write(f"leads demo: {created['leads']} leads created, {created['kept']} kept\n")
    return created
