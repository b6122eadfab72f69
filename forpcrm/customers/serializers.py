"""Serializers of the customers API. Reads render stored values unchanged (C12); writes only validate
the shape of the input and hand a plain dict to the services, which hold every business rule."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from forpcrm.customfields import registry
from forpcrm.customfields.models import Entity, PicklistKind
from forpcrm.customfields.selectors import all_picklist_labels
from forpcrm.org.models import User

from .models import Contact, Customer, CustomerStatus, CustomerTeamMember, Gender, OwnershipLog


@extend_schema_field({"type": "object", "additionalProperties": True,
                      "description": "User-defined fields: code → value (see /api/v1/custom-fields/)."})
class CustomValuesField(serializers.JSONField):
    """The nested ``custom`` object; validated against the field definitions by the registry."""

    entity = Entity.CUSTOMER

    def __init__(self, *, entity: str, **kwargs):
        self.entity = entity
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Expected an object of user-defined field values."))
        return data


def validate_custom(entity: str, values: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Check user-defined values against the definitions (errors keyed ``custom.<code>``) and return the
    values as sent: the services clean and store them (on update only the codes sent change; null
    clears one)."""
    try:
        registry.clean_values(entity, values, partial=partial, existing={} if partial else None)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(
            {key: [str(m) for e in errors for m in e.messages] for key, errors in exc.error_dict.items()}
        ) from exc
    return values


def with_custom_errors(convert, data, entity: str, *, partial: bool):
    """Run the serializer's own conversion and the user-defined field check together, so one answer
    lists every bad field (``name`` and ``custom.budget`` alike)."""
    errors: dict[str, Any] = {}
    attrs = None
    try:
        attrs = convert(data)
    except serializers.ValidationError as exc:
        errors.update(exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail})
    custom = data.get("custom") if hasattr(data, "get") else None
    if isinstance(custom, dict) and "custom" not in errors:
        try:
            validate_custom(entity, custom, partial=partial)
        except serializers.ValidationError as exc:
            errors.update(exc.detail)
    if errors:
        raise serializers.ValidationError(errors)
    return attrs


# --- reads -------------------------------------------------------------------------------------


@extend_schema_field(str)
class PicklistLabelField(serializers.Field):
    """Read-only label (active language) of a stored picklist value; the labels are read once per response."""

    def __init__(self, kind: str, **kwargs):
        self.kind = kind
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        if value in (None, ""):
            return ""
        context = self.context
        labels = context.get("_picklist_labels") if isinstance(context, dict) else None
        if labels is None:
            labels = all_picklist_labels()
            if isinstance(context, dict):
                context["_picklist_labels"] = labels
        return labels.get(self.kind, {}).get(str(value), str(value))


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="label")


class ContactSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    decision_role_label = PicklistLabelField(PicklistKind.DECISION_ROLE, source="decision_role")
    custom = CustomValuesField(entity=Entity.CONTACT)

    class Meta:
        model = Contact
        fields = ["id", "customer", "customer_name", "name", "gender", "title", "department_name", "mobile",
                  "office_phone", "email", "wechat", "birthday", "decision_role", "decision_role_label", "is_primary", "remarks", "custom",
                  "version", "created_at", "updated_at"]
        read_only_fields = fields


class TeamMemberSerializer(serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.label", read_only=True)

    class Meta:
        model = CustomerTeamMember
        fields = ["user", "user_name", "can_edit", "expires_at", "added_at"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    """One customer as the list and the detail return it. ``contacts`` only with ``?expand=contacts`` and
    only for callers who may view contacts (C08); ``team`` only on the detail."""

    owner_name = serializers.SerializerMethodField()
    department_name = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    industry_label = PicklistLabelField(PicklistKind.INDUSTRY, source="industry")
    source_label = PicklistLabelField(PicklistKind.SOURCE, source="source")
    level_label = PicklistLabelField(PicklistKind.LEVEL, source="level")
    custom = CustomValuesField(entity=Entity.CUSTOMER)
    is_in_pool = serializers.BooleanField(read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "name", "short_name", "credit_code", "industry", "industry_label", "source", "source_label",
                  "level", "level_label", "status", "country", "province", "city", "district", "address", "website",
                  "phone", "email", "founded_year", "revenue",
                  "employees", "credit_limit", "currency", "parent", "owner", "owner_name", "department",
                  "department_name", "tags", "remarks", "custom", "is_in_pool", "last_followup_at",
                  "next_followup_at", "created_at", "updated_at", "version"]
        read_only_fields = fields

    def get_owner_name(self, customer) -> str | None:
        return customer.owner.label if customer.owner_id else None

    def get_department_name(self, customer) -> str | None:
        return customer.department.name if customer.department_id else None

    def get_tags(self, customer) -> list[str]:
        return sorted(t.name for t in customer.tags.all())


class CustomerDetailSerializer(CustomerSerializer):
    team = TeamMemberSerializer(source="team_members", many=True, read_only=True)
    contacts = serializers.SerializerMethodField()

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "team", "contacts"]
        read_only_fields = fields

    @extend_schema_field(ContactSerializer(many=True, allow_null=True))
    def get_contacts(self, customer):
        contacts = self.context.get("contacts")
        if contacts is None:
            return None
        return ContactSerializer(contacts, many=True, context=self.context).data

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("contacts") is None:
            data.pop("contacts", None)
        return data


class OwnershipLogSerializer(serializers.ModelSerializer):
    from_user_name = serializers.CharField(source="from_user.label", read_only=True, default=None)
    to_user_name = serializers.CharField(source="to_user.label", read_only=True, default=None)
    by_name = serializers.CharField(source="by.label", read_only=True, default=None)

    class Meta:
        model = OwnershipLog
        fields = ["id", "action", "from_user", "from_user_name", "to_user", "to_user_name", "reason", "by",
                  "by_name", "at"]
        read_only_fields = fields


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    by = serializers.CharField(allow_null=True)
    action = serializers.CharField(help_text="created, changed, deleted, restored")
    reason = serializers.CharField(allow_blank=True)
    changes = HistoryChangeSerializer(many=True)


def history_entry_data(entry) -> dict:
    def plain(value):
        if value is None or isinstance(value, bool | int | float | str | list | dict):
            return value
        return str(value)

    by = getattr(entry, "by", None)
    return {
        "at": serializers.DateTimeField().to_representation(entry.at) if entry.at else None,
        "by": (by.label if isinstance(by, User) else (str(by) if by else None)),
        "action": str(getattr(entry, "action", "changed")),
        "reason": str(getattr(entry, "reason", "") or ""),
        "changes": [{"field": str(label), "old": plain(old), "new": plain(new)} for label, old, new in entry.changes],
    }


class DuplicateMatchSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField(allow_null=True, help_text="Only for customers the caller may see.")
    name = serializers.CharField()
    owner_name = serializers.CharField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())
    is_visible = serializers.BooleanField()


def duplicate_match_data(match) -> dict:
    return {
        "customer_id": match.customer_id if match.is_visible else None,
        "name": match.name,
        "owner_name": match.owner_name or None,
        "reasons": [str(r) for r in match.reasons],
        "is_visible": bool(match.is_visible),
    }


class DuplicatesFoundSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    matches = DuplicateMatchSerializer(many=True)


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    current = serializers.DictField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(required=False)


# --- writes ------------------------------------------------------------------------------------


class CustomerWriteSerializer(serializers.Serializer):
    """Writable customer fields. Only the keys sent are passed to the service."""

    name = serializers.CharField(max_length=200)
    short_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=60, required=False, allow_blank=True)
    source = serializers.CharField(max_length=60, required=False, allow_blank=True)
    level = serializers.CharField(max_length=20, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=CustomerStatus.choices, required=False)
    country = serializers.CharField(max_length=60, required=False, allow_blank=True)
    province = serializers.CharField(max_length=40, required=False, allow_blank=True)
    city = serializers.CharField(max_length=40, required=False, allow_blank=True)
    district = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    founded_year = serializers.IntegerField(min_value=1800, max_value=2100, required=False, allow_null=True)
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    employees = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    credit_limit = serializers.DecimalField(max_digits=18, decimal_places=2, required=False, allow_null=True)
    currency = serializers.CharField(max_length=3, required=False)
    parent = serializers.IntegerField(required=False, allow_null=True, help_text="Id of a visible customer.")
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)
    remarks = serializers.CharField(required=False, allow_blank=True)
    next_followup_at = serializers.DateTimeField(required=False, allow_null=True)
    custom = CustomValuesField(entity=Entity.CUSTOMER)
    version = serializers.IntegerField(required=False, write_only=True,
                                       help_text="The version read; or send it as If-Match.")

    def __init__(self, *args, instance_customer: Customer | None = None, **kwargs):
        self.customer = instance_customer
        super().__init__(*args, **kwargs)

    def validate_parent(self, value):
        if value is None:
            return None
        user = self.context["request"].user
        parent = Customer.objects.visible_to(user).filter(pk=value).first()
        if parent is None:
            raise serializers.ValidationError(_("No such customer."))
        if self.customer is not None and parent.pk == self.customer.pk:
            raise serializers.ValidationError(_("A customer cannot be its own parent company."))
        return parent

    def to_internal_value(self, data):
        return with_custom_errors(super().to_internal_value, data, Entity.CUSTOMER, partial=self.customer is not None)

    def validate(self, attrs):
        attrs.pop("version", None)
        return attrs


class CustomerCreateSerializer(CustomerWriteSerializer):
    owner = serializers.IntegerField(required=False, allow_null=True,
                                     help_text="Owner's user id; default the caller; null puts it in the pool.")
    confirm_duplicates = serializers.BooleanField(required=False, default=False, write_only=True)

    def validate_owner(self, value):
        if value is None:
            return None
        user = User.objects.filter(pk=value, is_active=True).first()
        if user is None:
            raise serializers.ValidationError(_("No such active user."))
        return user


class ContactWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    department_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=40, required=False, allow_blank=True)
    office_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    wechat = serializers.CharField(max_length=60, required=False, allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True)
    decision_role = serializers.CharField(max_length=40, required=False, allow_blank=True)
    is_primary = serializers.BooleanField(required=False)
    remarks = serializers.CharField(required=False, allow_blank=True)
    custom = CustomValuesField(entity=Entity.CONTACT)
    version = serializers.IntegerField(required=False, write_only=True)

    def __init__(self, *args, instance_contact: Contact | None = None, **kwargs):
        self.contact = instance_contact
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        return with_custom_errors(super().to_internal_value, data, Entity.CONTACT, partial=self.contact is not None)

    def validate(self, attrs):
        attrs.pop("version", None)
        return attrs


class ContactCreateSerializer(ContactWriteSerializer):
    customer = serializers.IntegerField(help_text="Id of a customer the caller may see.")


# --- action inputs -----------------------------------------------------------------------------


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class ReleaseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class AssignSerializer(serializers.Serializer):
    to = serializers.IntegerField(help_text="User id.")

    def validate_to(self, value):
        user = User.objects.filter(pk=value, is_active=True).first()
        if user is None:
            raise serializers.ValidationError(_("No such active user."))
        return user


class TransferSerializer(AssignSerializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class BulkSerializer(serializers.Serializer):
    ACTIONS = ["transfer", "tag", "release", "delete"]

    action = serializers.ChoiceField(choices=ACTIONS)
    ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=1000)
    to = serializers.IntegerField(required=False, help_text="transfer: user id")
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, help_text="tag")
    mode = serializers.ChoiceField(choices=["add", "set"], required=False, default="add",
                                   help_text="tag: add to the existing tags or replace them")
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, help_text="release / transfer")

    def validate(self, attrs):
        action = attrs["action"]
        if action == "transfer":
            user = User.objects.filter(pk=attrs.get("to"), is_active=True).first() if attrs.get("to") else None
            if user is None:
                raise serializers.ValidationError({"to": [_("No such active user.")]})
            attrs["to"] = user
        if action == "tag" and not attrs.get("tags"):
            raise serializers.ValidationError({"tags": [_("This field is required.")]})
        if action == "release" and not (attrs.get("reason") or "").strip():
            raise serializers.ValidationError({"reason": [_("This field is required.")]})
        return attrs


class BulkResultSerializer(serializers.Serializer):
    done = serializers.ListField(child=serializers.IntegerField())
    failed = serializers.DictField(child=serializers.CharField())


class TagsSerializer(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField(max_length=50), allow_empty=True)


class TeamMemberWriteSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    can_edit = serializers.BooleanField(required=False, default=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_user(self, value):
        user = User.objects.filter(pk=value, is_active=True).first()
        if user is None:
            raise serializers.ValidationError(_("No such active user."))
        return user


class MergeSerializer(serializers.Serializer):
    merged = serializers.IntegerField(help_text="Id of the customer merged into this one (it goes away).")


class DuplicateCheckSerializer(CustomerWriteSerializer):
    """The candidate's data; every field optional. ``exclude_id``: the record being edited."""

    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    exclude_id = serializers.IntegerField(required=False, allow_null=True)

    def validate(self, attrs):
        attrs.pop("version", None)
        attrs.pop("custom", None)
        attrs.pop("parent", None)
        return attrs

