"""The "urge" items of the customer timeline: visible urges only, each linking to its page."""

from __future__ import annotations

from django.utils.translation import gettext as _

from forpcrm.timeline.registry import TimelineItem

from .models import Urge


def urge_items(*, user, customer, limit: int):
    """Newest first, one query (the user's scope sets are cached on the user)."""
    qs = (Urge.objects.visible_to(user).filter(customer=customer)
          .select_related("created_by", "assignee", "opportunity").order_by("-created_at", "-id")[:limit])
    for urge in qs:
        title = _("%(user)s urged %(assignee)s: %(what)s") % {
            "user": urge.created_by or "—", "assignee": urge.assignee, "what": urge.what[:80]}
        yield TimelineItem(kind="urge", at=urge.created_at, actor=urge.created_by, title=title,
                           url=urge.get_absolute_url(),
                           details={"status": urge.status, "due_at": urge.due_at.isoformat(),
                                    "opportunity": urge.opportunity_id})
