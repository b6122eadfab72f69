"""Writes of the sales app: pipelines and stages, opportunities, stage moves, won / lost, bulk updates.

Stage and probability are kept consistent here, for every channel (pages, kanban, API, bulk, import):

- an opportunity's probability is its stage's probability unless it was set by hand
  (``probability_overridden``); moving to another stage takes the new stage's probability;
- the won stage is always 100 % and the lost stage 0 %; status follows the stage's kind;
- changing a stage's default probability rewrites the open, not-overridden opportunities of that
  stage only, never won or lost ones;
- editing other fields (tags, description, …) never touches stage, status or probability;
- every entry into a stage checks its requirements (fields filled, a document attached).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from forpcrm.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from forpcrm.core.money import AmountTooLargeError, to_money
from forpcrm.customers.models import Contact, Customer
from forpcrm.customfields import registry as customfields
from forpcrm.customfields.models import Entity
from forpcrm.org.access import has_perm, require_perm
from forpcrm.org.models import Action, Module, User

from .models import (
    REQUIRABLE_FIELDS,
    Opportunity,
    OpportunityStatus,
    OpportunityTeamMember,
    Pipeline,
    Stage,
    StageChange,
    StageKind,
)

# Document requirement checks: callables (opportunity, stage) -> bool registered by the app that
# stores attachments (documents come with a later issue). Without one, a stage that requires a
# document refuses every entry with a message saying what is missing.
DOCUMENT_CHECKS: list[Callable[[Opportunity, Stage], bool]] = []

EDITABLE_FIELDS = {
    "name", "customer", "contact", "amount", "currency", "probability", "expected_close_date", "engaged_on",
    "source", "competitors", "description", "tags", "custom", "owner", "close_reason", "closed_on", "external_ref",
}


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


# ---------------------------------------------------------------- pipelines and stages


def _check_stage_set(stages: list[dict[str, Any]]) -> None:
    kinds = [s.get("kind", StageKind.OPEN) for s in stages]
    if kinds.count(StageKind.WON) != 1 or kinds.count(StageKind.LOST) != 1 or StageKind.OPEN not in kinds:
        raise ValidationError({"stages": [_("A pipeline needs open stages, one won stage and one lost stage.")]})
    names = [str(s.get("name", "")).strip() for s in stages]
    if any(not n for n in names) or len(set(names)) != len(names):
        raise ValidationError({"stages": [_("Every stage needs a name of its own.")]})


def _stage_probability(kind: str, probability: Any) -> int:
    if kind == StageKind.WON:
        return 100
    if kind == StageKind.LOST:
        return 0
    try:
        value = int(probability)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"probability": [_("Enter a whole number from 0 to 100.")]}) from exc
    if not 0 <= value <= 100:
        raise ValidationError({"probability": [_("Enter a whole number from 0 to 100.")]})
    return value


def _check_required_fields(fields: Iterable[str]) -> list[str]:
    fields = list(fields or [])
    unknown = [f for f in fields if f not in REQUIRABLE_FIELDS]
    if unknown:
        raise ValidationError({"required_fields": [_("Unknown field: %(names)s.") % {"names": ", ".join(unknown)}]})
    return fields


@transaction.atomic
def pipeline_create(*, by: User, name: str, stages: list[dict[str, Any]], description: str = "",
                    is_default: bool = False, check_perm: bool = True) -> Pipeline:
    """Create a pipeline with its stages in order. ``stages``: dicts with name, kind, probability,
    required_fields, requires_document, document_category."""
    if check_perm:
        require_perm(by, Module.OPPORTUNITIES, Action.CONFIGURE)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("A pipeline needs a name.")]})
    if Pipeline.objects.filter(name=name).exists():
        raise ValidationError({"name": [_("A pipeline called “%(name)s” exists.") % {"name": name}]})
    _check_stage_set(stages)
    if is_default:
        Pipeline.objects.filter(is_default=True).update(is_default=False)
    pipeline = Pipeline.objects.create(name=name, description=description, is_default=is_default,
                                       sort_order=Pipeline.objects.count())
    for order, spec in enumerate(stages):
        kind = spec.get("kind", StageKind.OPEN)
        Stage.objects.create(
            pipeline=pipeline, name=str(spec["name"]).strip(), sort_order=order, kind=kind,
            probability=_stage_probability(kind, spec.get("probability", 0)),
            required_fields=_check_required_fields(spec.get("required_fields")),
            requires_document=bool(spec.get("requires_document")),
            document_category=spec.get("document_category", ""),
        )
    return pipeline


def pipeline_get_or_create(*, by: User, name: str, stages: list[dict[str, Any]]) -> Pipeline:
    """The pipeline of that name (adding missing stages by name), else a new one. Used by imports."""
    pipeline = Pipeline.objects.filter(name=name).first()
    if pipeline is None:
        return pipeline_create(by=by, name=name, stages=stages, check_perm=False)
    existing = {s.name for s in pipeline.stages.all()}
    for spec in stages:
        if spec["name"] not in existing and spec.get("kind", StageKind.OPEN) == StageKind.OPEN:
            Stage.objects.create(pipeline=pipeline, name=spec["name"], sort_order=pipeline.stages.count(),
                                 probability=_stage_probability(StageKind.OPEN, spec.get("probability", 0)))
    return pipeline


@transaction.atomic
def stage_update(*, stage: Stage, by: User, data: dict[str, Any]) -> Stage:
    """Change a stage. A new probability is applied to the stage's open opportunities whose
    probability was not set by hand; won and lost opportunities are never rewritten."""
    require_perm(by, Module.OPPORTUNITIES, Action.CONFIGURE)
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    if "name" in data:
        name = str(data["name"]).strip()
        if not name:
            raise ValidationError({"name": [_("A stage needs a name.")]})
        if Stage.objects.filter(pipeline_id=stage.pipeline_id, name=name).exclude(pk=stage.pk).exists():
            raise ValidationError({"name": [_("Every stage needs a name of its own.")]})
        stage.name = name
    if "sort_order" in data:
        stage.sort_order = int(data["sort_order"])
    if "required_fields" in data:
        stage.required_fields = _check_required_fields(data["required_fields"])
    if "requires_document" in data:
        stage.requires_document = bool(data["requires_document"])
    if "document_category" in data:
        stage.document_category = str(data["document_category"] or "")
    old_probability = stage.probability
    if "probability" in data:
        stage.probability = _stage_probability(stage.kind, data["probability"])
    stage.save()
    if stage.probability != old_probability and stage.kind == StageKind.OPEN:
        Opportunity.all_objects.filter(
            stage=stage, status=OpportunityStatus.OPEN, probability_overridden=False
        ).update(probability=stage.probability, updated_at=timezone.now())
    return stage


def first_open_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(kind=StageKind.OPEN).order_by("sort_order", "id").first()
    if stage is None:
        raise ApplicationError(_("The pipeline has no open stage."), code="no_open_stage")
    return stage


def terminal_stage(pipeline: Pipeline, kind: str) -> Stage:
    stage = pipeline.stages.filter(kind=kind).order_by("sort_order", "id").first()
    if stage is None:
        raise ApplicationError(_("The pipeline has no %(kind)s stage.") % {"kind": StageKind(kind).label},
                               code="no_terminal_stage")
    return stage


# ---------------------------------------------------------------- requirements


def document_category_label(code: str) -> str:
    """The label of a document category in the current language (the code when it no longer exists)."""
    from forpcrm.documents.models import DocumentCategory

    category = DocumentCategory.objects.filter(code=code).first() if code else None
    return str(category) if category is not None else code


def stage_requirements_missing(opportunity: Opportunity, stage: Stage) -> list[str]:
    """What the opportunity lacks to enter the stage (empty: it may enter)."""
    missing = []
    for name in stage.required_fields or []:
        value = getattr(opportunity, f"{name}_id" if name == "contact" else name, None)
        if value in (None, "", [], {}) or (name == "amount" and not value):
            missing.append(_("fill in “%(field)s”") % {"field": REQUIRABLE_FIELDS.get(name, name)})
    if stage.requires_document and not any(check(opportunity, stage) for check in DOCUMENT_CHECKS):
        if stage.document_category:
            missing.append(_("attach a document of the category “%(category)s”")
                           % {"category": document_category_label(stage.document_category)})
        else:
            missing.append(_("attach a document"))
    return missing


def _require_stage_entry(opportunity: Opportunity, stage: Stage) -> None:
    missing = stage_requirements_missing(opportunity, stage)
    if missing:
        raise ApplicationError(
            _("The opportunity cannot enter the stage “%(stage)s”: %(missing)s.")
            % {"stage": stage.name, "missing": "; ".join(missing)},
            code="stage_requirements", extra={"missing": missing},
        )


# ---------------------------------------------------------------- opportunities


def _require_editable(opportunity: Opportunity, by: User) -> None:
    if not Opportunity.objects.editable_by(by).filter(pk=opportunity.pk).exists():
        raise PermissionDeniedError(_("You may not change this opportunity."))


def _today() -> dt.date:
    return timezone.localdate()


def _apply_stage(opportunity: Opportunity, stage: Stage, *, closed_on: dt.date | None = None,
                 reason: str | None = None) -> None:
    """Set stage, status, probability and close data from the stage (in memory)."""
    opportunity.stage = stage
    opportunity.pipeline_id = stage.pipeline_id
    if stage.kind == StageKind.OPEN:
        opportunity.status = OpportunityStatus.OPEN
        opportunity.probability = stage.probability
        opportunity.probability_overridden = False
        opportunity.closed_on = None
        opportunity.cycle_days = None
        opportunity.close_reason = ""
        return
    opportunity.status = OpportunityStatus.WON if stage.kind == StageKind.WON else OpportunityStatus.LOST
    opportunity.probability = 100 if stage.kind == StageKind.WON else 0
    opportunity.probability_overridden = False
    opportunity.closed_on = closed_on or opportunity.closed_on or _today()
    if reason is not None:
        opportunity.close_reason = reason
    start = opportunity.engaged_on or (timezone.localdate(opportunity.created_at) if opportunity.created_at else None)
    opportunity.cycle_days = (opportunity.closed_on - start).days if start else None


def _log_stage(opportunity: Opportunity, *, from_stage: Stage | None, from_status: str, by: User | None,
               note: str = "") -> StageChange:
    return StageChange.objects.create(
        opportunity=opportunity, from_stage=from_stage, to_stage=opportunity.stage, from_status=from_status,
        to_status=opportunity.status, probability=opportunity.probability, at=timezone.now(), by=by, note=note[:255],
    )


@dataclass
class _Known:
    """Records a batch has loaded once (customers with their visibility, contacts, users), so that the
    checks of ``_clean_values`` run without a query per row."""

    customers: dict[int, Customer] = field(default_factory=dict)
    visible_customers: set[int] = field(default_factory=set)
    contacts: dict[int, Contact] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)

    @classmethod
    def load(cls, rows: list[dict[str, Any]], by: User, extra_users: Iterable[Any] = ()) -> _Known:
        def ids(key: str, model) -> set[int]:
            out = set()
            for row in rows:
                value = row.get(key)
                if isinstance(value, model):
                    out.add(value.pk)
                elif value not in (None, "") and str(value).isdigit():
                    out.add(int(value))
            return out

        known = cls()
        customer_ids = ids("customer", Customer)
        known.customers = Customer.objects.in_bulk(sorted(customer_ids)) if customer_ids else {}
        known.visible_customers = set(Customer.objects.visible_to(by).filter(pk__in=sorted(customer_ids))
                                      .values_list("pk", flat=True)) if customer_ids else set()
        contact_ids = ids("contact", Contact)
        known.contacts = Contact.objects.in_bulk(sorted(contact_ids)) if contact_ids else {}
        user_ids = ids("owner", User) | {u.pk if isinstance(u, User) else int(u) for u in extra_users if u}
        known.users = User.objects.in_bulk(sorted(user_ids)) if user_ids else {}
        return known


def _resolve(value: Any, model, cache: dict[int, Any] | None):
    if isinstance(value, model) or value in (None, ""):
        return value or None
    if cache is not None:
        return cache.get(int(value)) if str(value).isdigit() else None
    return model.objects.filter(pk=value).first() if str(value).isdigit() else None


def _clean_values(data: dict[str, Any], by: User, known: _Known | None = None) -> dict[str, Any]:
    unknown = set(data) - EDITABLE_FIELDS - {"pipeline", "stage"}
    if unknown:
        raise ValidationError({"__all__": [_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}]})
    values = dict(data)
    if "customer" in values:
        customer = _resolve(values["customer"], Customer, known.customers if known else None)
        if customer is None:
            raise ValidationError({"customer": [_("Choose a customer you can see.")]})
        visible = (customer.pk in known.visible_customers if known
                   else Customer.objects.visible_to(by).filter(pk=customer.pk).exists())
        if not visible:
            raise ValidationError({"customer": [_("Choose a customer you can see.")]})
        values["customer"] = customer
    if "contact" in values and values["contact"] not in (None, ""):
        contact = _resolve(values["contact"], Contact, known.contacts if known else None)
        if contact is None:
            raise ValidationError({"contact": [_("Unknown contact.")]})
        values["contact"] = contact
    elif "contact" in values:
        values["contact"] = None
    if "amount" in values:
        try:
            values["amount"] = to_money(values["amount"] if values["amount"] not in (None, "") else 0)
        except AmountTooLargeError as exc:
            raise ValidationError({"amount": [str(exc)]}) from exc
        except (ValueError, ArithmeticError) as exc:
            raise ValidationError({"amount": [_("Enter an amount.")]}) from exc
        if values["amount"] < 0:
            raise ValidationError({"amount": [_("The amount may not be negative.")]})
    if "tags" in values:
        tags = values["tags"] or []
        if isinstance(tags, str):
            tags = tags.replace("，", ",").split(",")
        values["tags"] = sorted({str(t).strip() for t in tags if str(t).strip()})
    if "owner" in values:
        owner = _resolve(values["owner"], User, known.users if known else None)
        if owner is None or not owner.is_active:
            raise ValidationError({"owner": [_("The owner must be an active user.")]})
        values["owner"] = owner
    if "custom" in values and not isinstance(values["custom"], dict):
        raise ValidationError({"custom": [_("User-defined fields must be an object of code → value.")]})
    return values


def _custom_for_create(values: dict[str, Any], definitions=None) -> dict[str, Any]:
    """Validated user-defined values of a new opportunity (defaults and required fields apply)."""
    return customfields.clean_values(Entity.OPPORTUNITY, values.get("custom") or {}, definitions=definitions)


def _custom_for_update(current: dict[str, Any] | None, given: dict[str, Any]) -> dict[str, Any]:
    """The stored values with the given codes replaced (an empty value removes the code)."""
    return customfields.clean_values(Entity.OPPORTUNITY, given, partial=True, existing=dict(current or {}))


def _check_contact(opportunity: Opportunity) -> None:
    if opportunity.contact_id and opportunity.contact.customer_id != opportunity.customer_id:
        raise ValidationError({"contact": [_("The contact must belong to the opportunity's customer.")]})


def _set_owner(opportunity: Opportunity, owner: User, by: User) -> None:
    if owner.pk != by.pk and not by.is_superuser and not has_perm(by, Module.OPPORTUNITIES, Action.TRANSFER):
        raise PermissionDeniedError(_("You may not give opportunities to other users."))
    opportunity.owner = owner
    opportunity.department_id = owner.department_id


def _validate(opportunity: Opportunity) -> None:
    _check_contact(opportunity)
    opportunity.full_clean(exclude=["created_by", "updated_by", "deleted_by", "stage", "pipeline", "customer",
                                    "owner", "contact", "department"])
    if opportunity.stage.pipeline_id != opportunity.pipeline_id:
        raise ValidationError({"stage": [_("The stage belongs to another pipeline.")]})


@dataclass
class _Batch:
    """What a batch of creations loads once: records, stages and pipelines, field definitions, rights."""

    known: _Known
    stages: dict[int, Stage]
    pipelines: dict[int, Pipeline]
    definitions: list[Any]
    may_transfer: bool
    default_pipeline: Pipeline | None = None
    first_open: dict[int, Stage] = field(default_factory=dict)


def _build_new(*, by: User, data: dict[str, Any], owner: User | None, at: dt.datetime | None = None,
               batch: _Batch | None = None) -> Opportunity:
    """An unsaved opportunity with every rule of opportunity_create applied (validation, stage and
    probability, close data, entry requirements). With ``batch`` no query runs per row."""
    data = dict(data)
    pipeline = data.pop("pipeline", None)
    stage = data.pop("stage", None)
    probability = data.pop("probability", None)
    closed_on = data.pop("closed_on", None)
    reason = data.pop("close_reason", None)
    values = _clean_values(data, by, batch.known if batch else None)
    if "customer" not in values:
        raise ValidationError({"customer": [_("An opportunity needs a customer.")]})
    if stage is not None:
        pk = getattr(stage, "pk", stage)
        stage = (batch.stages.get(int(pk)) if str(pk).isdigit() else None) if batch else (
            Stage.objects.filter(pk=pk).select_related("pipeline").first())
        if stage is None:
            raise ValidationError({"stage": [_("Unknown stage.")]})
    if pipeline is not None and not isinstance(pipeline, Pipeline):
        pipeline = (batch.pipelines.get(int(pipeline)) if str(pipeline).isdigit() else None) if batch else (
            Pipeline.objects.filter(pk=pipeline).first())
        if pipeline is None:
            raise ValidationError({"pipeline": [_("Unknown pipeline.")]})
    if pipeline is None:
        if stage is not None:
            pipeline = stage.pipeline
        elif batch is not None:
            pipeline = batch.default_pipeline
        else:
            pipeline = Pipeline.objects.filter(is_active=True).order_by("-is_default", "sort_order", "id").first()
    if pipeline is None:
        raise ValidationError({"pipeline": [_("Create a pipeline first.")]})
    if stage is None:
        if batch is not None:
            if pipeline.pk not in batch.first_open:
                batch.first_open[pipeline.pk] = first_open_stage(pipeline)
            stage = batch.first_open[pipeline.pk]
        else:
            stage = first_open_stage(pipeline)
    if stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": [_("The stage belongs to another pipeline.")]})
    owner = values.pop("owner", None) or owner or by
    opportunity = Opportunity(created_by=by, updated_by=by, pipeline=pipeline)
    if at is not None:
        opportunity.created_at = at
    values["custom"] = _custom_for_create(values, batch.definitions if batch else None)
    for key, value in values.items():
        setattr(opportunity, key, value)
    if batch is not None and owner.pk != by.pk and not batch.may_transfer:
        raise PermissionDeniedError(_("You may not give opportunities to other users."))
    if batch is None:
        _set_owner(opportunity, owner, by)
    else:
        _set_owner_checked(opportunity, owner)
    _apply_stage(opportunity, stage, closed_on=closed_on, reason=reason)
    if probability not in (None, "") and stage.kind == StageKind.OPEN:
        opportunity.probability = _stage_probability(StageKind.OPEN, probability)
        opportunity.probability_overridden = opportunity.probability != stage.probability
    _validate(opportunity)
    _require_stage_entry(opportunity, stage)
    return opportunity


def _set_owner_checked(opportunity: Opportunity, owner: User) -> None:
    opportunity.owner = owner
    opportunity.department_id = owner.department_id


@transaction.atomic
def opportunity_create(*, by: User, data: dict[str, Any], owner: User | None = None,
                       at: dt.datetime | None = None) -> Opportunity:
    """Create an opportunity. data keys: name, customer (required), pipeline (default pipeline when
    missing), stage (first open stage when missing), probability (an override; stage's when missing),
    amount, currency, contact, expected_close_date, engaged_on, closed_on, close_reason, source,
    competitors, description, tags, custom. The stage's requirements apply."""
    require_perm(by, Module.OPPORTUNITIES, Action.CREATE)
    opportunity = _build_new(by=by, data=data, owner=owner, at=at)
    opportunity.save()
    _log_stage(opportunity, from_stage=None, from_status="", by=by, note=_("created"))
    return opportunity


@dataclass
class BatchRow:
    """One row of ``opportunities_create_batch``: the created opportunity, or the error of the row."""

    opportunity: Opportunity | None = None
    error: Exception | None = None


@transaction.atomic
def opportunities_create_batch(*, by: User, rows: list[dict[str, Any]],
                               owners: list[User | None] | None = None, write: bool = True) -> list[BatchRow]:
    """Create one opportunity per ``rows`` item (the ``data`` of opportunity_create), in one transaction.

    Every rule of opportunity_create holds per row — validation and messages, customer scope,
    stage / probability / status / close date / cycle, the stage's entry requirements, user-defined
    fields, the owner rule and one "created" StageChange row — but permissions, customers, contacts,
    users, stages and field definitions are loaded once and each table is written with one
    ``bulk_create``. A row that fails gets its ``error`` and is not written; the others are.
    ``owners`` gives one owner per row (None: the creator). With ``write=False`` the rows are only
    checked (the opportunities returned are not saved)."""
    require_perm(by, Module.OPPORTUNITIES, Action.CREATE)
    owners = owners if owners is not None else [None] * len(rows)
    stage_ids = {int(getattr(r.get("stage"), "pk", r.get("stage"))) for r in rows
                 if r.get("stage") not in (None, "") and str(getattr(r.get("stage"), "pk", r.get("stage"))).isdigit()}
    stages = Stage.objects.select_related("pipeline").in_bulk(sorted(stage_ids)) if stage_ids else {}
    pipeline_ids = {int(r["pipeline"]) for r in rows if str(getattr(r.get("pipeline"), "pk", r.get("pipeline")) or "")
                    .isdigit() and not isinstance(r.get("pipeline"), Pipeline)}
    batch = _Batch(
        known=_Known.load(rows, by, extra_users=[o for o in owners if o is not None]),
        stages=stages, pipelines=Pipeline.objects.in_bulk(sorted(pipeline_ids)) if pipeline_ids else {},
        definitions=customfields.definitions_for(Entity.OPPORTUNITY),
        may_transfer=by.is_superuser or has_perm(by, Module.OPPORTUNITIES, Action.TRANSFER),
    )
    if any(r.get("pipeline") in (None, "") and r.get("stage") in (None, "") for r in rows):
        batch.default_pipeline = Pipeline.objects.filter(is_active=True).order_by(
            "-is_default", "sort_order", "id").first()
    results: list[BatchRow] = []
    pending: list[Opportunity] = []
    now = timezone.now()
    for data, owner in zip(rows, owners, strict=True):
        result = BatchRow()
        results.append(result)
        if owner is not None and owner.pk in batch.known.users:
            owner = batch.known.users[owner.pk]
        try:
            result.opportunity = _build_new(by=by, data=data, owner=owner, batch=batch)
        except (ValidationError, ApplicationError, ValueError) as exc:
            result.error = exc
            continue
        result.opportunity.created_at = result.opportunity.updated_at = now
        pending.append(result.opportunity)
    if pending and write:
        Opportunity.objects.bulk_create(pending, batch_size=500)
        note = _("created")
        StageChange.objects.bulk_create([
            StageChange(opportunity=o, from_stage=None, to_stage=o.stage, from_status="", to_status=o.status,
                        probability=o.probability, at=now, by=by, note=note) for o in pending], batch_size=500)
    return results


def _locked(opportunity: Opportunity, expected_version: int | None, strict: bool) -> Opportunity:
    current = Opportunity.objects.select_for_update().select_related("stage", "pipeline").get(pk=opportunity.pk)
    if expected_version is not None and expected_version != current.version:
        raise ConflictError(
            _("Someone else changed this opportunity since you opened it; reload and try again."),
            current={"version": current.version, "stage": current.stage_id, "status": current.status,
                     "probability": current.probability, "amount": str(current.amount)},
        )
    return current


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, by: User, data: dict[str, Any],
                       expected_version: int | None = None, strict: bool = False) -> Opportunity:
    """Write only the keys in ``data``. A ``stage`` key moves the opportunity (requirements apply);
    ``probability`` overrides the stage's (``None`` returns to it). Other keys leave stage, status and
    probability untouched. A stale ``expected_version`` raises ConflictError."""
    _require_editable(opportunity, by)
    current = _locked(opportunity, expected_version, strict)
    data = dict(data)
    stage = data.pop("stage", None)
    data.pop("pipeline", None)
    has_probability = "probability" in data
    probability = data.pop("probability", None)
    closed_on = data.pop("closed_on", None)
    reason = data.pop("close_reason", None)
    values = _clean_values(data, by)
    owner = values.pop("owner", None)
    if "custom" in values:
        values["custom"] = _custom_for_update(current.custom, values["custom"])
    for key, value in values.items():
        setattr(current, key, value)
    if owner is not None and owner.pk != current.owner_id:
        _set_owner(current, owner, by)
    from_stage, from_status = current.stage, current.status
    moved = False
    if stage not in (None, "") and (getattr(stage, "pk", stage) != current.stage_id):
        stage = Stage.objects.filter(pk=getattr(stage, "pk", stage)).first()  # fresh: its rules may have changed
        if stage is None or stage.pipeline_id != current.pipeline_id:
            raise ValidationError({"stage": [_("Choose a stage of the opportunity's pipeline.")]})
        _apply_stage(current, stage, closed_on=closed_on, reason=reason)
        moved = True
    elif current.status != OpportunityStatus.OPEN:
        if closed_on:
            _apply_stage(current, current.stage, closed_on=closed_on, reason=reason)
        elif reason is not None:
            current.close_reason = reason
    if has_probability:
        if current.status != OpportunityStatus.OPEN:
            if probability not in (None, "") and int(probability) != current.probability:
                raise ValidationError({"probability": [_("A won or lost opportunity's probability is fixed.")]})
        elif probability in (None, ""):
            current.probability = current.stage.probability
            current.probability_overridden = False
        else:
            current.probability = _stage_probability(StageKind.OPEN, probability)
            current.probability_overridden = current.probability != current.stage.probability
    _validate(current)
    if moved:
        _require_stage_entry(current, current.stage)
    current.version += 1
    current.updated_by = by
    current.save()
    if moved:
        _log_stage(current, from_stage=from_stage, from_status=from_status, by=by)
    return current


@transaction.atomic
def opportunity_stage_move(*, opportunity: Opportunity, stage: Stage, by: User, expected_version: int | None = None,
                           closed_on: dt.date | None = None, reason: str | None = None) -> Opportunity:
    """Move to ``stage`` (kanban, API, bulk): requirements checked, probability from the stage."""
    if stage.kind == StageKind.LOST and not (reason or "").strip():
        raise ValidationError({"close_reason": [_("Say why the opportunity was lost.")]})
    data: dict[str, Any] = {"stage": stage}
    if closed_on:
        data["closed_on"] = closed_on
    if reason is not None:
        data["close_reason"] = reason
    current = Opportunity.objects.select_related("stage").get(pk=opportunity.pk)
    if current.stage_id == stage.pk:
        return current
    return opportunity_update(opportunity=current, by=by, data=data, expected_version=expected_version)


def opportunity_won(*, opportunity: Opportunity, by: User, reason: str = "", closed_on: dt.date | None = None,
                    expected_version: int | None = None) -> Opportunity:
    stage = terminal_stage(opportunity.pipeline, StageKind.WON)
    return opportunity_stage_move(opportunity=opportunity, stage=stage, by=by, reason=reason, closed_on=closed_on,
                                  expected_version=expected_version)


def opportunity_lost(*, opportunity: Opportunity, by: User, reason: str, closed_on: dt.date | None = None,
                     expected_version: int | None = None) -> Opportunity:
    stage = terminal_stage(opportunity.pipeline, StageKind.LOST)
    return opportunity_stage_move(opportunity=opportunity, stage=stage, by=by, reason=reason, closed_on=closed_on,
                                  expected_version=expected_version)


def opportunities_bulk_stage(*, opportunity_ids: list[int], stage: Stage, by: User, reason: str = "") -> BulkResult:
    """Move each opportunity (checked one by one, each in its own transaction)."""
    result = BulkResult()
    visible = {o.pk: o for o in Opportunity.objects.visible_to(by).filter(pk__in=opportunity_ids)}
    for pk in opportunity_ids:
        record = visible.get(pk)
        if record is None:
            result.failed[pk] = _("Not found.")
            continue
        try:
            opportunity_stage_move(opportunity=record, stage=stage, by=by, reason=reason or None)
        except ValidationError as exc:
            result.failed[pk] = "; ".join(exc.messages)
        except ApplicationError as exc:
            result.failed[pk] = exc.message
        else:
            result.done.append(pk)
    return result


def _bulk(opportunity_ids: list[int], by: User, apply: Callable[[Opportunity], None]) -> BulkResult:
    """Apply ``apply`` to each visible opportunity, each in its own transaction; the others are refused."""
    result = BulkResult()
    visible = {o.pk: o for o in Opportunity.objects.visible_to(by).filter(pk__in=opportunity_ids)}
    for pk in dict.fromkeys(opportunity_ids):
        record = visible.get(pk)
        if record is None:
            result.failed[pk] = _("Not found.")
            continue
        try:
            with transaction.atomic():
                apply(record)
        except ValidationError as exc:
            result.failed[pk] = "; ".join(exc.messages)
        except ApplicationError as exc:
            result.failed[pk] = exc.message
        else:
            result.done.append(pk)
    return result


def opportunities_bulk_owner(*, opportunity_ids: list[int], owner: User, by: User) -> BulkResult:
    """Give each opportunity to ``owner`` (the transfer right and the edit scope are checked per row)."""
    return _bulk(opportunity_ids, by, lambda o: opportunity_update(opportunity=o, by=by, data={"owner": owner}))


def opportunities_bulk_tags_add(*, opportunity_ids: list[int], tags: list[str], by: User) -> BulkResult:
    """Add ``tags`` to each opportunity (stage, status and probability stay as they are)."""
    tags = [str(t).strip() for t in tags if str(t).strip()]
    if not tags:
        raise ValidationError({"tags": [_("Enter at least one tag.")]})

    def add(record: Opportunity) -> None:
        merged = sorted({*(record.tags or []), *tags})
        if merged != sorted(record.tags or []):
            opportunity_update(opportunity=record, by=by, data={"tags": merged})

    return _bulk(opportunity_ids, by, add)


@transaction.atomic
def opportunity_amount_from_lines(*, opportunity: Opportunity, amount: Decimal, by: User) -> Opportunity:
    """The header amount follows the product lines (called by the contracts app after line changes)."""
    current = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    amount = to_money(amount)
    if current.amount != amount:
        current.amount = amount
        current.version += 1
        current.updated_by = by
        current.save(update_fields=["amount", "version", "updated_by", "updated_at"])
    return current


@transaction.atomic
def opportunity_delete(*, opportunity: Opportunity, by: User) -> None:
    require_perm(by, Module.OPPORTUNITIES, Action.DELETE)
    _require_editable(opportunity, by)
    Opportunity.objects.filter(pk=opportunity.pk).update(deleted_at=timezone.now(), deleted_by=by)


@transaction.atomic
def opportunity_team_member_add(*, opportunity: Opportunity, user: User, can_edit: bool, by: User,
                                expires_at: dt.datetime | None = None) -> OpportunityTeamMember:
    _require_editable(opportunity, by)
    member, _created = OpportunityTeamMember.objects.update_or_create(
        opportunity=opportunity, user=user, defaults={"can_edit": can_edit, "expires_at": expires_at})
    return member


# ---------------------------------------------------------------- configuring pipelines and stages
#
# The settings pages (and the stage API) configure pipelines through these functions. They need the
# opportunities or the administration "configure" permission. The probability of a won stage is 100
# and of a lost stage 0: a request to change it is refused, naming the field.

PIPELINE_FIELDS = ("name", "description", "is_default", "is_active", "sort_order")
STAGE_FIELDS = ("name", "sort_order", "kind", "probability", "required_fields", "requires_document",
                "document_category")


def may_configure_pipelines(user: User) -> bool:
    """Whether ``user`` may configure pipelines and stages."""
    return (has_perm(user, Module.OPPORTUNITIES, Action.CONFIGURE)
            or has_perm(user, Module.ADMINISTRATION, Action.CONFIGURE))


def _require_configure(by: User) -> None:
    if not may_configure_pipelines(by):
        raise PermissionDeniedError(_("Only administrators may configure pipelines and stages."))


def _refuse_unknown(data: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({"__all__": [_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}]})


def standard_stages() -> list[dict[str, Any]]:
    """The stages a new pipeline starts with when none are given."""
    return [
        {"name": pgettext("stage", "Qualify"), "kind": StageKind.OPEN, "probability": 10},
        {"name": pgettext("stage", "Propose"), "kind": StageKind.OPEN, "probability": 40},
        {"name": pgettext("stage", "Negotiate"), "kind": StageKind.OPEN, "probability": 70},
        {"name": pgettext("stage", "Won"), "kind": StageKind.WON, "probability": 100},
        {"name": pgettext("stage", "Lost"), "kind": StageKind.LOST, "probability": 0},
    ]


def pipeline_stage_specs(pipeline: Pipeline) -> list[dict[str, Any]]:
    """The stages of ``pipeline`` as specs for ``pipeline_create`` / ``pipeline_add`` (to copy it)."""
    return [
        {"name": s.name, "kind": s.kind, "probability": s.probability, "required_fields": list(s.required_fields or []),
         "requires_document": s.requires_document, "document_category": s.document_category}
        for s in pipeline.stages.order_by("sort_order", "id")
    ]


def _int_field(value: Any, key: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({key: [_("Enter a whole number.")]}) from exc


def _pipeline_check(pipeline: Pipeline) -> None:
    pipeline.name = str(pipeline.name or "").strip()
    pipeline.description = str(pipeline.description or "")
    errors: dict[str, list[str]] = {}
    if not pipeline.name:
        errors["name"] = [_("A pipeline needs a name.")]
    elif Pipeline.objects.filter(name=pipeline.name).exclude(pk=pipeline.pk).exists():
        errors["name"] = [_("A pipeline called “%(name)s” exists.") % {"name": pipeline.name}]
    if pipeline.is_default and not pipeline.is_active:
        errors["is_active"] = [_("The default pipeline must stay active; make another pipeline the default first.")]
    if errors:
        raise ValidationError(errors)
    pipeline.full_clean(validate_unique=False, validate_constraints=False)


@transaction.atomic
def pipeline_add(*, by: User, data: dict[str, Any], stages: list[dict[str, Any]] | None = None) -> Pipeline:
    """Create a pipeline from the settings page. ``data`` keys: name, description, is_default, is_active,
    sort_order (default: last). ``stages`` as for ``pipeline_create``; default: ``standard_stages()``."""
    _require_configure(by)
    _refuse_unknown(data, PIPELINE_FIELDS)
    probe = Pipeline(name=data.get("name", ""), description=data.get("description") or "",
                     is_default=bool(data.get("is_default")), is_active=bool(data.get("is_active", True)))
    if data.get("sort_order") not in (None, ""):
        probe.sort_order = _int_field(data["sort_order"], "sort_order")
    _pipeline_check(probe)
    pipeline = pipeline_create(by=by, name=probe.name, stages=stages or standard_stages(),
                               description=probe.description, is_default=probe.is_default, check_perm=False)
    changed = []
    if not probe.is_active:
        pipeline.is_active = False
        changed.append("is_active")
    if data.get("sort_order") not in (None, ""):
        pipeline.sort_order = probe.sort_order
        changed.append("sort_order")
    if changed:
        pipeline.save(update_fields=changed)
    return pipeline


@transaction.atomic
def pipeline_update(*, pipeline: Pipeline, by: User, data: dict[str, Any]) -> Pipeline:
    """Write the keys of ``data`` (name, description, is_default, is_active, sort_order). Making a pipeline
    the default takes the mark from the others; the default pipeline stays active. An inactive pipeline
    keeps its opportunities but is no longer offered for new ones."""
    _require_configure(by)
    _refuse_unknown(data, PIPELINE_FIELDS)
    current = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    for key in ("name", "description"):
        if key in data:
            setattr(current, key, data[key])
    for key in ("is_default", "is_active"):
        if key in data:
            setattr(current, key, bool(data[key]))
    if data.get("sort_order") not in (None, ""):
        current.sort_order = _int_field(data["sort_order"], "sort_order")
    _pipeline_check(current)
    if current.is_default:
        Pipeline.objects.filter(is_default=True).exclude(pk=current.pk).update(is_default=False)
    current.save()
    return current


@transaction.atomic
def pipeline_delete(*, pipeline: Pipeline, by: User) -> None:
    """Delete a pipeline that no opportunity uses (recycle bin included); otherwise refused with the count."""
    _require_configure(by)
    current = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    used = Opportunity.all_objects.filter(pipeline=current).count()
    if used:
        open_count = Opportunity.all_objects.filter(pipeline=current, status=OpportunityStatus.OPEN).count()
        raise ApplicationError(
            ngettext("The pipeline “%(name)s” has %(count)d opportunity (%(open)d open) and cannot be deleted; "
                     "deactivate it instead.",
                     "The pipeline “%(name)s” has %(count)d opportunities (%(open)d open) and cannot be deleted; "
                     "deactivate it instead.", used) % {"name": current.name, "count": used, "open": open_count},
            code="pipeline_in_use", extra={"count": used, "open": open_count},
        )
    current.delete()


def _stage_used(stage: Stage) -> int:
    """Opportunities in the stage, the recycle bin included."""
    return Opportunity.all_objects.filter(stage=stage).count()


def _fixed_probability(kind: str, value: Any) -> int:
    """The probability for a stage of ``kind``; a won stage other than 100 or a lost one other than 0 is refused."""
    if kind in (StageKind.WON, StageKind.LOST):
        number = _stage_probability(StageKind.OPEN, value)
        fixed = 100 if kind == StageKind.WON else 0
        if number != fixed:
            message = (_("The probability of the won stage is always 100; it cannot be changed.")
                       if kind == StageKind.WON else
                       _("The probability of the lost stage is always 0; it cannot be changed."))
            raise ValidationError({"probability": [message]})
        return fixed
    return _stage_probability(kind, value)


def _document_category_checked(value: Any, current: str = "") -> str:
    """A category code (a code or a name is accepted and stored as the code); blank: any document."""
    from django.db.models import Q

    from forpcrm.documents.models import DocumentCategory

    text = str(value or "").strip()
    if not text or text == current:
        return text
    found = (DocumentCategory.objects.filter(Q(code__iexact=text) | Q(name=text) | Q(name_en__iexact=text),
                                             is_active=True).order_by("sort_order", "id").first())
    if found is None:
        raise ValidationError({"document_category": [_("Choose an active document category.")]})
    return found.code


def _stage_name_checked(stage: Stage, value: Any) -> str:
    name = str(value or "").strip()
    if not name:
        raise ValidationError({"name": [_("A stage needs a name.")]})
    if Stage.objects.filter(pipeline_id=stage.pipeline_id, name=name).exclude(pk=stage.pk).exists():
        raise ValidationError({"name": [_("Every stage needs a name of its own.")]})
    return name


def _stage_set_check(pipeline_id: int) -> None:
    specs = [{"name": s.name, "kind": s.kind} for s in Stage.objects.filter(pipeline_id=pipeline_id)]
    _check_stage_set(specs)


def _collect(errors: dict[str, list[str]], run: Callable[[], Any]) -> Any:
    try:
        return run()
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
        return None


@transaction.atomic
def stage_edit(*, stage: Stage, by: User, data: dict[str, Any], check_set: bool = True) -> Stage:
    """Change a stage (settings page, API). Keys: name, sort_order, kind, probability, required_fields,
    requires_document, document_category. A new probability is applied to the stage's open opportunities
    whose probability was not set by hand (as ``stage_update``); won and lost opportunities are never
    rewritten. Changing the probability of a won (100) or lost (0) stage is refused on ``probability``.
    The kind changes only while no opportunity is in the stage (its probability then follows the kind);
    the pipeline keeps open stages, one won and one lost stage (checked unless ``check_set`` is False)."""
    _require_configure(by)
    _refuse_unknown(data, STAGE_FIELDS)
    current = Stage.objects.select_for_update().get(pk=stage.pk)
    old_probability = current.probability
    errors: dict[str, list[str]] = {}
    if "name" in data:
        name = _collect(errors, lambda: _stage_name_checked(current, data["name"]))
        if name is not None:
            current.name = name
    if data.get("sort_order") not in (None, ""):
        order = _collect(errors, lambda: _int_field(data["sort_order"], "sort_order"))
        if order is not None:
            current.sort_order = order
    kind_changed = False
    if data.get("kind") not in (None, "") and data["kind"] != current.kind:
        used = _stage_used(current)
        if data["kind"] not in StageKind.values:
            errors["kind"] = [_("Choose open, won or lost.")]
        elif used:
            errors["kind"] = [ngettext(
                "The kind of a stage with opportunities cannot change (%(count)d opportunity).",
                "The kind of a stage with opportunities cannot change (%(count)d opportunities).", used,
            ) % {"count": used}]
        else:
            current.kind = data["kind"]
            kind_changed = True
    if kind_changed:
        value = data.get("probability", current.probability)
        probability = _collect(errors, lambda: _stage_probability(current.kind, value))
        if probability is not None:
            current.probability = probability
    elif "probability" in data:
        probability = _collect(errors, lambda: _fixed_probability(current.kind, data["probability"]))
        if probability is not None:
            current.probability = probability
    if "required_fields" in data:
        fields = _collect(errors, lambda: _check_required_fields(data["required_fields"]))
        if fields is not None:
            current.required_fields = fields
    if "requires_document" in data:
        current.requires_document = bool(data["requires_document"])
    if "document_category" in data:
        category = _collect(errors, lambda: _document_category_checked(data["document_category"],
                                                                        current.document_category))
        if category is not None:
            current.document_category = category
    if errors:
        raise ValidationError(errors)
    current.full_clean(validate_unique=False, validate_constraints=False)
    current.save()
    if kind_changed and check_set:
        _stage_set_check(current.pipeline_id)
    if current.probability != old_probability and current.kind == StageKind.OPEN and not kind_changed:
        Opportunity.all_objects.filter(
            stage=current, status=OpportunityStatus.OPEN, probability_overridden=False
        ).update(probability=current.probability, updated_at=timezone.now())
    return current


@transaction.atomic
def stages_save(*, pipeline: Pipeline, by: User, rows: list[dict[str, Any]]) -> list[Stage]:
    """Save the stage table of ``pipeline`` at once: each row is ``{"id": stage id, <keys of stage_edit>}``.
    All rows are saved or none; errors are keyed ``"<stage id>.<field>"`` (``"stages"`` for the set rule)."""
    _require_configure(by)
    stages = {s.pk: s for s in Stage.objects.filter(pipeline=pipeline)}
    errors: dict[str, list[str]] = {}
    for row in rows:
        data = dict(row)
        stage = stages.get(int(data.pop("id", 0) or 0))
        if stage is None:
            errors.setdefault("stages", []).append(_("A stage of another pipeline was sent; reload the page."))
            continue
        try:
            stage_edit(stage=stage, by=by, data=data, check_set=False)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors[f"{stage.pk}.{key}"] = list(messages)
    if not errors:
        _collect(errors, lambda: _stage_set_check(pipeline.pk))
    if errors:
        raise ValidationError(errors)
    return list(Stage.objects.filter(pipeline=pipeline).order_by("sort_order", "id"))


def _renumber(ordered: list[Stage]) -> None:
    changed = []
    for index, stage in enumerate(ordered):
        if stage.sort_order != index:
            stage.sort_order = index
            changed.append(stage)
    if changed:
        Stage.objects.bulk_update(changed, ["sort_order"])


@transaction.atomic
def stage_create(*, pipeline: Pipeline, by: User, data: dict[str, Any]) -> Stage:
    """Add an open stage (name, probability, required_fields, requires_document, document_category,
    sort_order). Without sort_order it comes after the last open stage; the orders are renumbered 0, 1, …"""
    _require_configure(by)
    _refuse_unknown(data, STAGE_FIELDS)
    pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    stage = Stage(pipeline=pipeline)
    errors: dict[str, list[str]] = {}
    if data.get("kind") not in (None, "", StageKind.OPEN):
        errors["kind"] = [_("A pipeline has one won and one lost stage; new stages are open stages.")]
    stage.name = _collect(errors, lambda: _stage_name_checked(stage, data.get("name"))) or ""
    stage.probability = _collect(errors, lambda: _stage_probability(StageKind.OPEN, data.get("probability", 0))) or 0
    stage.required_fields = _collect(errors, lambda: _check_required_fields(data.get("required_fields"))) or []
    stage.requires_document = bool(data.get("requires_document"))
    stage.document_category = _collect(errors, lambda: _document_category_checked(data.get("document_category"))) or ""
    order = None
    if data.get("sort_order") not in (None, ""):
        order = _collect(errors, lambda: _int_field(data["sort_order"], "sort_order"))
    if errors:
        raise ValidationError(errors)
    stage.full_clean(validate_unique=False, validate_constraints=False)
    ordered = list(Stage.objects.select_for_update().filter(pipeline=pipeline).order_by("sort_order", "id"))
    if order is None:
        opens = [i for i, s in enumerate(ordered) if s.kind == StageKind.OPEN]
        position = opens[-1] + 1 if opens else 0
    else:
        position = sum(1 for s in ordered if s.sort_order <= order)
    stage.sort_order = position
    stage.save()
    ordered.insert(position, stage)
    _renumber(ordered)
    return stage


@transaction.atomic
def stage_delete(*, stage: Stage, by: User) -> None:
    """Remove an open stage that no opportunity is in and that no stage history mentions; otherwise
    refused with the count. The won and lost stages and the last open stage stay."""
    _require_configure(by)
    current = Stage.objects.select_for_update().get(pk=stage.pk)
    used = _stage_used(current)
    if used:
        raise ApplicationError(
            ngettext("The stage “%(name)s” has %(count)d opportunity; move it to another stage first.",
                     "The stage “%(name)s” has %(count)d opportunities; move them to another stage first.",
                     used) % {"name": current.name, "count": used},
            code="stage_in_use", extra={"count": used},
        )
    if current.kind != StageKind.OPEN:
        raise ApplicationError(_("A pipeline needs its won and its lost stage; they cannot be removed."),
                               code="stage_required")
    if not Stage.objects.filter(pipeline_id=current.pipeline_id, kind=StageKind.OPEN).exclude(pk=current.pk).exists():
        raise ApplicationError(_("A pipeline needs at least one open stage."), code="stage_required")
    from django.db.models import Q

    history = (StageChange.objects.filter(Q(from_stage=current) | Q(to_stage=current))
               .values("opportunity_id").distinct().count())
    if history:
        raise ApplicationError(
            ngettext("The stage “%(name)s” is in the stage history of %(count)d opportunity and cannot be removed.",
                     "The stage “%(name)s” is in the stage history of %(count)d opportunities and cannot be removed.",
                     history) % {"name": current.name, "count": history},
            code="stage_in_history", extra={"count": history},
        )
    pipeline_id = current.pipeline_id
    current.delete()
    _renumber(list(Stage.objects.filter(pipeline_id=pipeline_id).order_by("sort_order", "id")))


@transaction.atomic
def stage_move(*, stage: Stage, by: User, direction: str) -> list[Stage]:
    """Move a stage one place ``"up"`` or ``"down"``; the orders become 0, 1, … Returns the stages in order."""
    _require_configure(by)
    if direction not in ("up", "down"):
        raise ValidationError({"direction": [_("Move a stage up or down.")]})
    ordered = list(Stage.objects.select_for_update().filter(pipeline_id=stage.pipeline_id).order_by("sort_order", "id"))
    index = [s.pk for s in ordered].index(stage.pk)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(ordered)
    return ordered


@transaction.atomic
def stages_reorder(*, pipeline: Pipeline, by: User, order: list[int]) -> list[Stage]:
    """Put the stages of ``pipeline`` in the order of ``order`` (every stage id once); orders become 0, 1, …"""
    _require_configure(by)
    stages = {s.pk: s for s in Stage.objects.select_for_update().filter(pipeline=pipeline)}
    try:
        ids = [int(pk) for pk in order]
    except (TypeError, ValueError) as exc:
        raise ValidationError({"order": [_("Give every stage of the pipeline once.")]}) from exc
    if sorted(ids) != sorted(stages):
        raise ValidationError({"order": [_("Give every stage of the pipeline once.")]})
    ordered = [stages[pk] for pk in ids]
    _renumber(ordered)
    return ordered
