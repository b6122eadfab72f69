"""REST endpoints of sales reports, report rules, missing submissions and urges; ``register`` adds
them to the /api/v1/ router. Same scope and services as the pages."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from forpcrm.core.api import SelectablePaginationMixin, check_filters, expected_version, with_etag
from forpcrm.core.parsing import filter_date
from forpcrm.org.access import get_visible_or_404
from forpcrm.org.models import Module
from forpcrm.sales.api import ModulePermission

from . import selectors, services
from .models import ReportKind, ReportRule, SalesReport, Urge
from .periods import period_for, today_for
from .summary import summary_compute

# ---------------------------------------------------------------- serializers


@extend_schema_field({"type": "string", "pattern": "^(daily|weekly|monthly)$", "description": "daily | weekly | monthly"})
class ReportKindField(serializers.ChoiceField):
    """The report kind, described by a pattern: an enum named "kind" would collide with other apps' kinds."""

    def __init__(self, **kwargs):
        super().__init__(choices=ReportKind.choices, **kwargs)


class SalesReportSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.label", read_only=True)
    reviewed_by_name = serializers.CharField(source="reviewed_by.label", read_only=True, default=None)
    summary = serializers.JSONField(read_only=True)
    kind = ReportKindField(read_only=True)

    class Meta:
        model = SalesReport
        fields = ["id", "kind", "period_start", "period_end", "author", "author_name", "department", "done", "plans",
                  "problems", "summary", "summary_at", "status", "submitted_at", "reviewed_by", "reviewed_by_name",
                  "reviewed_at", "version", "created_at", "updated_at"]
        read_only_fields = [f for f in fields if f not in ("done", "plans", "problems")]


class ReportCreateSerializer(serializers.Serializer):
    kind = ReportKindField()
    date = serializers.DateField(required=False, help_text="A day of the period; default: today in your time zone.")
    done = serializers.CharField(required=False, allow_blank=True, default="")
    plans = serializers.CharField(required=False, allow_blank=True, default="")
    problems = serializers.CharField(required=False, allow_blank=True, default="")


class ReportUpdateSerializer(serializers.Serializer):
    done = serializers.CharField(required=False, allow_blank=True)
    plans = serializers.CharField(required=False, allow_blank=True)
    problems = serializers.CharField(required=False, allow_blank=True)
    refresh = serializers.BooleanField(required=False, help_text="Recompute the summary now.")
    version = serializers.IntegerField(required=False)


class ReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SummaryPreviewSerializer(serializers.Serializer):
    kind = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    summary = serializers.JSONField()


class ReportRuleSerializer(serializers.ModelSerializer):
    kind = ReportKindField()

    class Meta:
        model = ReportRule
        fields = ["id", "name", "kind", "departments", "include_subdepartments", "roles", "users", "deadline_days",
                  "deadline_time", "skip_weekends", "is_active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class MissingRowSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user.pk")
    user_name = serializers.CharField(source="user.label")
    department = serializers.CharField(source="user.department.name", default=None)
    rule = serializers.IntegerField(source="rule.pk")
    deadline = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=["missing", "late", "on_time", "pending"])
    report = serializers.IntegerField(source="report.pk", default=None)
    submitted_at = serializers.DateTimeField(source="report.submitted_at", default=None)


class UrgeSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    opportunity_name = serializers.CharField(source="opportunity.name", read_only=True, default=None)
    assignee_name = serializers.CharField(source="assignee.label", read_only=True)
    created_by_name = serializers.CharField(source="created_by.label", read_only=True, default=None)

    class Meta:
        model = Urge
        fields = ["id", "customer", "customer_name", "opportunity", "opportunity_name", "assignee", "assignee_name",
                  "created_by", "created_by_name", "what", "due_at", "status", "answer", "answered_at", "done_at",
                  "cancelled_at", "escalated_at", "escalated_to", "created_at", "updated_at"]
        read_only_fields = [f for f in fields if f not in ("what", "due_at")]


class UrgeCreateSerializer(serializers.Serializer):
    customer = serializers.IntegerField(required=False, help_text="Exactly one of customer / opportunity.")
    opportunity = serializers.IntegerField(required=False)
    assignee = serializers.IntegerField(required=False, help_text="Default: the record's owner.")
    what = serializers.CharField()
    due_at = serializers.DateTimeField(help_text="With an offset; without one it is your local time.")


class UrgeUpdateSerializer(serializers.Serializer):
    what = serializers.CharField(required=False)
    due_at = serializers.DateTimeField(required=False)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(required=False, allow_blank=True, default="")


# ---------------------------------------------------------------- reports

REPORT_FILTERS = [
    OpenApiParameter("tab", str, enum=["all", "mine", "review", "team"], description="all (default): every visible "
                     "report; mine; review: others' submitted reports; team: others' reports"),
    OpenApiParameter("kind", str, enum=ReportKind.values), OpenApiParameter("status", str),
    OpenApiParameter("author", int), OpenApiParameter("date", OpenApiTypes.DATE, description="period contains it"),
    OpenApiParameter("date_from", OpenApiTypes.DATE), OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("q", str, description="text in the author's name or the report's content"),
    OpenApiParameter("sort", str, enum=list(selectors.REPORT_SORTS)),
]


class SalesReportViewSet(SelectablePaginationMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    """Sales reports in the user's reports scope. Writes: POST (a draft of the period containing ``date``),
    PATCH (the author's draft; If-Match / version optional), DELETE (drafts), POST …/submit/, …/reopen/,
    …/review/; GET /sales-reports/summary/?kind=&date= previews the summary of one's own period."""

    module = Module.REPORTS
    permission_classes = [ModulePermission]
    serializer_class = SalesReportSerializer

    def get_queryset(self):
        check_filters(self.request, dates=("date", "date_from", "date_to"), ids=("author",))
        params = self.request.query_params.copy()
        params.setdefault("tab", "all")
        return selectors.report_list(user=self.request.user, params=params)

    def get_object(self):
        return get_visible_or_404(SalesReport.objects.select_related("author", "reviewed_by"), self.request.user,
                                  self.kwargs["pk"])

    @extend_schema(parameters=REPORT_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, pk=None):
        report = self.get_object()
        return with_etag(Response(SalesReportSerializer(report).data), report)

    @extend_schema(request=ReportCreateSerializer, responses={201: SalesReportSerializer})
    def create(self, request):
        body = ReportCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        report = services.report_create(by=request.user, kind=data.pop("kind"), day=data.pop("date", None), data=data)
        return with_etag(Response(SalesReportSerializer(report).data, status=status.HTTP_201_CREATED), report)

    @extend_schema(request=ReportUpdateSerializer, responses=SalesReportSerializer)
    def partial_update(self, request, pk=None):
        report = self.get_object()
        body = ReportUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = request.data if hasattr(request.data, "get") else None
        report = services.report_update(report=report, by=request.user, data=body.validated_data,
                                        expected_version=expected_version(request, data))
        return with_etag(Response(SalesReportSerializer(report).data), report)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.report_delete(report=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=SalesReportSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        data = request.data if hasattr(request.data, "get") else None
        report = services.report_submit(report=self.get_object(), by=request.user,
                                        expected_version=expected_version(request, data))
        return with_etag(Response(SalesReportSerializer(report).data), report)

    @extend_schema(request=None, responses=SalesReportSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        report = services.report_reopen(report=self.get_object(), by=request.user)
        return with_etag(Response(SalesReportSerializer(report).data), report)

    @extend_schema(request=ReviewSerializer, responses=SalesReportSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.report_review(report=self.get_object(), by=request.user,
                                        comment=body.validated_data["comment"])
        return with_etag(Response(SalesReportSerializer(report).data), report)

    @extend_schema(parameters=[OpenApiParameter("kind", str, enum=ReportKind.values, description="default: daily"),
                               OpenApiParameter("date", OpenApiTypes.DATE)],
                   responses=SummaryPreviewSerializer)
    @action(detail=False, methods=["get"])
    def summary(self, request):
        kind = request.query_params.get("kind") or ReportKind.DAILY
        if kind not in ReportKind.values:
            raise serializers.ValidationError({"kind": ["daily, weekly or monthly"]})
        field = serializers.DateField()
        day = field.to_internal_value(request.query_params["date"]) if request.query_params.get("date") else None
        start, end = period_for(kind, day or today_for(request.user))
        return Response({"kind": kind, "period_start": start, "period_end": end,
                         "summary": summary_compute(author=request.user, period_start=start, period_end=end)})


class ReportRuleViewSet(viewsets.ModelViewSet):
    """Submission rules. Reading needs reports "view"; writing "configure"."""

    module = Module.REPORTS
    permission_classes = [ModulePermission]
    serializer_class = ReportRuleSerializer

    def get_queryset(self):
        return selectors.rules_list()

    def perform_create(self, serializer):
        serializer.instance = services.rule_save(by=self.request.user, data=dict(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = services.rule_save(by=self.request.user, data=dict(serializer.validated_data),
                                                 rule=serializer.instance)

    def perform_destroy(self, instance):
        services.rule_delete(by=self.request.user, rule=instance)


class ReportMissingViewSet(viewsets.GenericViewSet):
    """Who in the user's reports scope has not submitted (or submitted late) the report of a period."""

    module = Module.REPORTS
    permission_classes = [ModulePermission]
    serializer_class = MissingRowSerializer
    pagination_class = None

    def get_queryset(self):
        return SalesReport.objects.none()

    @extend_schema(parameters=[OpenApiParameter("kind", str, enum=ReportKind.values),
                               OpenApiParameter("date", OpenApiTypes.DATE, description="a day of the period"),
                               OpenApiParameter("only", str, enum=["problems"])],
                   responses=MissingRowSerializer(many=True))
    def list(self, request):
        kind = request.query_params.get("kind") or ReportKind.DAILY
        if kind not in ReportKind.values:
            raise serializers.ValidationError({"kind": ["daily, weekly or monthly"]})
        check_filters(request, dates=("date",))
        day = filter_date(request.query_params.get("date")) or today_for(request.user)
        rows = selectors.report_missing(user=request.user, kind=kind, day=day,
                                        only_problems=request.query_params.get("only") == "problems")
        return Response(MissingRowSerializer(rows, many=True).data)


# ---------------------------------------------------------------- urges

URGE_FILTERS = [
    OpenApiParameter("tab", str, enum=["all", "mine", "me"], description="all (default); mine: I urged; me: urged to me"),
    OpenApiParameter("state", str, enum=["open", "overdue", "done", "answered", "cancelled"]),
    OpenApiParameter("customer", int), OpenApiParameter("opportunity", int),
    OpenApiParameter("q", str, description="text in what, the answer or the record's name"),
    OpenApiParameter("sort", str, enum=list(selectors.URGE_SORTS)),
]


class UrgeViewSet(SelectablePaginationMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet):
    """Urges the user may see (creator, assignee, activities scope over the assignee). POST creates
    (customer or opportunity), PATCH changes what / due_at (the creator), POST …/answer/, …/done/, …/cancel/.
    There is no DELETE: cancelling keeps the urge."""

    module = Module.ACTIVITIES
    permission_classes = [ModulePermission]
    serializer_class = UrgeSerializer

    def get_queryset(self):
        check_filters(self.request, ids=("customer", "opportunity"))
        params = self.request.query_params.copy()
        params.setdefault("tab", "all")
        return selectors.urge_list(user=self.request.user, params=params)

    def get_object(self):
        return get_visible_or_404(Urge.objects.select_related("customer", "opportunity", "assignee", "created_by"),
                                  self.request.user, self.kwargs["pk"])

    @extend_schema(parameters=URGE_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=UrgeCreateSerializer, responses={201: UrgeSerializer})
    def create(self, request):
        body = UrgeCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        urge = services.urge_create(by=request.user, data=dict(body.validated_data))
        return Response(UrgeSerializer(self._fresh(urge)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UrgeUpdateSerializer, responses=UrgeSerializer)
    def partial_update(self, request, pk=None):
        body = UrgeUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        urge = services.urge_update(urge=self.get_object(), by=request.user, data=body.validated_data)
        return Response(UrgeSerializer(self._fresh(urge)).data)

    def _fresh(self, urge):
        return Urge.objects.select_related("customer", "opportunity", "assignee", "created_by").get(pk=urge.pk)

    @extend_schema(request=AnswerSerializer, responses=UrgeSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        urge = services.urge_answer(urge=self.get_object(), by=request.user, answer=body.validated_data["answer"])
        return Response(UrgeSerializer(self._fresh(urge)).data)

    @extend_schema(request=AnswerSerializer, responses=UrgeSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        urge = services.urge_done(urge=self.get_object(), by=request.user, answer=body.validated_data["answer"])
        return Response(UrgeSerializer(self._fresh(urge)).data)

    @extend_schema(request=None, responses=UrgeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        urge = services.urge_cancel(urge=self.get_object(), by=request.user)
        return Response(UrgeSerializer(self._fresh(urge)).data)


def register(router) -> None:
    """Add this part's viewsets to the API router."""
    router.register("sales-reports", SalesReportViewSet, basename="sales-report")
    router.register("report-rules", ReportRuleViewSet, basename="report-rule")
    router.register("report-missing", ReportMissingViewSet, basename="report-missing")
    router.register("urges", UrgeViewSet, basename="urge")

