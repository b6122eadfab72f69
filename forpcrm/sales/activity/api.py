"""REST endpoints of follow-ups, comments, visit plans (check-in, complete, cancel) and the calendar feed.

Same scope and services as the pages: querysets start from ``visible_to``; writes call the services."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from forpcrm.core.api import check_filters, expected_version
from forpcrm.org.access import get_visible_or_404
from forpcrm.org.models import Module
from forpcrm.sales.api import ModulePermission

from . import selectors, services
from .models import CheckIn, Comment, FollowUp, VisitPlan


class FollowUpSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(max_length=30)

    class Meta:
        model = FollowUp
        fields = ["id", "customer", "contact", "opportunity", "visit", "owner", "kind", "at", "content", "next_at",
                  "next_content", "created_at", "updated_at"]
        read_only_fields = ["owner", "visit", "created_at", "updated_at"]
        extra_kwargs = {"at": {"required": False}}


class CommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = ["id", "target_type", "target_id", "author", "body", "mentions", "created_at"]
        read_only_fields = ["author", "mentions", "created_at"]


class CheckInSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckIn
        fields = ["id", "visit", "user", "at", "latitude", "longitude", "accuracy_m", "address", "photo"]
        read_only_fields = ["visit", "user"]
        extra_kwargs = {"at": {"required": False}, "latitude": {"max_digits": 12, "decimal_places": 8},
                        "longitude": {"max_digits": 12, "decimal_places": 8}}


class VisitSerializer(serializers.ModelSerializer):
    checkins = CheckInSerializer(many=True, read_only=True)

    class Meta:
        model = VisitPlan
        fields = ["id", "customer", "contacts", "companions", "opportunity", "owner", "purpose", "starts_at",
                  "ends_at", "time_zone", "recurrence", "repeat_until", "status", "remind_minutes", "result",
                  "completed_at", "cancel_reason", "version", "checkins"]
        read_only_fields = ["owner", "status", "result", "completed_at", "cancel_reason", "version"]
        extra_kwargs = {"contacts": {"required": False}, "companions": {"required": False}}


class CompleteSerializer(serializers.Serializer):
    result = serializers.CharField()
    next_at = serializers.DateTimeField(required=False, allow_null=True)
    next_content = serializers.CharField(required=False, allow_blank=True, default="")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class CalendarItemSerializer(serializers.Serializer):
    kind = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    title = serializers.CharField()
    url = serializers.CharField()
    owner = serializers.IntegerField(source="owner.pk", allow_null=True)
    customer_name = serializers.CharField()
    status = serializers.CharField()
    record_id = serializers.IntegerField()


def _pick(request, names) -> dict:
    return {k: request.data[k] for k in names if k in request.data}


FOLLOWUP_WRITABLE = ("customer", "contact", "opportunity", "kind", "at", "content", "next_at", "next_content")
VISIT_WRITABLE = ("customer", "contacts", "companions", "opportunity", "purpose", "starts_at", "ends_at", "time_zone",
                  "recurrence", "repeat_until", "remind_minutes")


def _visit_data(request) -> dict:
    data = _pick(request, VISIT_WRITABLE)
    for key in ("contacts", "companions"):
        if key in data and hasattr(request.data, "getlist"):
            data[key] = request.data.getlist(key)
    if data.get("repeat_until"):
        try:
            data["repeat_until"] = dt.date.fromisoformat(str(data["repeat_until"]))
        except ValueError as exc:
            raise serializers.ValidationError({"repeat_until": [_("Enter a valid date.")]}) from exc
    return data


@extend_schema(parameters=[
    OpenApiParameter("q", str), OpenApiParameter("kind", str), OpenApiParameter("owner", int),
    OpenApiParameter("customer", int), OpenApiParameter("opportunity", int), OpenApiParameter("contact", int),
    OpenApiParameter("date_from", OpenApiTypes.DATE), OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("sort", str)])
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Follow-ups in the user's scope (filters as the list page). POST, PATCH, DELETE through the services."""

    module = Module.ACTIVITIES
    permission_classes = [ModulePermission]
    serializer_class = FollowUpSerializer

    def get_queryset(self):
        check_filters(self.request, dates=("date_from", "date_to"),
                      ids=("owner", "customer", "contact", "opportunity", "visit"))
        return selectors.followup_list(user=self.request.user, params=self.request.query_params)

    def get_object(self):
        return get_visible_or_404(FollowUp.objects.select_related("customer", "owner"), self.request.user,
                                  self.kwargs["pk"])

    @extend_schema(request=FollowUpSerializer, responses=FollowUpSerializer)
    def create(self, request):
        followup = services.followup_create(by=request.user, data=_pick(request, FOLLOWUP_WRITABLE))
        return Response(FollowUpSerializer(followup).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FollowUpSerializer, responses=FollowUpSerializer)
    def partial_update(self, request, pk=None):
        followup = services.followup_update(followup=self.get_object(), by=request.user,
                                            data=_pick(request, FOLLOWUP_WRITABLE))
        return Response(FollowUpSerializer(followup).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.followup_delete(followup=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _comment_target(user, target_type: str, target_id):
    """The record a comment is about, fetched through its model's scope (404 when not visible)."""
    try:
        model = apps.get_model(str(target_type or ""))
    except (LookupError, ValueError) as exc:
        raise Http404 from exc
    if not hasattr(model.objects.all(), "visible_to"):
        raise Http404
    return get_visible_or_404(model, user, target_id)


@extend_schema(parameters=[OpenApiParameter("target_type", str, description="model label, e.g. sales.followup"),
                           OpenApiParameter("target_id", str)])
class CommentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Comments on a record the user may see: ``?target_type=sales.followup&target_id=12``; POST adds one."""

    module = Module.ACTIVITIES
    permission_classes = [ModulePermission]
    serializer_class = CommentSerializer
    queryset = Comment.objects.none()

    def get_queryset(self):
        params = self.request.query_params
        if not params.get("target_type") and not params.get("target_id"):
            return Comment.objects.none()
        target = _comment_target(self.request.user, params.get("target_type"), params.get("target_id"))
        return selectors.comments_for(target=target).prefetch_related("mentions")

    @extend_schema(request=CommentSerializer, responses=CommentSerializer)
    def create(self, request):
        target = _comment_target(request.user, request.data.get("target_type"), request.data.get("target_id"))
        comment = services.comment_add(by=request.user, target=target, body=request.data.get("body", ""))
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[
    OpenApiParameter("q", str), OpenApiParameter("status", str), OpenApiParameter("owner", int),
    OpenApiParameter("customer", int), OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE), OpenApiParameter("sort", str)])
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Visit plans in the user's scope; POST, PATCH (If-Match / version), DELETE, and the actions
    …/check-in/, …/complete/, …/cancel/."""

    module = Module.ACTIVITIES
    permission_classes = [ModulePermission]
    serializer_class = VisitSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        check_filters(self.request, dates=("date_from", "date_to"), ids=("owner", "customer", "opportunity"))
        return selectors.visit_list(user=self.request.user, params=self.request.query_params).prefetch_related(
            "contacts", "companions", "checkins")

    def get_object(self):
        return get_visible_or_404(selectors.visit_detail_queryset(), self.request.user, self.kwargs["pk"])

    def _answer(self, visit, code=status.HTTP_200_OK):
        return Response(VisitSerializer(self.get_queryset().model.objects.prefetch_related(
            "contacts", "companions", "checkins").get(pk=visit.pk)).data, status=code)

    @extend_schema(request=VisitSerializer, responses=VisitSerializer)
    def create(self, request):
        visit = services.visit_create(by=request.user, data=_visit_data(request))
        return self._answer(visit, status.HTTP_201_CREATED)

    @extend_schema(request=VisitSerializer, responses=VisitSerializer)
    def partial_update(self, request, pk=None):
        data = request.data if hasattr(request.data, "get") else None
        visit = services.visit_update(visit=self.get_object(), by=request.user, data=_visit_data(request),
                                      expected_version=expected_version(request, data))
        return self._answer(visit)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.visit_delete(visit=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=CheckInSerializer, responses=CheckInSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        visit = self.get_object()
        checkin = services.checkin_add(
            visit=visit, by=request.user, latitude=request.data.get("latitude"),
            longitude=request.data.get("longitude"), accuracy_m=request.data.get("accuracy_m"),
            address=request.data.get("address", ""), photo=request.FILES.get("photo"))
        return Response(CheckInSerializer(checkin).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CompleteSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = request.data if hasattr(request.data, "get") else None
        followup = services.visit_complete(visit=self.get_object(), by=request.user,
                                           expected_version=expected_version(request, data), **body.validated_data)
        return Response(FollowUpSerializer(followup).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CancelSerializer, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = request.data if hasattr(request.data, "get") else None
        visit = services.visit_cancel(visit=self.get_object(), by=request.user, reason=body.validated_data["reason"],
                                      expected_version=expected_version(request, data))
        return self._answer(visit)


class CalendarViewSet(viewsets.GenericViewSet):
    """Calendar feed: visits (every occurrence), follow-ups and next follow-ups in [start, end)
    (default: the current week in the user's time zone)."""

    queryset = VisitPlan.objects.none()
    module = Module.ACTIVITIES
    permission_classes = [ModulePermission]
    serializer_class = CalendarItemSerializer
    pagination_class = None

    @extend_schema(parameters=[OpenApiParameter("start", OpenApiTypes.DATETIME),
                               OpenApiParameter("end", OpenApiTypes.DATETIME),
                               OpenApiParameter("user", str, description="a user id or 'team'")],
                   responses=CalendarItemSerializer(many=True))
    def list(self, request):
        from django.utils.dateparse import parse_datetime

        from .views import calendar_who

        try:
            start = parse_datetime(request.query_params.get("start") or "")
            end = parse_datetime(request.query_params.get("end") or "")
        except ValueError:  # well-formed but impossible, e.g. month 13
            start = end = None
        if not request.query_params.get("start") and not request.query_params.get("end"):
            from django.utils import timezone

            today = timezone.now().astimezone(selectors.user_zone(request.user)).date()
            monday = today - dt.timedelta(days=today.weekday())
            start = dt.datetime.combine(monday, dt.time(), tzinfo=selectors.user_zone(request.user))
            end = start + dt.timedelta(days=7)
        if start is None or end is None or start.tzinfo is None or end.tzinfo is None or end <= start:
            raise serializers.ValidationError({"start": [_("Give start and end as date-times with a time zone.")]})
        if end - start > dt.timedelta(days=62):
            raise serializers.ValidationError({"end": [_("Ask for at most 62 days at a time.")]})
        who, _value = calendar_who(request.user, request.query_params.get("user") or "")
        items = selectors.calendar_items(user=request.user, start=start, end=end, who=who)
        return Response(CalendarItemSerializer(items, many=True).data)


def register(router) -> None:
    """Add this part's viewsets to the API router."""
    router.register("followups", FollowUpViewSet, basename="followup")
    router.register("comments", CommentViewSet, basename="comment")
    router.register("visits", VisitViewSet, basename="visit")
    router.register("calendar-items", CalendarViewSet, basename="calendar-item")
