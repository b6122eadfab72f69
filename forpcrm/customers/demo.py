"""Demo data of the customers domain, registered as steps of ``forpcrm demo`` (imports.demo_load).

Everything is deterministic (a seeded random generator) and idempotent: picklist values, the
default pool rule and generated customers are looked up before they are created, so a second run
creates nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from pypinyin import lazy_pinyin

from forpcrm.customfields.models import PicklistOption
from forpcrm.customfields.services import picklist_option_create
from forpcrm.imports.engine import register_demo_step

from .models import Customer, CustomerStatus, PoolRule
from .normalize import credit_code_check_digit, credit_code_clean, name_key
from .services import contact_create, customer_create, customer_release, team_member_add

SEED = 20240501

PICKLISTS: dict[str, list[tuple[str, str, str]]] = {
    "industry": [
        ("technology", "科技", "Technology"), ("software", "软件", "Software"), ("manufacturing", "制造业", "Manufacturing"),
        ("trade", "贸易", "Trade"), ("retail", "零售", "Retail"), ("medical", "医疗", "Medical"),
        ("finance", "金融", "Finance"), ("telecommunications", "通信", "Telecommunications"),
        ("marketing", "营销", "Marketing"), ("entertainment", "文化娱乐", "Entertainment"),
        ("employment", "人力资源", "Employment"), ("services", "服务业", "Services"), ("logistics", "物流", "Logistics"),
        ("energy", "能源", "Energy"), ("construction", "建筑工程", "Construction"), ("education", "教育", "Education"),
    ],
    "source": [
        ("referral", "客户转介绍", "Referral"), ("website", "官网咨询", "Website"), ("exhibition", "展会", "Trade show"),
        ("cold_call", "电话开发", "Cold call"), ("partner", "合作伙伴", "Partner"), ("advertising", "广告", "Advertising"),
        ("other", "其他", "Other"),
    ],
    "level": [("A", "A（重点客户）", "A (key account)"), ("B", "B（普通客户）", "B (regular)"),
              ("C", "C（潜力客户）", "C (potential)"), ("D", "D（低价值）", "D (low value)")],
    "decision_role": [
        ("decision_maker", "决策者", "Decision maker"), ("influencer", "影响者", "Influencer"), ("user", "使用者", "User"),
        ("technical", "技术评估", "Technical evaluator"), ("finance", "财务审批", "Financial approver"),
        ("gatekeeper", "把关者", "Gatekeeper"),
    ],
    "release_reason": [
        ("no_need", "暂无需求", "No need for now"), ("unreachable", "长期联系不上", "Unreachable"),
        ("competitor", "已选择竞品", "Chose a competitor"), ("duplicate", "重复客户", "Duplicate"),
        ("other", "其他原因", "Other"),
    ],
}

# (province, city, short name, area code, division code, districts)
REGIONS = [
    ("北京市", "北京市", "北京", "010", "110108", ["海淀区", "朝阳区", "东城区", "丰台区"]),
    ("上海市", "上海市", "上海", "021", "310115", ["浦东新区", "徐汇区", "静安区", "闵行区"]),
    ("浙江省", "杭州市", "杭州", "0571", "330106", ["西湖区", "滨江区", "余杭区", "拱墅区"]),
    ("广东省", "深圳市", "深圳", "0755", "440305", ["南山区", "福田区", "宝安区", "龙岗区"]),
    ("广东省", "广州市", "广州", "020", "440106", ["天河区", "海珠区", "番禺区", "黄埔区"]),
    ("江苏省", "南京市", "南京", "025", "320106", ["鼓楼区", "玄武区", "江宁区", "建邺区"]),
    ("江苏省", "苏州市", "苏州", "0512", "320505", ["工业园区", "姑苏区", "吴中区", "虎丘区"]),
    ("四川省", "成都市", "成都", "028", "510107", ["武侯区", "锦江区", "高新区", "青羊区"]),
    ("湖北省", "武汉市", "武汉", "027", "420111", ["洪山区", "江汉区", "武昌区", "东湖高新区"]),
    ("陕西省", "西安市", "西安", "029", "610113", ["雁塔区", "碑林区", "未央区", "长安区"]),
    ("山东省", "青岛市", "青岛", "0532", "370202", ["市南区", "崂山区", "黄岛区", "李沧区"]),
    ("福建省", "厦门市", "厦门", "0592", "350203", ["思明区", "湖里区", "集美区", "海沧区"]),
    ("天津市", "天津市", "天津", "022", "120116", ["滨海新区", "和平区", "南开区", "河西区"]),
    ("重庆市", "重庆市", "重庆", "023", "500112", ["渝北区", "江北区", "九龙坡区", "南岸区"]),
]
WORDS = ["华信", "博远", "启明", "星辰", "中科", "恒通", "鼎盛", "瑞丰", "汇智", "金桥", "蓝海", "天元", "云帆", "卓越",
         "安泰", "宏图", "新锐", "正泰", "联创", "海川", "同辉", "九洲", "万象", "长青", "明德", "创维", "思源", "凯达",
         "远航", "嘉禾"]
BUSINESSES = [("科技", "technology"), ("信息技术", "technology"), ("软件", "software"), ("贸易", "trade"),
              ("制造", "manufacturing"), ("电子", "manufacturing"), ("物流", "logistics"), ("医疗器械", "medical"),
              ("新能源", "energy"), ("建设工程", "construction"), ("教育科技", "education"), ("商贸", "trade")]
SUFFIXES = ["有限公司", "有限公司", "有限公司", "股份有限公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红建国志强晓东海燕婷宇浩然子涵欣怡思远雨泽嘉怡"
TITLES = [("总经理", "decision_maker"), ("副总经理", "decision_maker"), ("采购经理", "influencer"),
          ("技术总监", "technical"), ("IT经理", "technical"), ("财务总监", "finance"), ("行政主管", "gatekeeper"),
          ("项目经理", "user"), ("运营经理", "user"), ("市场总监", "influencer")]
MOBILE_PREFIXES = ["138", "139", "137", "136", "135", "150", "151", "158", "186", "188", "189", "177"]
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code(rng: random.Random) -> str:
    """A 9-character organisation code (GB 11714) with its check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    check = 11 - sum(int(ch) * w for ch, w in zip(body, ORG_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng: random.Random, division: str) -> str:
    """A unified social credit code (GB 32100-2015) with a valid final check character."""
    first17 = "91" + division + org_code(rng)
    return first17 + credit_code_check_digit(first17)


def picklists_install(*, by) -> int:
    """Install the standard list values (Chinese and English labels); existing values are kept."""
    created = 0
    existing = set(PicklistOption.objects.values_list("kind", "value"))
    for kind, options in PICKLISTS.items():
        for order, (value, label, label_en) in enumerate(options):
            if (kind, value) not in existing:
                picklist_option_create(by=by, kind=kind, value=value,
                                       data={"label": label, "label_en": label_en, "sort_order": order * 10})
                created += 1
    return created


def default_pool_rule_install() -> bool:
    """The company-wide default rule (empty level): 30 days without follow-up, 90 without a won deal."""
    # No pool-rule service exists yet; this is configuration data, created once.
    _rule, created = PoolRule.objects.get_or_create(level="", defaults={
        "days_without_followup": 30, "days_without_won": 90, "exempt_won_customers": True,
        "reclaim_block_days": 7, "warn_days_before": 3,
    })
    return created


def _person(rng: random.Random, used: set[str]) -> tuple[str, str, str]:
    while True:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        mobile = rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))
        if mobile not in used:
            used.add(mobile)
            return name, mobile, rng.choice(("male", "female"))


def companies(count: int = 300, seed: int = SEED) -> list[dict[str, Any]]:
    """The generated companies with their contacts, always the same for the same seed."""
    rng = random.Random(seed)
    names: set[str] = set()
    mobiles: set[str] = set()
    result = []
    while len(result) < count:
        province, city, short, area, division, districts = rng.choice(REGIONS)
        business, industry = rng.choice(BUSINESSES)
        name = short + rng.choice(WORDS) + business + rng.choice(SUFFIXES)
        if name in names:
            continue
        names.add(name)
        word_pinyin = "".join(lazy_pinyin(name[len(short):len(short) + 2]))
        contacts = []
        for index in range(rng.choice((1, 2, 2, 3, 3, 3))):
            person, mobile, gender = _person(rng, mobiles)
            title, role = rng.choice(TITLES)
            contacts.append({
                "name": person, "mobile": mobile, "gender": gender, "title": title, "decision_role": role,
                "email": f"{''.join(lazy_pinyin(person))}{index + 1}@{word_pinyin}.example.cn",
                "office_phone": f"{area}-{rng.randint(5000, 8999)} {rng.randint(1000, 9999)}",
                "is_primary": index == 0,
            })
        result.append({
            "name": name, "credit_code": credit_code(rng, division), "industry": industry,
            "level": rng.choice("AABBBCCCD"), "source": rng.choice([o[0] for o in PICKLISTS["source"]]),
            "status": rng.choice([CustomerStatus.PROSPECT, CustomerStatus.IN_PROGRESS, CustomerStatus.IN_PROGRESS,
                                  CustomerStatus.WON, CustomerStatus.LOST]),
            "province": province, "city": city, "district": rng.choice(districts),
            "address": f"{rng.choice(districts)}{rng.choice(['科技园', '创业大道', '人民路', '中山路', '软件园'])}{rng.randint(1, 999)}号",
            "phone": f"{area}-{rng.randint(5000, 8999)} {rng.randint(1000, 9999)}",
            "website": f"https://www.{word_pinyin}{len(result)}.example.cn",
            "employees": rng.choice([15, 30, 60, 120, 250, 500, 1200, 3000]),
            "founded_year": rng.randint(1995, 2022), "contacts": contacts, "pool": rng.random() < 0.1,
        })
    return result


def generated_customers_load(*, by, owners: list, count: int = 300, delivery=None,
                             pool_owners: list | None = None) -> tuple[int, int]:
    """Create the generated companies that do not exist yet (by credit code); owners take turns,
    about one in ten goes to the public pool (``pool_owners`` take turns as its previous owner, its
    department's pool; it entered the pool longer ago than any reclaim block, so that every sales rep
    may claim several pool customers at once), and ``delivery`` joins the team of won customers
    (read-only). Returns (customers created, contacts created)."""
    made_customers = made_contacts = pools = 0
    pool_owners = pool_owners or owners
    block = PoolRule.objects.aggregate(days=Max("reclaim_block_days"))["days"] or 0
    released_at = timezone.now() - dt.timedelta(days=block + 1)
    existing = set(Customer.all_objects.exclude(credit_code="").values_list("credit_code", flat=True))
    for index, company in enumerate(companies(count)):
        if company["credit_code"] in existing:
            continue
        if company["pool"]:
            owner = pool_owners[pools % len(pool_owners)]
            pools += 1
        else:
            owner = owners[index % len(owners)]
        with transaction.atomic():
            data = {k: v for k, v in company.items() if k not in ("contacts", "pool")}
            customer = customer_create(by=by, data=data, owner=owner, confirm_duplicates=True)
            for contact in company["contacts"]:
                contact_create(by=by, customer=customer, data=contact)
                made_contacts += 1
            if company["pool"]:
                customer_release(customer=customer, by=by, reason="暂无需求")
                # Released longer ago than any reclaim block: its previous owner may claim it at once.
                Customer.all_objects.filter(pk=customer.pk).update(pool_entered_at=released_at)
            elif delivery is not None and company["status"] == CustomerStatus.WON:
                team_member_add(customer=customer, user=delivery, can_edit=False, by=by)
        made_customers += 1
    return made_customers, made_contacts


def _step_lists(ctx: dict[str, Any]) -> str:
    created = picklists_install(by=ctx["admin"])
    rule = default_pool_rule_install()
    return f"picklists: {created} values added; default pool rule {'created' if rule else 'kept'}"


def known_customer_rows() -> Any:
    """A test for the demo's Maven load: does this imported row name a customer that exists, in the
    recycle bin included? A re-run then never updates a customer nor re-creates one the user deleted."""
    names = set(Customer.all_objects.values_list("name_key", flat=True))
    codes = set(Customer.all_objects.exclude(credit_code="").values_list("credit_code", flat=True))

    def exists(values: dict[str, str]) -> bool:
        code = credit_code_clean(values.get("credit_code") or "")
        return bool(code and code in codes) or bool(values.get("name") and name_key(values["name"]) in names)

    return exists


def _step_known(ctx: dict[str, Any]) -> str:
    ctx.setdefault("demo_known", {})["customers"] = known_customer_rows()
    return "customers that exist (recycle bin included) are neither updated nor re-created"


def _step_customers(ctx: dict[str, Any]) -> str:
    owners = ctx["owners"]
    users = ctx.get("users", {})
    reps = [users[name] for name in ("sales", "sales2") if name in users]
    customers, contacts = generated_customers_load(by=ctx["admin"], owners=owners, count=ctx.get("count", 300),
                                                   delivery=users.get("delivery"), pool_owners=reps or None)
    return f"generated Chinese customers: {customers} created, {contacts} contacts created"


register_demo_step(10, "lists", _step_lists)
register_demo_step(20, "kept", _step_known)
register_demo_step(50, "customers", _step_customers)
