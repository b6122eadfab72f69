"""Reads of the notifications app. Every read starts from the recipient: nobody sees another's inbox."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Notification, NotificationKind

STATUS_UNREAD = "unread"
STATUS_READ = "read"
STATUS_ALL = "all"
STATUSES = (STATUS_ALL, STATUS_UNREAD, STATUS_READ)


def notification_list(*, user, status: str | None = None, kind: str | None = None,
                      q: str | None = None) -> QuerySet[Notification]:
    """The user's notifications, newest first (id tie-breaker), filtered by read state, kind and text
    (``q``: every word in the stored title or body, case-insensitive)."""
    qs = Notification.objects.for_user(user).select_related("actor")
    for word in str(q or "").split()[:10]:
        qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    if status == STATUS_UNREAD:
        qs = qs.filter(read_at__isnull=True)
    elif status == STATUS_READ:
        qs = qs.filter(read_at__isnull=False)
    if kind:
        qs = qs.filter(kind=kind) if kind in NotificationKind.values else qs.none()
    return qs.order_by("-created_at", "-id")


def unread_count(*, user) -> int:
    """How many unread notifications the user has (one query; none for anonymous users)."""
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
