"""Customer timeline providers of follow-ups, visits, check-ins and comments (one query each, visible
records only)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from forpcrm.org.access import has_perm
from forpcrm.org.models import Action, Module
from forpcrm.timeline.registry import TimelineItem

from .models import CheckIn, Comment, FollowUp, VisitPlan


def _allowed(user) -> bool:
    return has_perm(user, Module.ACTIVITIES, Action.VIEW)


def followup_items(*, user, customer, limit: int):
    if not _allowed(user):
        return
    from .services import followup_kinds

    labels = dict(followup_kinds())
    rows = (FollowUp.objects.visible_to(user).filter(customer=customer).select_related("owner")
            .order_by("-at", "-id")[:limit])
    for row in rows:
        yield TimelineItem(kind="followup", at=row.at, actor=row.owner,
                           title=_("Follow-up (%(kind)s): %(content)s") % {
                               "kind": labels.get(row.kind, row.kind), "content": row.content[:120]},
                           url=reverse("sales:followup_detail", args=[row.pk]),
                           details={"id": row.pk, "kind": row.kind})


def visit_items(*, user, customer, limit: int):
    if not _allowed(user):
        return
    rows = (VisitPlan.objects.visible_to(user).filter(customer=customer).select_related("owner")
            .order_by("-starts_at", "-id")[:limit])
    for row in rows:
        yield TimelineItem(kind="visit", at=row.starts_at, actor=row.owner,
                           title=_("Visit (%(status)s): %(purpose)s") % {
                               "status": row.get_status_display(), "purpose": row.purpose},
                           url=reverse("sales:visit_detail", args=[row.pk]),
                           details={"id": row.pk, "status": row.status})


def checkin_items(*, user, customer, limit: int):
    if not _allowed(user):
        return
    visible = VisitPlan.objects.visible_to(user).filter(customer=customer)
    rows = (CheckIn.objects.filter(visit__in=visible.values("pk")).select_related("user", "visit")
            .order_by("-at", "-id")[:limit])
    for row in rows:
        place = row.address or f"{row.latitude}, {row.longitude}"
        yield TimelineItem(kind="checkin", at=row.at, actor=row.user,
                           title=_("Checked in at %(place)s") % {"place": place},
                           url=reverse("sales:visit_detail", args=[row.visit_id]) + "#checkins",
                           details={"id": row.pk, "visit": row.visit_id})


def comment_items(*, user, customer, limit: int):
    """Comments on the customer's follow-ups the user may see."""
    if not _allowed(user):
        return
    visible_ids = FollowUp.objects.visible_to(user).filter(customer=customer).values("pk")
    label = FollowUp._meta.label_lower
    rows = (Comment.objects.filter(customer=customer, target_type=label)
            .filter(target_id__in=[str(pk) for pk in visible_ids.values_list("pk", flat=True)[:2000]])
            .select_related("author").order_by("-created_at", "-id")[:limit])
    for row in rows:
        yield TimelineItem(kind="comment", at=row.created_at, actor=row.author,
                           title=_("Comment: %(body)s") % {"body": row.body[:120]},
                           url=reverse("sales:followup_detail", args=[row.target_id]) + "#comments",
                           details={"id": row.pk})
