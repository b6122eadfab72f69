"""REST endpoints of the app; ``register`` adds them to the /api/v1/ router.

/api/v1/notifications/               the caller's own notifications (?unread=true|false, ?kind=)
/api/v1/notifications/{id}/          one of them (another user's answers 404)
/api/v1/notifications/{id}/read/     POST: mark it read (or unread with {"unread": true})
/api/v1/notifications/mark-read/     POST {"ids": [..]} or {} for all: mark read, answers the count
/api/v1/notifications/preferences/   GET / PUT {"email_kinds": [..]}: which kinds also go by e-mail
"""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from . import services
from .models import EMAIL_DEFAULT_KINDS, Notification, NotificationKind


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)
    actor_name = serializers.SerializerMethodField()
    title = serializers.CharField(source="display_title", read_only=True,
                                  help_text="The title in the language of the request.")
    body = serializers.CharField(source="display_body", read_only=True,
                                 help_text="The body in the language of the request.")
    msgid = serializers.CharField(read_only=True, help_text="Message id (English source text) of the title; "
                                                            "empty when the title is plain text.")
    params = serializers.DictField(read_only=True, help_text="Parameters of the title message, as stored; a "
                                                             "nested message is {msgid, params[, context]}.")
    body_msgid = serializers.CharField(read_only=True, help_text="Message id of the body; empty for plain text.")
    body_params = serializers.DictField(read_only=True, help_text="Parameters of the body message, as stored.")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "msgid", "params", "body_msgid", "body_params", "url",
                  "object_type", "object_id", "actor", "actor_name", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_actor_name(self, obj) -> str:
        return str(obj.actor) if obj.actor_id else ""


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label="unread")
    kind = django_filters.ChoiceFilter(choices=NotificationKind.choices)

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, allow_null=True,
                                help_text="Ids to mark read; omitted or null marks every unread notification.")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class ReadSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False)


class KindChoiceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    label = serializers.CharField()
    email = serializers.BooleanField()
    email_by_default = serializers.BooleanField()


class PreferencesSerializer(serializers.Serializer):
    email_kinds = serializers.ListField(child=serializers.ChoiceField(choices=NotificationKind.choices))
    kinds = KindChoiceSerializer(many=True, read_only=True)


class PreferencesUpdateSerializer(serializers.Serializer):
    email_kinds = serializers.ListField(child=serializers.ChoiceField(choices=NotificationKind.choices),
                                        allow_empty=True)


def _preferences_payload(user) -> dict:
    current = services.preferences_get(user=user)
    return {
        "email_kinds": [kind for kind in NotificationKind.values if current[kind]],
        "kinds": [{"kind": value, "label": str(label), "email": current[value],
                   "email_by_default": value in EMAIL_DEFAULT_KINDS} for value, label in NotificationKind.choices],
    }


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own notifications, newest first. Nobody reads another user's notifications."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    queryset = Notification.objects.none()

    def get_queryset(self):
        return (Notification.objects.visible_to(self.request.user).select_related("actor")
                .order_by("-created_at", "-id"))

    @extend_schema(request=ReadSerializer, responses=NotificationSerializer)
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request, pk=None):
        notification = self.get_object()
        data = ReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["unread"]:
            services.notification_mark_unread(user=request.user, notification_id=notification.pk)
        else:
            services.notifications_mark_read(user=request.user, ids=[notification.pk])
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=MarkReadSerializer, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="mark-read", filterset_class=None, pagination_class=None)
    def mark_read(self, request):
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(user=request.user, ids=data.validated_data.get("ids"))
        return Response({"marked": marked})

    @extend_schema(methods=["GET"], request=None, responses=PreferencesSerializer)
    @extend_schema(methods=["PUT"], request=PreferencesUpdateSerializer, responses=PreferencesSerializer)
    @action(detail=False, methods=["get", "put"], url_path="preferences", filterset_class=None,
            pagination_class=None)
    def preferences(self, request):
        if request.method == "PUT":
            data = PreferencesUpdateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.preferences_set(user=request.user, email_kinds=data.validated_data["email_kinds"])
        return Response(_preferences_payload(request.user))


def register(router) -> None:
    """Add this app's viewsets to the API router."""
    router.register("notifications", NotificationViewSet, basename="notification")
