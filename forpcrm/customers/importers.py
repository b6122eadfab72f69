"""Import definitions for customers and contacts, registered with the generic engine.

Everything is written through the customer services (customer_create / customer_update /
contact_create / contact_update) so validation, history, duplicate checks and scope rules are the
same as on the pages and the API.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forpcrm.core.phones import phone_key
from forpcrm.customfields import registry as customfields
from forpcrm.customfields.models import Entity, PicklistKind, PicklistOption
from forpcrm.imports.engine import BatchOutcome, EntityDefinition, ImportResult, Match, RowIssue, register
from forpcrm.imports.fields import FieldSpec, ImportContext
from forpcrm.imports.models import ImportMode
from forpcrm.org.access import has_perm
from forpcrm.org.models import Action, Module

from .models import Contact, Customer, CustomerStatus, Gender
from .normalize import credit_code_clean, email_key, name_key
from .services import (
    DuplicatesFound,
    contact_create,
    contact_matches,
    contact_update,
    customer_create,
    customer_duplicates,
    customer_transfer,
    customer_update,
)
from .services.batch import MATCH_KEYS, BatchAbort, customers_create_batch

STATUS_ALIASES = {
    CustomerStatus.PROSPECT: ["潜在客户", "潜在", "prospect"],
    CustomerStatus.IN_PROGRESS: ["跟进中", "进行中", "in progress"],
    CustomerStatus.WON: ["已成交", "成交", "won"],
    CustomerStatus.LOST: ["已流失", "流失", "lost"],
    CustomerStatus.INACTIVE: ["无效", "休眠", "inactive"],
}
GENDER_ALIASES = {Gender.MALE: ["男", "m", "male", "先生"], Gender.FEMALE: ["女", "f", "female", "女士"]}


def picklist_choices(kind: str):
    def choices(ctx: ImportContext) -> list[tuple[str, list[str]]]:
        return [(o.value, [o.label, o.label_en]) for o in PicklistOption.objects.filter(kind=kind, is_active=True)]
    return choices


def _static_choices(enum, aliases: dict) -> Any:
    def choices(ctx: ImportContext) -> list[tuple[str, list[str]]]:
        return [(value, [str(label), *aliases.get(value, [])]) for value, label in enum.choices if value]
    return choices


def custom_specs(entity: str) -> list[FieldSpec]:
    specs = []
    for definition in customfields.definitions_for(entity):
        def parse(value, ctx, definition=definition):
            return customfields.clean_value(definition, value, date_order=ctx.date_order)

        specs.append(FieldSpec(f"custom.{definition.code}", definition.display_label, kind="custom", parse=parse,
                               required=definition.required and definition.default in (None, ""),
                               aliases=tuple(a for a in (definition.label, definition.label_en, definition.code) if a)))
    return specs


def _tags(value: Any, ctx: ImportContext) -> list[str]:
    text = str(value).replace("，", ",").replace("；", ",").replace(";", ",").replace("、", ",")
    return [t.strip() for t in text.split(",") if t.strip()]


def customer_fields() -> list[FieldSpec]:
    return [
        FieldSpec("name", gettext_lazy("customer name"), required=True, max_length=200,
                  aliases=("name", "客户名称", "客户", "公司名称", "公司", "企业名称", "单位名称", "account", "company",
                           "customer", "company name", "account name")),
        FieldSpec("short_name", gettext_lazy("short name"), max_length=100, aliases=("简称", "客户简称")),
        FieldSpec("credit_code", gettext_lazy("unified social credit code"), max_length=18,
                  aliases=("统一社会信用代码", "信用代码", "社会信用代码", "credit code", "uscc")),
        FieldSpec("industry", gettext_lazy("industry"), kind="choice", choices=picklist_choices(PicklistKind.INDUSTRY),
                  aliases=("行业", "所属行业", "sector")),
        FieldSpec("source", gettext_lazy("source"), kind="choice", choices=picklist_choices(PicklistKind.SOURCE),
                  aliases=("来源", "客户来源", "lead source")),
        FieldSpec("level", gettext_lazy("level"), kind="choice", choices=picklist_choices(PicklistKind.LEVEL),
                  aliases=("级别", "客户级别", "等级", "客户等级", "grade")),
        FieldSpec("status", gettext_lazy("status"), kind="choice", choices=_static_choices(CustomerStatus, STATUS_ALIASES),
                  aliases=("状态", "客户状态")),
        FieldSpec("country", gettext_lazy("country"), max_length=60, aliases=("国家", "国家地区", "location")),
        FieldSpec("province", gettext_lazy("province"), max_length=40, aliases=("省份", "省", "省/直辖市")),
        FieldSpec("city", gettext_lazy("city"), max_length=40, aliases=("城市", "市")),
        FieldSpec("district", gettext_lazy("district"), max_length=40, aliases=("区县", "区", "县区")),
        FieldSpec("address", gettext_lazy("address"), max_length=255, aliases=("地址", "详细地址", "公司地址")),
        FieldSpec("website", gettext_lazy("website"), kind="url", aliases=("网址", "网站", "公司网站", "web", "url")),
        FieldSpec("phone", gettext_lazy("phone"), kind="phone", max_length=40,
                  aliases=("电话", "公司电话", "座机", "总机", "telephone", "tel")),
        FieldSpec("email", gettext_lazy("e-mail"), kind="email", aliases=("邮箱", "电子邮件", "电子邮箱", "email", "mail")),
        FieldSpec("founded_year", gettext_lazy("year founded"), kind="year",
                  aliases=("成立年份", "成立时间", "year established", "founded")),
        FieldSpec("revenue", gettext_lazy("annual revenue (millions)"), kind="decimal",
                  aliases=("年营业额", "营业额", "年收入", "营收", "revenue")),
        FieldSpec("employees", gettext_lazy("employees"), kind="integer", aliases=("员工人数", "员工数", "人数", "staff")),
        FieldSpec("credit_limit", gettext_lazy("credit limit"), kind="money", aliases=("信用额度", "授信额度")),
        FieldSpec("parent", gettext_lazy("parent company"), max_length=200,
                  aliases=("上级公司", "母公司", "所属集团", "上级单位", "parent", "subsidiary of")),
        FieldSpec("owner", gettext_lazy("owner"), kind="user", aliases=("负责人", "所有人", "客户负责人", "归属人", "销售")),
        FieldSpec("tags", gettext_lazy("tags"), kind="custom", parse=_tags, aliases=("标签", "tag")),
        FieldSpec("remarks", gettext_lazy("remarks"), aliases=("备注", "说明", "notes", "note")),
        FieldSpec("contact_name", gettext_lazy("contact name"), max_length=100,
                  aliases=("联系人", "联系人姓名", "contact")),
        FieldSpec("contact_mobile", gettext_lazy("contact mobile"), kind="phone", max_length=40,
                  aliases=("手机", "手机号", "手机号码", "联系人手机", "mobile")),
        FieldSpec("contact_email", gettext_lazy("contact e-mail"), kind="email", aliases=("联系人邮箱",)),
        FieldSpec("contact_title", gettext_lazy("contact job title"), max_length=100, aliases=("职务", "职位", "联系人职务")),
    ]


CONTACT_KEYS = {"contact_name": "name", "contact_mobile": "mobile", "contact_email": "email", "contact_title": "title"}
_SKIP_KEYS = {"owner", "parent", *CONTACT_KEYS}


def _same(model, key: str, current: Any, new: Any) -> bool:
    field = model._meta.get_field(key)
    if isinstance(field, models.CharField | models.TextField):
        return (current or "") == (new or "")
    if current is None or new is None:
        return current is None and new is None
    try:
        return field.to_python(current) == field.to_python(new)
    except ValidationError:
        return False


def _custom_changes(record, values: dict[str, Any]) -> dict[str, Any]:
    current = record.custom or {}
    return {code: value for code, value in values.items() if current.get(code) != value}


def _split_custom(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    plain, custom = {}, {}
    for key, value in values.items():
        if key.startswith("custom."):
            custom[key.removeprefix("custom.")] = value
        else:
            plain[key] = value
    return plain, custom


def _editable(model, record, ctx: ImportContext) -> bool:
    return model.objects.editable_by(ctx.user).filter(pk=record.pk).exists()


def customer_by_name(text: str, ctx: ImportContext) -> Customer | None:
    """A visible customer by exact name, else by normalised name; several → ValueError."""
    visible = Customer.objects.visible_to(ctx.user)
    found = list(visible.filter(name=text).order_by("id")[:2]) or list(
        visible.filter(name_key=name_key(text)).order_by("id")[:2])
    if len(found) > 1:
        raise ValueError(_("More than one customer is called “%(name)s”.") % {"name": text})
    return found[0] if found else None


class CustomerDefinition(EntityDefinition):
    name = "customers"
    label = gettext_lazy("Customers")
    module = Module.CUSTOMERS
    match_fields = [("credit_code", gettext_lazy("credit code")), ("name", gettext_lazy("name")),
                    ("phone", gettext_lazy("phone")), ("email", gettext_lazy("e-mail"))]
    default_match_on = ["credit_code", "name"]
    order = 10

    def fields(self, ctx: ImportContext) -> list[FieldSpec]:
        return [*customer_fields(), *custom_specs(Entity.CUSTOMER)]

    def find(self, values: dict[str, Any], ctx: ImportContext) -> Match | None:
        qs = Customer.objects.all()
        for key in ctx.match_on:
            value = values.get(key)
            if not value:
                continue
            if key == "credit_code":
                found = qs.filter(credit_code=credit_code_clean(value))
            elif key == "name":
                found = qs.filter(name_key=name_key(value))
            elif key == "phone":
                if not phone_key(value):
                    continue
                found = qs.filter(phone_key=phone_key(value))
            elif key == "email":
                found = qs.filter(email__iexact=email_key(value))
            else:
                continue
            records = list(found.select_related("owner").order_by("id")[:3])
            if len(records) > 1:
                raise ValueError(_("Matches several customers: %(names)s.") % {"names": "、".join(r.name for r in records)})
            if records:
                record = records[0]
                return Match(record, record.name, editable=_editable(Customer, record, ctx))
        return None

    def duplicates(self, values: dict[str, Any], ctx: ImportContext) -> list[str]:
        matches = customer_duplicates(data={k: values.get(k) for k in ("name", "credit_code", "phone", "email")},
                                      user=ctx.user)
        return [f"{m.name} ({m.owner_name or _('pool')}: {', '.join(m.reason_labels)})" for m in matches]

    def _data(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        plain, custom = _split_custom(values)
        data = {k: v for k, v in plain.items() if k not in _SKIP_KEYS}
        if data.get("credit_code"):
            data["credit_code"] = credit_code_clean(data["credit_code"])
        return data, custom

    def _parent(self, values: dict[str, Any], ctx: ImportContext):
        name = values.get("parent")
        if not name:
            return None, ""
        if name == values.get("name"):
            raise ValidationError({"parent": [_("A customer cannot be its own parent company.")]})
        return customer_by_name(name, ctx), name

    def create(self, values: dict[str, Any], ctx: ImportContext) -> Customer:
        data, custom = self._data(values)
        if custom:
            data["custom"] = custom
        parent, parent_name = self._parent(values, ctx)
        if parent is not None:
            data["parent"] = parent
        owner = self._owner(values, ctx)
        try:
            customer = customer_create(by=ctx.user, data=data, owner=owner, confirm_duplicates=False)
        except DuplicatesFound as exc:
            ctx.warn("name", _("Possible duplicate of %(names)s; created anyway.")
                     % {"names": "、".join(m.name for m in exc.matches)})
            customer = customer_create(by=ctx.user, data=data, owner=owner, confirm_duplicates=True)
        self._contact(customer, values, ctx)
        if parent_name and parent is None:
            ctx.deferred.append({"row": ctx.cache.get("row"), "customer_id": customer.pk, "parent": parent_name})
        return customer

    def _owner(self, values: dict[str, Any], ctx: ImportContext):
        owner = values.get("owner")
        if owner is None:
            owner = None if ctx.options.get("owner_default") == "pool" else ctx.user
        return owner

    def create_batch(self, items: list[tuple[int, dict[str, Any]]], ctx: ImportContext) -> list[BatchOutcome] | None:
        """Create mode (and create-or-update when nothing matches): the whole batch through
        customers_create_batch. Parent companies, contact columns, update mode and e-mail matching
        go row by row."""
        if ctx.mode not in (ImportMode.CREATE, ImportMode.UPSERT) or any(k not in MATCH_KEYS for k in ctx.match_on):
            return None
        rows, owners = [], []
        for _row, values in items:
            if values.get("parent") or any(values.get(k) not in (None, "") for k in CONTACT_KEYS):
                return None
            data, custom = self._data(values)
            if custom:
                data["custom"] = custom
            rows.append(data)
            owners.append(self._owner(values, ctx))
        try:
            results = customers_create_batch(
                by=ctx.user, rows=rows, owners=owners, confirm_duplicates=True, match_on=ctx.match_on,
                on_existing="skip" if ctx.mode == ImportMode.CREATE else "abort")
        except BatchAbort:
            return None
        outcomes: list[BatchOutcome] = []
        for item in results:
            if item.error is not None:
                outcomes.append((item.error, []))
            elif item.existing:
                outcomes.append(("skipped:" + _("Already exists: “%(name)s”.") % {"name": item.existing}, []))
            elif item.duplicates:
                outcomes.append(("created", [("name", _("Possible duplicate of %(names)s; created anyway.")
                                              % {"names": "、".join(m.name for m in item.duplicates)})]))
            else:
                outcomes.append(("created", []))
        return outcomes

    def update(self, match: Match, values: dict[str, Any], ctx: ImportContext) -> bool:
        customer: Customer = match.record
        data, custom = self._data(values)
        changed = {k: v for k, v in data.items() if k != "tags" and not _same(Customer, k, getattr(customer, k), v)}
        if "tags" in data and sorted(data["tags"]) != sorted(t.name for t in customer.tags.all()):
            changed["tags"] = data["tags"]
        custom_changed = _custom_changes(customer, custom)
        if custom_changed:
            changed["custom"] = custom_changed
        parent, parent_name = self._parent(values, ctx)
        if parent is not None and parent.pk != customer.parent_id:
            changed["parent"] = parent
        did_change = bool(changed)
        if changed:
            customer = customer_update(customer=customer, by=ctx.user, data=changed, expected_version=customer.version)
        owner = values.get("owner")
        if owner is not None and owner.pk != customer.owner_id:
            customer_transfer(customer=customer, to=owner, by=ctx.user, reason=_("import"))
            did_change = True
        did_change = self._contact(customer, values, ctx) or did_change
        if parent_name and parent is None:
            ctx.deferred.append({"row": ctx.cache.get("row"), "customer_id": customer.pk, "parent": parent_name})
        return did_change

    def _contact(self, customer: Customer, values: dict[str, Any], ctx: ImportContext) -> bool:
        """The optional contact columns of a customer file create or update one contact."""
        data = {CONTACT_KEYS[k]: values[k] for k in CONTACT_KEYS if values.get(k) not in (None, "")}
        if not data:
            return False
        if "name" not in data:
            raise ValidationError({"contact_name": [_("A contact needs a name.")]})
        if not has_perm(ctx.user, Module.CONTACTS, Action.CREATE):
            ctx.warn("contact_name", _("Contact columns were ignored: you may not create contacts."))
            return False
        matches = [m for m in contact_matches(customer=customer, phone=data.get("mobile"), email=data.get("email"),
                                              name=data["name"]) if m.contact_id and m.is_certain]
        if not matches:
            contact_create(by=ctx.user, customer=customer, data=data)
            return True
        contact = Contact.objects.get(pk=matches[0].contact_id)
        changed = {k: v for k, v in data.items() if not _same(Contact, k, getattr(contact, k), v)}
        if changed:
            contact_update(contact=contact, by=ctx.user, data=changed, expected_version=contact.version)
        return bool(changed)

    def finish(self, ctx: ImportContext, result: ImportResult) -> None:
        """Second pass: parent companies named by rows further down the file."""
        header = ctx.cache.get("headers", {}).get("parent", "parent")
        for item in ctx.deferred:
            customer = Customer.objects.filter(pk=item["customer_id"]).first()
            if customer is None:
                continue
            try:
                parent = customer_by_name(item["parent"], ctx)
            except ValueError as exc:
                result.warnings.append(RowIssue(item["row"] or 0, header, str(exc)))
                continue
            if parent is None:
                result.warnings.append(RowIssue(
                    item["row"] or 0, header,
                    _("Parent company “%(name)s” is not a customer you can see; the parent was left empty.")
                    % {"name": item["parent"]}))
                continue
            if parent.pk == customer.pk:
                continue
            customer_update(customer=customer, by=ctx.user, data={"parent": parent}, expected_version=customer.version)
        if ctx.deferred:
            ctx.notes.append(_("%(n)d parent companies were resolved after all rows were read.") % {"n": len(ctx.deferred)})


def contact_fields() -> list[FieldSpec]:
    return [
        FieldSpec("customer", gettext_lazy("customer"), kind="fk", lookup=lambda text, ctx: _customer_lookup(text, ctx),
                  aliases=("customer name", "客户", "客户名称", "公司", "公司名称", "所属客户", "company", "account")),
        FieldSpec("name", gettext_lazy("name"), required=True, max_length=100,
                  aliases=("姓名", "联系人", "联系人姓名", "contact", "contact name")),
        FieldSpec("gender", gettext_lazy("gender"), kind="choice", choices=_static_choices(Gender, GENDER_ALIASES),
                  aliases=("性别", "sex")),
        FieldSpec("title", gettext_lazy("job title"), max_length=100, aliases=("职务", "职位", "title", "position")),
        FieldSpec("department_name", gettext_lazy("department"), max_length=100, aliases=("部门", "所在部门")),
        FieldSpec("mobile", gettext_lazy("mobile"), kind="phone", max_length=40,
                  aliases=("手机", "手机号", "手机号码", "移动电话", "cell", "cellphone")),
        FieldSpec("office_phone", gettext_lazy("office phone"), kind="phone", max_length=40,
                  aliases=("办公电话", "座机", "固话", "工作电话", "telephone")),
        FieldSpec("phone", gettext_lazy("any phone (match)"), kind="phone", max_length=40,
                  aliases=("电话", "联系电话", "phone", "tel")),
        FieldSpec("email", gettext_lazy("e-mail"), kind="email", aliases=("邮箱", "电子邮件", "电子邮箱", "email", "mail")),
        FieldSpec("wechat", gettext_lazy("WeChat"), max_length=60, aliases=("微信", "微信号", "wechat")),
        FieldSpec("birthday", gettext_lazy("birthday"), kind="date", aliases=("生日", "出生日期")),
        FieldSpec("decision_role", gettext_lazy("decision role"), kind="choice",
                  choices=picklist_choices(PicklistKind.DECISION_ROLE), aliases=("决策角色", "角色")),
        FieldSpec("is_primary", gettext_lazy("primary contact"), kind="bool", aliases=("主联系人", "首要联系人", "primary")),
        FieldSpec("remarks", gettext_lazy("remarks"), aliases=("备注", "说明", "notes")),
        *custom_specs(Entity.CONTACT),
    ]


def _customer_lookup(text: str, ctx: ImportContext) -> Customer:
    customer = customer_by_name(text, ctx)
    if customer is None:
        raise ValueError(_("No customer “%(name)s” that you can see.") % {"name": text})
    return customer


def _is_mobile(key: str) -> bool:
    return key.startswith("+861") and len(key) == 14


class ContactDefinition(EntityDefinition):
    name = "contacts"
    label = gettext_lazy("Contacts")
    module = Module.CONTACTS
    match_fields = [("phone", gettext_lazy("phone")), ("email", gettext_lazy("e-mail")), ("name", gettext_lazy("name"))]
    default_match_on = ["phone", "email"]
    order = 20

    def fields(self, ctx: ImportContext) -> list[FieldSpec]:
        return contact_fields()

    def find(self, values: dict[str, Any], ctx: ImportContext) -> Match | None:
        customer = values.get("customer")
        phones = [values.get(k) for k in ("mobile", "office_phone", "phone") if values.get(k)]
        for key in ctx.match_on:
            candidates = []
            if key == "phone":
                for phone in phones:
                    candidates += contact_matches(customer=customer, phone=phone)
            elif key == "email" and values.get("email"):
                candidates = contact_matches(customer=customer, email=values["email"])
            elif key == "name" and values.get("name") and customer is not None:
                candidates = contact_matches(customer=customer, name=values["name"])
            for warning in {m.warning for m in candidates if m.warning}:
                ctx.warn("phone", warning)
            ids = sorted({m.contact_id for m in candidates if m.contact_id and m.is_certain})
            if len(ids) > 1:
                names = "、".join(Contact.objects.filter(pk__in=ids).values_list("name", flat=True))
                raise ValueError(_("Matches several contacts: %(names)s.") % {"names": names})
            if ids:
                contact = Contact.objects.select_related("customer").get(pk=ids[0])
                label = f"{contact.name} ({contact.customer.name})"
                return Match(contact, label, editable=_editable(Contact, contact, ctx))
        return None

    def _data(self, values: dict[str, Any], contact: Contact | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        plain, custom = _split_custom(values)
        data = {k: v for k, v in plain.items() if k not in ("customer", "phone")}
        phone = plain.get("phone")
        key = phone_key(phone) if phone else ""
        if key and (contact is None or key not in (contact.mobile_key, contact.office_key)):
            target = "mobile" if _is_mobile(key) else "office_phone"
            if not data.get(target) and (contact is None or not getattr(contact, target)):
                data[target] = phone
        elif phone and not key and contact is None and not data.get("mobile"):
            data["mobile"] = phone
        return data, custom

    def create(self, values: dict[str, Any], ctx: ImportContext) -> Contact:
        customer = values.get("customer")
        if customer is None:
            raise ValidationError({"customer": [_("A new contact needs its customer.")]})
        data, custom = self._data(values)
        if custom:
            data["custom"] = custom
        return contact_create(by=ctx.user, customer=customer, data=data)

    def update(self, match: Match, values: dict[str, Any], ctx: ImportContext) -> bool:
        contact: Contact = match.record
        data, custom = self._data(values, contact)
        changed = {k: v for k, v in data.items() if not _same(Contact, k, getattr(contact, k), v)}
        custom_changed = _custom_changes(contact, custom)
        if custom_changed:
            changed["custom"] = custom_changed
        if not changed:
            return False
        contact_update(contact=contact, by=ctx.user, data=changed, expected_version=contact.version)
        return True


register(CustomerDefinition())
register(ContactDefinition())
