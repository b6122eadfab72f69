"""API of the sales app: pipelines with stages, opportunities with stage move, won, lost and bulk stage.

Same scope and rules as the pages: lists start from ``visible_to``, writes go through the services.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from forpcrm.core.api import check_filters, expected_version
from forpcrm.org.access import get_visible_or_404, has_perm
from forpcrm.org.models import Action, Module

from . import selectors, services
from .models import Opportunity, Pipeline, Stage


class ModulePermission(BasePermission):
    """Reads need ``view`` on the module; writes need ``configure`` (pipelines) or the record's rules."""

    message = _("You do not have permission to perform this action.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not has_perm(user, view.module, Action.VIEW):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        write = getattr(view, "write_action", None)
        return write is None or has_perm(user, view.module, write)


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "pipeline", "name", "sort_order", "kind", "probability", "required_fields",
                  "requires_document", "document_category"]
        read_only_fields = ["pipeline", "kind"]


class PipelineSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "description", "is_default", "is_active", "sort_order", "stages"]


class StageSpecSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=["open", "won", "lost"], default="open")
    probability = serializers.IntegerField(min_value=0, max_value=100, default=0)
    required_fields = serializers.ListField(child=serializers.CharField(), required=False)
    requires_document = serializers.BooleanField(required=False, default=False)
    document_category = serializers.CharField(required=False, allow_blank=True, default="")


class PipelineCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    is_default = serializers.BooleanField(required=False, default=False)
    stages = StageSpecSerializer(many=True)


class PipelineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pipelines with their ordered stages. Creating one needs the opportunities "configure" permission."""

    module = Module.OPPORTUNITIES
    write_action = Action.CONFIGURE
    permission_classes = [ModulePermission]
    serializer_class = PipelineSerializer

    def get_queryset(self):
        return Pipeline.objects.prefetch_related("stages").order_by("sort_order", "id")

    @extend_schema(request=PipelineCreateSerializer, responses=PipelineSerializer)
    def create(self, request):
        data = PipelineCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pipeline = services.pipeline_create(by=request.user, **data.validated_data)
        return Response(PipelineSerializer(pipeline).data, status=status.HTTP_201_CREATED)


class StageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Stages; PATCH changes name, order, probability (open opportunities follow) and entry requirements."""

    module = Module.OPPORTUNITIES
    write_action = Action.CONFIGURE
    permission_classes = [ModulePermission]
    serializer_class = StageSerializer

    def get_queryset(self):
        qs = Stage.objects.order_by("pipeline_id", "sort_order", "id")
        pipeline = self.request.query_params.get("pipeline")
        check_filters(self.request, ids=("pipeline",))
        return qs.filter(pipeline_id=pipeline) if pipeline else qs

    def partial_update(self, request, pk=None):
        stage = self.get_object()
        allowed = {"name", "sort_order", "probability", "required_fields", "requires_document", "document_category"}
        stage = services.stage_edit(stage=stage, by=request.user,
                                    data={k: v for k, v in request.data.items() if k in allowed})
        return Response(StageSerializer(stage).data)


class OpportunitySerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    owner_name = serializers.CharField(source="owner.label", read_only=True)
    weighted_amount = serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True)

    class Meta:
        model = Opportunity
        fields = ["id", "name", "customer", "customer_name", "contact", "pipeline", "stage", "stage_name", "status",
                  "amount", "currency", "probability", "probability_overridden", "weighted_amount",
                  "expected_close_date", "engaged_on", "closed_on", "cycle_days", "close_reason", "source",
                  "competitors", "description", "tags", "owner", "owner_name", "department", "external_ref",
                  "custom", "version", "created_at", "updated_at"]
        read_only_fields = ["status", "probability_overridden", "closed_on", "cycle_days", "department", "version",
                            "created_at", "updated_at"]


WRITABLE = ["name", "customer", "contact", "pipeline", "stage", "amount", "currency", "probability",
            "expected_close_date", "engaged_on", "source", "competitors", "description", "tags", "owner",
            "external_ref", "custom", "close_reason"]


class MoveSerializer(serializers.Serializer):
    stage = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True)
    closed_on = serializers.DateField(required=False)


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    closed_on = serializers.DateField(required=False)


class BulkStageSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=500)
    stage = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


def _raw(request) -> dict:
    """Only the writable keys the client sent, with ids as ids (the services resolve and check them)."""
    return {k: request.data[k] for k in WRITABLE if k in request.data}


class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Opportunities in the user's scope. Filters as the list page: q, pipeline, stage, status, owner,
    customer, tag, quick=mine|team|month, sort. Writes: POST, PATCH (If-Match / version optional),
    POST …/move/, …/won/, …/lost/, /opportunities/bulk-stage/."""

    module = Module.OPPORTUNITIES
    permission_classes = [ModulePermission]
    serializer_class = OpportunitySerializer

    def get_queryset(self):
        check_filters(self.request, dates=("close_from", "close_to"),
                      ids=("pipeline", "stage", "owner", "customer", "department"))
        return selectors.opportunity_list(user=self.request.user, params=self.request.query_params)

    def get_object(self):
        return get_visible_or_404(Opportunity.objects.select_related("stage", "pipeline"), self.request.user,
                                  self.kwargs["pk"])

    @extend_schema(request=OpportunitySerializer, responses=OpportunitySerializer)
    def create(self, request):
        opportunity = services.opportunity_create(by=request.user, data=_raw(request))
        return Response(OpportunitySerializer(opportunity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OpportunitySerializer, responses=OpportunitySerializer)
    def partial_update(self, request, pk=None):
        opportunity = self.get_object()
        data = request.data if hasattr(request.data, "get") else None
        updated = services.opportunity_update(opportunity=opportunity, by=request.user, data=_raw(request),
                                              expected_version=expected_version(request, data), strict=True)
        return Response(OpportunitySerializer(updated).data)

    def _move(self, request, stage):
        body = MoveSerializer(data={**request.data, "stage": stage.pk})
        body.is_valid(raise_exception=True)
        data = request.data if hasattr(request.data, "get") else None
        moved = services.opportunity_stage_move(
            opportunity=self.get_object(), stage=stage, by=request.user, reason=body.validated_data.get("reason"),
            closed_on=body.validated_data.get("closed_on"), expected_version=expected_version(request, data))
        return Response(OpportunitySerializer(moved).data)

    @extend_schema(request=MoveSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        opportunity = self.get_object()
        stage = Stage.objects.filter(pk=body.validated_data["stage"], pipeline_id=opportunity.pipeline_id).first()
        if stage is None:
            raise serializers.ValidationError({"stage": [_("Choose a stage of the opportunity's pipeline.")]})
        return self._move(request, stage)

    @extend_schema(request=CloseSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def won(self, request, pk=None):
        opportunity = self.get_object()
        return self._move(request, services.terminal_stage(opportunity.pipeline, "won"))

    @extend_schema(request=CloseSerializer, responses=OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def lost(self, request, pk=None):
        opportunity = self.get_object()
        return self._move(request, services.terminal_stage(opportunity.pipeline, "lost"))

    @extend_schema(request=BulkStageSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-stage")
    def bulk_stage(self, request):
        body = BulkStageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stage = Stage.objects.filter(pk=body.validated_data["stage"]).first()
        if stage is None:
            raise serializers.ValidationError({"stage": [_("Unknown stage.")]})
        result = services.opportunities_bulk_stage(opportunity_ids=body.validated_data["ids"], stage=stage,
                                                   by=request.user, reason=body.validated_data["reason"])
        return Response({"done": result.done, "failed": {str(k): v for k, v in result.failed.items()}})
