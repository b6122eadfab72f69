"""REST endpoints of leads: CRUD in the user's scope, ``check-duplicates`` and ``convert`` (the same
services and rules as the pages); ``register`` adds them to the /api/v1/ router."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from forpcrm.core.api import check_filters, expected_version
from forpcrm.core.money import AMOUNT_ERROR_MESSAGES
from forpcrm.org.access import get_visible_or_404, has_perm
from forpcrm.org.models import Action, Module, User

from . import selectors, services
from .models import Lead

WRITE_ACTIONS = {"create": Action.CREATE, "partial_update": Action.EDIT, "destroy": Action.DELETE,
                 "convert": Action.EDIT, "disqualify": Action.EDIT, "assign": Action.TRANSFER}


class LeadPermission(BasePermission):
    message = _("You do not have permission to perform this action.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and has_perm(user, Module.LEADS, Action.VIEW)):
            return False
        needed = WRITE_ACTIONS.get(getattr(view, "action", ""))
        return needed is None or has_perm(user, Module.LEADS, needed)


class LeadSerializer(serializers.ModelSerializer):
    owner_name = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = ["id", "company_name", "contact_name", "title", "mobile", "phone", "email", "wechat", "province",
                  "city", "address", "source", "industry", "requirement", "estimated_amount", "currency", "status",
                  "disqualify_reason", "owner", "owner_name", "department", "converted_at", "converted_customer",
                  "converted_contact", "converted_opportunity", "version", "created_at", "updated_at"]
        read_only_fields = fields

    def get_owner_name(self, lead: Lead) -> str:
        return str(lead.owner) if lead.owner_id else ""


class LeadWriteSerializer(serializers.Serializer):
    """Input of POST / PATCH (the service validates; unknown keys are refused there)."""

    company_name = serializers.CharField(max_length=200, required=False)
    contact_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=40, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    wechat = serializers.CharField(max_length=60, required=False, allow_blank=True)
    province = serializers.CharField(max_length=40, required=False, allow_blank=True)
    city = serializers.CharField(max_length=40, required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    source = serializers.CharField(max_length=60, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=60, required=False, allow_blank=True)
    requirement = serializers.CharField(required=False, allow_blank=True)
    estimated_amount = serializers.DecimalField(max_digits=18, decimal_places=2, error_messages=AMOUNT_ERROR_MESSAGES, required=False, allow_null=True)
    currency = serializers.CharField(max_length=3, required=False)
    status = serializers.CharField(max_length=20, required=False)
    owner = serializers.IntegerField(required=False, allow_null=True, help_text=_("Only when creating."))
    version = serializers.IntegerField(required=False, help_text=_("The version you read (or send If-Match)."))


WRITABLE = [name for name in LeadWriteSerializer._declared_fields if name not in ("owner", "version")]


class LeadDuplicateCheckSerializer(serializers.Serializer):
    lead = serializers.IntegerField(required=False, help_text=_("Check this lead (else the fields given)."))
    company_name = serializers.CharField(required=False, allow_blank=True)
    credit_code = serializers.CharField(required=False, allow_blank=True)
    contact_name = serializers.CharField(required=False, allow_blank=True)
    mobile = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True)


class CompanyMatchSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField(allow_null=True, help_text=_("Null when you may not see it."))
    name = serializers.CharField()
    owner_name = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    is_visible = serializers.BooleanField()


class PersonMatchSerializer(serializers.Serializer):
    contact_id = serializers.IntegerField(allow_null=True)
    customer_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    customer_name = serializers.CharField()
    owner_name = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    is_visible = serializers.BooleanField()


class ConversionCheckSerializer(serializers.Serializer):
    company = CompanyMatchSerializer(many=True)
    person = PersonMatchSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())


class ConversionConflictSerializer(ConversionCheckSerializer):
    detail = serializers.CharField()
    code = serializers.CharField()


class OpportunitySpecSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    pipeline = serializers.IntegerField(required=False)
    stage = serializers.IntegerField(required=False)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, error_messages=AMOUNT_ERROR_MESSAGES, required=False, allow_null=True)
    expected_close_date = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)


class ConvertSerializer(serializers.Serializer):
    customer_action = serializers.ChoiceField(choices=["create", "link"], default="create")
    customer = serializers.IntegerField(required=False, allow_null=True, help_text=_("Customer to link to."))
    contact_action = serializers.ChoiceField(choices=["create", "link", "skip"], default="create")
    contact = serializers.IntegerField(required=False, allow_null=True, help_text=_("Contact to link to."))
    confirm_duplicates = serializers.BooleanField(default=False)
    opportunity = OpportunitySpecSerializer(required=False, allow_null=True,
                                            help_text=_("Omit or null for no opportunity."))

    def plan(self) -> services.ConversionPlan:
        data = self.validated_data
        spec = data.get("opportunity")
        return services.ConversionPlan(
            customer_action=data["customer_action"], customer_id=data.get("customer"),
            contact_action=data["contact_action"], contact_id=data.get("contact"),
            confirm_duplicates=data["confirm_duplicates"], opportunity=dict(spec) if spec is not None else None)


class ConversionResultSerializer(serializers.Serializer):
    lead = LeadSerializer()
    customer = serializers.IntegerField()
    contact = serializers.IntegerField(allow_null=True)
    opportunity = serializers.IntegerField(allow_null=True)
    customer_created = serializers.BooleanField()
    contact_created = serializers.BooleanField()


class LeadReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class LeadAssignSerializer(serializers.Serializer):
    to = serializers.IntegerField()


LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Search: company, contact, pinyin, phone digits, e-mail"),
    OpenApiParameter("status", str, description="new, contacted, qualified, converted, disqualified or open"),
    OpenApiParameter("source", str), OpenApiParameter("owner", str, description="A user id, me or none"),
    OpenApiParameter("sort", str, enum=list(selectors.SORTS)),
]


class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Leads in the user's scope; writes through the lead services; POST …/{id}/convert/ converts
    atomically (409 with both lists of conflicts when a record to create has likely duplicates)."""

    permission_classes = [LeadPermission]
    serializer_class = LeadSerializer

    def get_queryset(self):
        if self.request.query_params.get("owner") not in ("me", "none"):
            check_filters(self.request, ids=("owner",))
        return selectors.lead_list(user=self.request.user, params=self.request.query_params)

    def get_object(self):
        return get_visible_or_404(Lead.objects.select_related("owner"), self.request.user, self.kwargs["pk"])

    @extend_schema(parameters=LIST_PARAMETERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=LeadWriteSerializer, responses={201: LeadSerializer})
    def create(self, request):
        body = LeadWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {k: v for k, v in body.validated_data.items() if k in WRITABLE}
        extra = {}
        if "owner" in body.validated_data:
            owner_id = body.validated_data["owner"]
            owner = User.objects.filter(pk=owner_id).first() if owner_id else None
            if owner_id and owner is None:
                raise serializers.ValidationError({"owner": [_("Unknown user.")]})
            extra["owner"] = owner
        lead = services.lead_create(by=request.user, data=data, **extra)
        return Response(LeadSerializer(lead).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LeadWriteSerializer, responses=LeadSerializer)
    def partial_update(self, request, pk=None):
        lead = self.get_object()
        body = LeadWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = {k: v for k, v in body.validated_data.items() if k in WRITABLE}
        raw = request.data if hasattr(request.data, "get") else None
        lead = services.lead_update(lead=lead, by=request.user, data=data,
                                    expected_version=expected_version(request, raw))
        return Response(LeadSerializer(lead).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.lead_delete(lead=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=LeadDuplicateCheckSerializer, responses=ConversionCheckSerializer)
    @action(detail=False, methods=["post"], url_path="check-duplicates", pagination_class=None)
    def check_duplicates(self, request):
        """Existing customers and contacts like the given lead (or the given fields, e.g. of an inquiry).
        Writes nothing."""
        body = LeadDuplicateCheckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        lead_id = data.pop("lead", None)
        if lead_id is not None:
            data = services.lead_conversion_data(get_visible_or_404(Lead, request.user, lead_id))
        check = services.conversion_check(by=request.user, data=data)
        return Response(check.as_dict())

    @extend_schema(request=ConvertSerializer,
                   responses={201: ConversionResultSerializer, 409: ConversionConflictSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead = self.get_object()
        body = ConvertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = services.lead_convert(lead=lead, by=request.user, plan=body.plan())
        return Response({
            "lead": LeadSerializer(result.lead).data, "customer": result.customer.pk,
            "contact": result.contact.pk if result.contact else None,
            "opportunity": result.opportunity.pk if result.opportunity else None,
            "customer_created": result.customer_created, "contact_created": result.contact_created,
        }, status=status.HTTP_201_CREATED)

    @extend_schema(request=LeadReasonSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def disqualify(self, request, pk=None):
        body = LeadReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lead = services.lead_disqualify(lead=self.get_object(), by=request.user, reason=body.validated_data["reason"])
        return Response(LeadSerializer(lead).data)

    @extend_schema(request=LeadAssignSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        body = LeadAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        to = User.objects.filter(pk=body.validated_data["to"], is_active=True).first()
        if to is None:
            raise serializers.ValidationError({"to": [_("The owner must be an active user.")]})
        lead = services.lead_assign(lead=self.get_object(), to=to, by=request.user)
        return Response(LeadSerializer(lead).data)


def register(router) -> None:
    """Add this part's viewsets to the API router."""
    router.register("leads", LeadViewSet, basename="lead")
