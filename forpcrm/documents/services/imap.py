"""Fetch new messages from an optional IMAP mailbox (a periodic job, idempotent).

Settings (or environment variables of the same names): ``FORPCRM_IMAP_HOST`` (nothing happens
while it is empty), ``FORPCRM_IMAP_PORT`` (993), ``FORPCRM_IMAP_SSL`` (true), ``FORPCRM_IMAP_USER``,
``FORPCRM_IMAP_PASSWORD``, ``FORPCRM_IMAP_FOLDER`` (INBOX). The last UID seen is kept per mailbox
(``ImapState``); a new UIDVALIDITY starts again from the beginning, and the Message-ID check keeps
that from importing anything twice.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from forpcrm.documents.models import EmailSource, ImapState

from .emails import email_store_raw

logger = logging.getLogger(__name__)


def imap_setting(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value in (None, ""):
        value = os.environ.get(name, default)
    return str(value)


def _uid_validity(connection, folder: str) -> str:
    try:
        typ, data = connection.status(folder, "(UIDVALIDITY)")
    except imaplib.IMAP4.error:
        return ""
    if typ != "OK" or not data or not data[0]:
        return ""
    text = data[0].decode() if isinstance(data[0], bytes) else str(data[0])
    found = re.search(r"UIDVALIDITY\s+(\d+)", text)
    return found.group(1) if found else ""


def imap_fetch(now=None) -> int:
    """Import the messages that arrived since the last run; returns how many were new."""
    host = imap_setting("FORPCRM_IMAP_HOST")
    if not host:
        return 0
    user = imap_setting("FORPCRM_IMAP_USER")
    password = imap_setting("FORPCRM_IMAP_PASSWORD")
    folder = imap_setting("FORPCRM_IMAP_FOLDER", "INBOX") or "INBOX"
    use_ssl = imap_setting("FORPCRM_IMAP_SSL", "true").lower() not in ("0", "false", "no", "off")
    port = int(imap_setting("FORPCRM_IMAP_PORT", "993" if use_ssl else "143") or 0)
    mailbox = f"{user}@{host}:{port}/{folder}"
    now = now or timezone.now()
    connection_class = imaplib.IMAP4_SSL if use_ssl else imaplib.IMAP4
    connection = connection_class(host, port)
    created = 0
    try:
        connection.login(user, password)
        connection.select(folder, readonly=True)
        state, _new = ImapState.objects.get_or_create(mailbox=mailbox[:255])
        validity = _uid_validity(connection, folder)
        last_uid = state.last_uid
        if validity and state.uid_validity and validity != state.uid_validity:
            last_uid = 0
        typ, data = connection.uid("SEARCH", None, f"UID {last_uid + 1}:*")
        uids = sorted(int(u) for u in (data[0].split() if typ == "OK" and data and data[0] else []))
        for uid in uids:
            if uid <= last_uid:
                continue  # "n:*" always answers the newest message, even when it is older than n
            typ, parts = connection.uid("FETCH", str(uid), "(RFC822)")
            raw = next((p[1] for p in parts or [] if isinstance(p, tuple) and len(p) > 1), None)
            if typ == "OK" and raw:
                with transaction.atomic():
                    _message, was_new = email_store_raw(by=None, raw=raw, source=EmailSource.IMAP)
                created += int(was_new)
            last_uid = uid
            ImapState.objects.filter(pk=state.pk).update(last_uid=last_uid, uid_validity=validity, fetched_at=now)
        ImapState.objects.filter(pk=state.pk).update(last_uid=last_uid, uid_validity=validity, fetched_at=now)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            connection.logout()
    return created
