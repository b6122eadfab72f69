"""Writes of leads (线索): create, update, assign, disqualify, delete, bulk, and the atomic conversion
into customer + contact + opportunity (case C09).

Conversion rules:

- the duplicate check runs **first** and writes nothing: the company through the customers duplicate
  finder (credit code, normalised name, phone, e-mail), the person through the contact matcher (phone,
  e-mail, and the name within each matching company). Records the user may not see are reported with
  name and owner only;
- a side the caller wants to *create* while matches exist is refused with ``ConversionConflicts``
  (both sides reported together) unless ``confirm_duplicates`` is set; *linking* to an existing
  customer needs edit rights on it, an existing contact must belong to the linked customer;
- customer, contact, opportunity and the lead's new state are written in one ``transaction.atomic``:
  a failure at any step (the opportunity insert included) leaves every table as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from forpcrm.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from forpcrm.core.money import AmountTooLargeError, to_money
from forpcrm.core.phones import phone_digits, phone_key
from forpcrm.customers import services as customer_services
from forpcrm.customers.models import Contact, Customer
from forpcrm.customers.normalize import email_key, name_key
from forpcrm.customers.search import pinyin_keys
from forpcrm.customers.services import DuplicateMatch, customer_duplicates
from forpcrm.customfields.selectors import picklist_label
from forpcrm.org.access import has_perm, require_perm
from forpcrm.org.models import Action, Module, User
from forpcrm.sales import services as sales_services

from .models import Lead, LeadStatus

LEADS = Module.LEADS

# Fields a caller may write through lead_create / lead_update.
LEAD_FIELDS = (
    "company_name", "contact_name", "title", "mobile", "phone", "email", "wechat", "province", "city", "address",
    "source", "industry", "requirement", "estimated_amount", "currency", "status",
)
OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
_OWNER_DEFAULT = object()


# --- helpers ---------------------------------------------------------------------------------------

def lead_search_text(lead: Lead) -> str:
    parts = [lead.company_name, *pinyin_keys(lead.company_name), lead.contact_name, *pinyin_keys(lead.contact_name),
             phone_digits(lead.mobile) if lead.mobile else "", phone_digits(lead.phone) if lead.phone else "",
             email_key(lead.email), lead.wechat, lead.city]
    seen: list[str] = []
    for part in parts:
        part = (part or "").strip().lower()
        if part and part not in seen:
            seen.append(part)
    return " | ".join(seen)


def _unknown_keys(data: dict) -> None:
    unknown = sorted(set(data) - set(LEAD_FIELDS))
    if unknown:
        raise ValidationError({key: [_("This field cannot be set here.")] for key in unknown})


def _assign(lead: Lead, data: dict) -> None:
    for key, value in data.items():
        if key == "estimated_amount":
            if value in (None, ""):
                value = None
            else:
                try:
                    value = to_money(value)
                except AmountTooLargeError as exc:
                    raise ValidationError({"estimated_amount": [str(exc)]}) from exc
                except (ValueError, InvalidOperation, TypeError) as exc:
                    raise ValidationError({"estimated_amount": [_("Enter an amount.")]}) from exc
                if value < 0:
                    raise ValidationError({"estimated_amount": [_("The amount may not be negative.")]})
        elif value is None:
            value = ""
        elif isinstance(value, str):
            value = value.strip()
        setattr(lead, key, value)


def _validate(lead: Lead) -> None:
    errors: dict[str, list[str]] = {}
    for key in ("mobile", "phone"):
        raw = getattr(lead, key)
        if raw and not phone_key(raw):
            errors[key] = [_("“%(value)s” is not a phone number.") % {"value": raw}]
    if lead.status == LeadStatus.DISQUALIFIED and not lead.disqualify_reason.strip():
        errors["disqualify_reason"] = [_("Give a reason for disqualifying the lead.")]
    try:
        lead.full_clean(exclude=["search_text", "owner", "department", "converted_customer", "converted_contact",
                                 "converted_opportunity", "converted_by", "created_by", "updated_by", "deleted_by"])
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    lead.search_text = lead_search_text(lead)


def _save(lead: Lead, *, by: User, reason: str = "") -> None:
    lead.version = (lead.version or 0) + 1
    lead.updated_by = by
    lead._history_user = by  # read by django-simple-history
    if reason:
        lead._change_reason = reason[:100]
    lead.save()


def _locked_editable(lead: Lead, by: User) -> Lead:
    current = Lead.objects.editable_by(by).select_for_update().filter(pk=lead.pk).first()
    if current is None:
        raise PermissionDeniedError(_("You may not change this lead."))
    return current


def _check_owner(owner: User | None, by: User) -> None:
    if owner is not None and owner.pk != by.pk and not by.is_superuser and not has_perm(by, LEADS, Action.TRANSFER):
        raise PermissionDeniedError(_("You may not give leads to other users."))
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": [_("The owner must be an active user.")]})


def _notify_assigned(lead: Lead, by: User) -> None:
    if lead.owner_id is None or lead.owner_id == by.pk:
        return
    from django.utils.translation import gettext_noop

    from forpcrm.notifications.messages import message
    from forpcrm.notifications.models import NotificationKind
    from forpcrm.notifications.services import notify

    owner = lead.owner
    title = message(gettext_noop("Lead assigned to you: %(name)s"), name=lead.company_name)
    url = reverse("sales:lead_detail", args=[lead.pk])
    transaction.on_commit(lambda: notify(recipient=owner, kind=NotificationKind.LEAD_ASSIGNED, title=title,
                                         url=url, obj=lead, actor=by))


# --- CRUD ------------------------------------------------------------------------------------------

@transaction.atomic
def lead_create(*, by: User, data: dict[str, Any], owner: Any = _OWNER_DEFAULT) -> Lead:
    """Create a lead owned by ``owner`` (the creator by default; None leaves it unassigned, in the
    creator's department). Status new, contacted or qualified."""
    require_perm(by, LEADS, Action.CREATE)
    data = dict(data)
    _unknown_keys(data)
    owner = by if owner is _OWNER_DEFAULT else owner
    _check_owner(owner, by)
    if data.get("status") not in (None, "", *OPEN_STATUSES):
        raise ValidationError({"status": [_("A new lead is new, contacted or qualified.")]})
    lead = Lead(created_by=by, owner=owner, version=0)
    lead.department_id = owner.department_id if owner else by.department_id
    _assign(lead, {k: v for k, v in data.items() if not (k == "status" and not v)})
    _validate(lead)
    _save(lead, by=by)
    _notify_assigned(lead, by)
    return lead


@transaction.atomic
def lead_update(*, lead: Lead, by: User, data: dict[str, Any], expected_version: int | None = None) -> Lead:
    """Write the keys of ``data``. A stale ``expected_version`` is refused with the current values.
    Status may move between new, contacted and qualified (and back from disqualified); converting and
    disqualifying have their own services."""
    require_perm(by, LEADS, Action.EDIT)
    data = dict(data)
    _unknown_keys(data)
    current = _locked_editable(lead, by)
    if expected_version is not None and expected_version != current.version:
        raise ConflictError(
            _("This record was changed by someone else (version %(current)d, yours %(yours)d).")
            % {"current": current.version, "yours": expected_version},
            current={k: str(getattr(current, k)) if isinstance(getattr(current, k), Decimal) else getattr(current, k)
                     for k in data} | {"version": current.version},
        )
    if current.status == LeadStatus.CONVERTED:
        raise ApplicationError(_("A converted lead cannot be changed."), code="lead_converted")
    if "status" in data:
        if data["status"] not in OPEN_STATUSES:
            raise ValidationError({"status": [_("Use “disqualify” or “convert” for that status.")]})
        if data["status"] != current.status and current.status == LeadStatus.DISQUALIFIED:
            current.disqualify_reason = ""
    _assign(current, data)
    _validate(current)
    _save(current, by=by)
    lead.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def lead_assign(*, lead: Lead, to: User, by: User) -> Lead:
    """Give the lead to another user (needs leads "transfer"); its department follows the new owner."""
    require_perm(by, LEADS, Action.TRANSFER)
    current = _locked_editable(lead, by)
    if current.status == LeadStatus.CONVERTED:
        raise ApplicationError(_("A converted lead cannot be reassigned."), code="lead_converted")
    if to is None or not to.is_active:
        raise ValidationError({"owner": [_("The owner must be an active user.")]})
    if current.owner_id == to.pk:
        return current
    current.owner, current.department_id = to, to.department_id
    _save(current, by=by, reason=_("assigned"))
    _notify_assigned(current, by)
    lead.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def lead_disqualify(*, lead: Lead, by: User, reason: str) -> Lead:
    require_perm(by, LEADS, Action.EDIT)
    current = _locked_editable(lead, by)
    if current.status == LeadStatus.CONVERTED:
        raise ApplicationError(_("A converted lead cannot be disqualified."), code="lead_converted")
    current.status, current.disqualify_reason = LeadStatus.DISQUALIFIED, (reason or "").strip()
    _validate(current)
    _save(current, by=by)
    lead.__dict__.update(current.__dict__)
    return current


@transaction.atomic
def lead_delete(*, lead: Lead, by: User) -> None:
    """Soft delete (recycle bin); history keeps the record."""
    require_perm(by, LEADS, Action.DELETE)
    current = _locked_editable(lead, by)
    current.deleted_at, current.deleted_by = timezone.now(), by
    _save(current, by=by)
    lead.__dict__.update(current.__dict__)


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


BULK_ACTIONS = ("assign", "disqualify")


def leads_bulk(*, by: User, ids: list[int], action: str, to: User | None = None, reason: str = "") -> BulkResult:
    """Assign or disqualify many leads; each one in its own savepoint, failures named per lead.
    Ids the user may not see are reported as not found."""
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": [_("Unknown action.")]})
    if action == "disqualify" and not (reason or "").strip():
        raise ValidationError({"reason": [_("Give a reason for disqualifying the lead.")]})
    if action == "assign" and (to is None or not to.is_active):
        raise ValidationError({"to": [_("The owner must be an active user.")]})
    result = BulkResult()
    wanted = sorted({int(i) for i in ids})
    visible = {lead.pk: lead for lead in Lead.objects.visible_to(by).filter(pk__in=wanted)}
    for pk in wanted:
        lead = visible.get(pk)
        if lead is None:
            result.failed[pk] = _("Not found.")
            continue
        try:
            with transaction.atomic():
                if action == "assign":
                    lead_assign(lead=lead, to=to, by=by)
                else:
                    lead_disqualify(lead=lead, by=by, reason=reason)
        except (ValidationError, ApplicationError) as exc:
            result.failed[pk] = exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)
        else:
            result.done.append(pk)
    return result


# --- conversion (C09) ------------------------------------------------------------------------------

@dataclass
class PersonMatch:
    """An existing contact that looks like the lead's person. Invisible ones carry name and owner only."""

    contact_id: int | None
    customer_id: int | None
    name: str
    customer_name: str
    owner_name: str
    reasons: list[str] = field(default_factory=list)  # phone, email, name
    is_visible: bool = False

    @property
    def reason_labels(self) -> list[str]:
        """The reasons as people read them ("same e-mail"), in the active language."""
        from forpcrm.customers.services.duplicates import REASON_LABELS

        return [str(REASON_LABELS.get(r, r)) for r in self.reasons]


@dataclass
class ConversionCheck:
    company: list[DuplicateMatch] = field(default_factory=list)
    person: list[PersonMatch] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def has_conflicts(self) -> bool:
        return bool(self.company or self.person)

    def as_dict(self) -> dict:
        return {
            "company": [{"customer_id": m.customer_id, "name": m.name, "owner_name": m.owner_name,
                         "reasons": list(m.reasons), "is_visible": m.is_visible} for m in self.company],
            "person": [{"contact_id": m.contact_id, "customer_id": m.customer_id, "name": m.name,
                        "customer_name": m.customer_name, "owner_name": m.owner_name, "reasons": list(m.reasons),
                        "is_visible": m.is_visible} for m in self.person],
            "warnings": list(self.warnings),
        }


class ConversionConflicts(ApplicationError):  # noqa: N818 - reads as the outcome
    """Likely duplicates exist for a record the caller asked to create; nothing was written."""

    status_code = 409

    def __init__(self, check: ConversionCheck):
        names = [m.name for m in check.company] + [m.name for m in check.person]
        super().__init__(_("Possible duplicates found: %(names)s. Link to the existing records or confirm "
                           "that new ones should be created.") % {"names": "、".join(names)},
                         code="conversion_conflicts", extra=check.as_dict())
        self.check = check


@dataclass
class ConversionPlan:
    """What to do with each side: ``customer_action`` create | link (``customer_id``); ``contact_action``
    create | link (``contact_id``) | skip; ``opportunity`` the opportunity's data (name, pipeline, stage,
    amount, expected_close_date, description) or None for no opportunity."""

    customer_action: str = "create"
    customer_id: int | None = None
    contact_action: str = "create"
    contact_id: int | None = None
    confirm_duplicates: bool = False
    opportunity: dict | None = None


@dataclass
class ConversionResult:
    customer: Customer
    contact: Contact | None
    opportunity: Any  # Opportunity or None
    customer_created: bool
    contact_created: bool
    lead: Lead | None = None


def lead_conversion_data(lead: Lead) -> dict[str, Any]:
    """The plain-dict form of a lead that ``conversion_check`` / ``conversion_run`` take (an inquiry
    from another channel gives the same keys)."""
    return {key: getattr(lead, key) for key in LEAD_FIELDS if key not in ("status", "currency")}


def conversion_check(*, by: User, data: dict[str, Any]) -> ConversionCheck:
    """Existing customers and contacts that look like the company and the person in ``data`` (keys of
    a lead: company_name, contact_name, mobile, phone, email, optional credit_code). Reads only."""
    check = ConversionCheck()
    company = {"name": data.get("company_name") or data.get("name"), "credit_code": data.get("credit_code"),
               "phone": data.get("phone"), "email": data.get("company_email")}
    if any(company.values()):
        check.company = customer_duplicates(data=company, user=by)
    contact_rows: dict[int, set[str]] = {}

    def add(matches) -> None:
        for match in matches:
            if match.contact_id is None:
                if match.warning and match.warning not in check.warnings:
                    check.warnings.append(match.warning)
                continue
            if not match.is_certain:
                continue
            contact_rows.setdefault(match.contact_id, set()).update(match.reasons)

    for key in ("mobile", "phone"):
        if data.get(key):
            add(customer_services.contact_matches(phone=data[key]))
    if data.get("email"):
        add(customer_services.contact_matches(email=data["email"]))
    name = (data.get("contact_name") or "").strip()
    company_ids = [m.customer_id for m in check.company if m.customer_id]
    company_key = name_key(company["name"]) if company["name"] else ""
    if name and (company_ids or company_key):
        where = Q(customer_id__in=company_ids)
        if company_key:
            where |= Q(customer__name_key=company_key)
        for pk in Contact.objects.filter(where, name=name).order_by("id").values_list("pk", flat=True)[:20]:
            contact_rows.setdefault(pk, set()).add("name")
    if contact_rows:
        contacts = list(Contact.objects.filter(pk__in=sorted(contact_rows)).select_related("customer__owner")
                        .order_by("id")[:20])
        visible = set(Contact.objects.visible_to(by).filter(pk__in=[c.pk for c in contacts])
                      .values_list("pk", flat=True))
        order = ("phone", "email", "name")
        for contact in contacts:
            is_visible = contact.pk in visible
            owner = contact.customer.owner
            check.person.append(PersonMatch(
                contact_id=contact.pk if is_visible else None,
                customer_id=contact.customer_id if is_visible else None,
                name=contact.name, customer_name=contact.customer.name if is_visible else "",
                owner_name=str(owner) if owner else str(_("public pool")),
                reasons=[r for r in order if r in contact_rows[contact.pk]], is_visible=is_visible))
    return check


def _customer_data(data: dict[str, Any]) -> dict[str, Any]:
    values = {"name": (data.get("company_name") or data.get("name") or "").strip(),
              "credit_code": data.get("credit_code") or "", "phone": data.get("phone") or "",
              "email": data.get("company_email") or "", "province": data.get("province") or "",
              "city": data.get("city") or "", "address": data.get("address") or "",
              "industry": data.get("industry") or "", "source": data.get("source") or "",
              "remarks": data.get("requirement") or ""}
    return {k: v for k, v in values.items() if v}


def _contact_data(data: dict[str, Any], *, primary: bool) -> dict[str, Any]:
    values = {"name": (data.get("contact_name") or "").strip(), "title": data.get("title") or "",
              "mobile": data.get("mobile") or "", "office_phone": data.get("phone") or "",
              "email": data.get("email") or "", "wechat": data.get("wechat") or ""}
    values = {k: v for k, v in values.items() if v}
    values["is_primary"] = primary
    return values


def _linkable_customer(customer_id: Any, by: User) -> Customer:
    customer = None
    if str(customer_id or "").isdigit():
        customer = Customer.objects.editable_by(by).filter(pk=int(customer_id)).first()
    if customer is None:
        raise PermissionDeniedError(_("You can only link to a customer you may edit."), code="link_refused")
    return customer


def _linkable_contact(contact_id: Any, customer: Customer, by: User) -> Contact:
    contact = None
    if str(contact_id or "").isdigit():
        contact = Contact.objects.visible_to(by).filter(pk=int(contact_id)).first()
    if contact is None:
        raise PermissionDeniedError(_("You can only link to a contact you may see."), code="link_refused")
    if contact.customer_id != customer.pk:
        raise ValidationError({"contact": [_("The contact must belong to the linked customer.")]})
    return contact


def _owner_for(lead: Lead | None, by: User, module: str) -> User:
    owner = lead.owner if lead is not None and lead.owner_id else by
    if owner.pk != by.pk and not (by.is_superuser or has_perm(by, module, Action.TRANSFER)):
        return by
    return owner if owner.is_active else by


def conversion_run(*, by: User, data: dict[str, Any], plan: ConversionPlan, lead: Lead | None = None,
                   ) -> ConversionResult:
    """Convert ``data`` (a lead's fields, or an inquiry's) into customer + contact + opportunity in one
    transaction, following ``plan``. Checks duplicates first and raises ``ConversionConflicts`` with
    both sides before anything is written when the plan creates a record that has matches."""
    if plan.customer_action not in ("create", "link"):
        raise ValidationError({"customer_action": [_("Choose whether to create the customer or link to one.")]})
    if plan.contact_action not in ("create", "link", "skip"):
        raise ValidationError({"contact_action": [_("Choose whether to create the contact, link to one or skip it.")]})
    if plan.contact_action == "link" and plan.customer_action != "link":
        raise ValidationError({"contact_action": [_("An existing contact can only be linked together with its "
                                                    "customer.")]})
    if plan.contact_action == "create" and not (data.get("contact_name") or "").strip():
        raise ValidationError({"contact_name": [_("Enter the contact's name, or skip the contact.")]})
    if plan.customer_action == "create":
        require_perm(by, Module.CUSTOMERS, Action.CREATE)
    if plan.contact_action == "create":
        require_perm(by, Module.CONTACTS, Action.CREATE)
    if plan.opportunity is not None:
        require_perm(by, Module.OPPORTUNITIES, Action.CREATE)
    check = conversion_check(by=by, data=data)
    unresolved = ((plan.customer_action == "create" and check.company)
                  or (plan.contact_action == "create" and check.person))
    if unresolved and not plan.confirm_duplicates:
        raise ConversionConflicts(check)
    with transaction.atomic():
        current = None
        if lead is not None:
            current = _locked_editable(lead, by)
            if current.status == LeadStatus.CONVERTED:
                raise ApplicationError(_("This lead was already converted."), code="lead_converted")
        if plan.customer_action == "link":
            customer, customer_created = _linkable_customer(plan.customer_id, by), False
        else:
            customer = customer_services.customer_create(
                by=by, data=_customer_data(data), owner=_owner_for(current, by, Module.CUSTOMERS),
                confirm_duplicates=True)
            customer_created = True
        contact, contact_created = None, False
        if plan.contact_action == "link":
            contact = _linkable_contact(plan.contact_id, customer, by)
        elif plan.contact_action == "create":
            has_primary = (not customer_created) and Contact.objects.filter(customer=customer, is_primary=True).exists()
            contact = customer_services.contact_create(by=by, customer=customer,
                                                       data=_contact_data(data, primary=not has_primary))
            contact_created = True
        opportunity = None
        if plan.opportunity is not None:
            values = dict(plan.opportunity)
            values.setdefault("name", data.get("company_name") or customer.name)
            if values.get("amount") in (None, ""):
                values["amount"] = data.get("estimated_amount") or 0
            if data.get("source") and "source" not in values:
                # The opportunity's source is free text: it keeps the picklist label, not the code.
                values["source"] = picklist_label("source", data["source"])
            values = {k: v for k, v in values.items() if v not in (None, "") or k == "amount"}
            values.update(customer=customer, contact=contact)
            opportunity = sales_services.opportunity_create(by=by, data=values,
                                                            owner=_owner_for(current, by, Module.OPPORTUNITIES))
        if current is not None:
            current.status, current.converted_at, current.converted_by = LeadStatus.CONVERTED, timezone.now(), by
            current.converted_customer, current.converted_contact = customer, contact
            current.converted_opportunity = opportunity
            current.disqualify_reason = ""
            _save(current, by=by, reason=_("converted"))
            lead.__dict__.update(current.__dict__)
    return ConversionResult(customer=customer, contact=contact, opportunity=opportunity,
                            customer_created=customer_created, contact_created=contact_created, lead=current)


def lead_convert(*, lead: Lead, by: User, plan: ConversionPlan) -> ConversionResult:
    """Convert a lead (needs leads "edit" and edit rights on it); see ``conversion_run``."""
    require_perm(by, LEADS, Action.EDIT)
    if not Lead.objects.editable_by(by).filter(pk=lead.pk).exists():
        raise PermissionDeniedError(_("You may not change this lead."))
    if lead.status == LeadStatus.CONVERTED:
        raise ApplicationError(_("This lead was already converted."), code="lead_converted")
    return conversion_run(by=by, data=lead_conversion_data(lead), plan=plan, lead=lead)


def inquiry_convert(*, by: User, data: dict[str, Any], plan: ConversionPlan) -> ConversionResult:
    """Convert a customer inquiry given as a plain dict (the keys of a lead) with the same rules."""
    return conversion_run(by=by, data=dict(data), plan=plan)
