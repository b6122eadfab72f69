"""Documents and e-mails on the customer timeline.

They are read live from the documents and e-mails the user may see (timeline providers), not
stored as events: a document of an opportunity the user cannot see never appears on the
customer's timeline, and every link answers 404 to users who may not see it.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from forpcrm.timeline.registry import TimelineItem

from .models import Document, DocumentVersion, EmailDirection, EmailMessage


def document_items(*, user, customer, limit: int):
    versions = DocumentVersion.objects.filter(
        document__in=Document.objects.visible_to(user).filter(customer=customer).values("pk"),
    ).select_related("document", "uploaded_by").order_by("-uploaded_at", "-id")[:limit]
    for version in versions:
        if version.number == 1:
            title = _("Document uploaded: %(title)s") % {"title": version.document.title}
        else:
            title = _("New version %(number)s of %(title)s") % {"number": version.number,
                                                                 "title": version.document.title}
        yield TimelineItem(kind="document", at=version.uploaded_at, actor=version.uploaded_by, title=title,
                           url=reverse("documents:document_detail", args=[version.document_id]),
                           details={"file_name": version.original_name, "version": version.number})


def email_items(*, user, customer, limit: int):
    messages = EmailMessage.objects.visible_to(user).filter(customer=customer).select_related("owner") \
        .defer("body_html", "body_text").order_by("-sent_at", "-id")[:limit]
    for message in messages:
        if message.direction == EmailDirection.OUTGOING:
            title = _("E-mail sent: %(subject)s") % {"subject": message.subject}
        else:
            title = _("E-mail received: %(subject)s") % {"subject": message.subject}
        yield TimelineItem(kind="email", at=message.sent_at, actor=message.owner, title=title,
                           url=reverse("documents:email_detail", args=[message.pk]),
                           details={"direction": message.direction, "status": message.status})
