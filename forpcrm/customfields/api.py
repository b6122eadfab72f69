"""API for user-defined field definitions and picklist values.

Read: anyone who may view the entity the field belongs to (customer fields need customers view, contact
fields contacts view); picklists: every signed-in user. Write: administration "configure", through the
customfields services.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from forpcrm.org.access import has_perm
from forpcrm.org.models import Action, Module

from . import services
from .models import Entity, FieldDefinition, FieldType, PicklistKind, PicklistOption

ENTITY_MODULES = {Entity.CUSTOMER: Module.CUSTOMERS, Entity.CONTACT: Module.CONTACTS,
                  Entity.OPPORTUNITY: Module.OPPORTUNITIES}
SAFE_ACTIONS = {"list", "retrieve", "metadata"}


class ConfigureToWrite(BasePermission):
    """Reads for every signed-in user (rows are filtered by entity); writes need administration configure."""

    message = _("You do not have permission to perform this action.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if getattr(view, "action", None) in SAFE_ACTIONS:
            return True
        return has_perm(request.user, Module.ADMINISTRATION, Action.CONFIGURE)


class FieldOptionSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=60)
    label = serializers.CharField(max_length=100)
    label_en = serializers.CharField(max_length=100, required=False, allow_blank=True)


class FieldDefinitionSerializer(serializers.ModelSerializer):
    options = FieldOptionSerializer(many=True, required=False)
    default = serializers.JSONField(required=False, allow_null=True)
    display_label = serializers.CharField(read_only=True)

    class Meta:
        model = FieldDefinition
        fields = ["id", "entity", "code", "label", "label_en", "display_label", "field_type", "required", "default",
                  "help_text", "options", "sort_order", "show_in_list", "is_searchable", "is_active"]
        # Uniqueness (entity, code) is checked by the service's full_clean; the model validator would
        # need both fields on every partial update.
        validators: list = []


class PicklistOptionSerializer(serializers.ModelSerializer):
    display_label = serializers.CharField(read_only=True)

    class Meta:
        model = PicklistOption
        fields = ["id", "kind", "value", "label", "label_en", "display_label", "sort_order", "is_active"]
        validators: list = []


def _plain(data) -> dict:
    result = dict(data)
    if "options" in result:
        result["options"] = [dict(o) for o in result["options"]]
    return result


def _fixed_keys(record, data: dict, keys: tuple[str, ...]) -> dict:
    """Keys that identify stored values never change; sending them unchanged is fine."""
    errors = {k: [_("This cannot be changed once it exists.")] for k in keys if k in data and data[k] != getattr(record, k)}
    if errors:
        raise serializers.ValidationError(errors)
    return {k: v for k, v in data.items() if k not in keys}


def _entities_for(user) -> list[str]:
    return [entity for entity, module in ENTITY_MODULES.items() if has_perm(user, module, Action.VIEW)]


class FieldDefinitionViewSet(viewsets.ModelViewSet):
    """User-defined fields of customers and contacts. Deleting deactivates the field (values are kept)."""

    serializer_class = FieldDefinitionSerializer
    permission_classes = [ConfigureToWrite]
    filterset_fields = ["entity", "field_type", "is_active"]
    queryset = FieldDefinition.objects.none()

    def get_queryset(self):
        qs = FieldDefinition.objects.order_by("entity", "sort_order", "id")
        if has_perm(self.request.user, Module.ADMINISTRATION, Action.CONFIGURE):
            return qs
        return qs.filter(entity__in=_entities_for(self.request.user))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = _plain(serializer.validated_data)
        definition = services.field_definition_create(by=request.user, entity=data.pop("entity"),
                                                      code=data.pop("code"), data=data)
        return Response(self.get_serializer(definition).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        definition = self.get_object()
        serializer = self.get_serializer(definition, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = _fixed_keys(definition, _plain(serializer.validated_data), ("entity", "code"))
        definition = services.field_definition_update(definition=definition, by=request.user, data=data)
        return Response(self.get_serializer(definition).data)

    def destroy(self, request, *args, **kwargs):
        services.field_definition_deactivate(definition=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PicklistOptionViewSet(viewsets.ModelViewSet):
    """Values of the built-in list fields (industry, source, level, decision role, release reason)."""

    serializer_class = PicklistOptionSerializer
    permission_classes = [ConfigureToWrite]
    filterset_fields = ["kind", "is_active"]
    queryset = PicklistOption.objects.none()
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return PicklistOption.objects.order_by("kind", "sort_order", "id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        option = services.picklist_option_create(by=request.user, kind=data.pop("kind"), value=data.pop("value"),
                                                 data=data)
        return Response(self.get_serializer(option).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        option = self.get_object()
        serializer = self.get_serializer(option, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = _fixed_keys(option, dict(serializer.validated_data), ("kind", "value"))
        option = services.picklist_option_update(option=option, by=request.user, data=data)
        return Response(self.get_serializer(option).data)


__all__ = ["FieldDefinitionViewSet", "FieldType", "PicklistKind", "PicklistOptionViewSet"]
