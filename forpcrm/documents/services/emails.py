"""E-mail kept with the customer: send from the CRM, import .eml files, fetch a mailbox.

Sent mail goes through Django's mail backend after the transaction commits (SMTP in production
via the EMAIL_* settings); every message is logged as an ``EmailMessage``. Imported mail is linked
to customers and contacts by address (a contact's e-mail, a customer's e-mail or its mail domain),
only among records the importing user may see; the same Message-ID (or, without one, the same raw
bytes) is imported once. HTML bodies are kept only sanitised (nh3).
"""

from __future__ import annotations

import datetime as dt
import email
import email.utils
import hashlib
import logging
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage as MimeMessage

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage as OutgoingMessage
from django.core.mail import make_msgid
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from forpcrm.core.errors import PermissionDeniedError
from forpcrm.customers.models import Contact, Customer
from forpcrm.customers.normalize import email_key
from forpcrm.documents.files import bytes_store, file_check, files_check, stored_delete
from forpcrm.documents.mailmerge import merge_context, merge_render
from forpcrm.documents.models import (
    EmailDirection,
    EmailMessage,
    EmailSource,
    EmailStatus,
    EmailTemplate,
)
from forpcrm.org.access import require_perm
from forpcrm.org.models import Action, Module

from .documents import _attach

logger = logging.getLogger(__name__)

# Public mail providers: their domain says nothing about the customer.
FREE_MAIL_DOMAINS = frozenset({
    "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn", "sohu.com", "aliyun.com",
    "139.com", "189.cn", "outlook.com", "hotmail.com", "live.com", "gmail.com", "yahoo.com", "icloud.com",
    "me.com", "msn.com", "example.com",
})
_GB_CHARSETS = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "gb_2312-80"}


def _address_pairs(values) -> list[tuple[str, str]]:
    """(name, address) pairs; a header whose whole "name <addr>" was sent as one encoded word is read too."""
    pairs = []
    for name, addr in email.utils.getaddresses([str(v) for v in values if v]):
        if addr and "@" not in addr and "<" in addr:
            pairs.extend(email.utils.getaddresses([addr.strip('"')]))
        else:
            pairs.append((name, addr))
    return pairs


def _addresses(values) -> list[str]:
    """``Name <addr>`` strings as formatted addresses, keeping the display name."""
    result = []
    for name, addr in _address_pairs(values):
        if addr:
            result.append(email.utils.formataddr((name, addr)) if name else addr)
    return result


def _bare(addresses) -> list[str]:
    return [email_key(addr) for _name, addr in email.utils.getaddresses(list(addresses)) if addr]


def _text(value) -> str:
    """A header as text; undeclared 8-bit bytes (GBK mail clients) are decoded as UTF-8 or GB18030."""
    text = "" if value is None else str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape")
        for charset in ("utf-8", "gb18030"):
            try:
                return raw.decode(charset)
            except UnicodeDecodeError:
                continue
        return raw.decode("utf-8", "replace")
    return text


def _part_text(part) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = (part.get_content_charset() or "utf-8").lower()
    if charset in _GB_CHARSETS:
        charset = "gb18030"  # the superset: mail labelled GB2312 often holds GBK characters
    for candidate in (charset, "utf-8", "gb18030"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", "replace")


def html_sanitise(html: str) -> str:
    return nh3.clean(html or "")


def _parse_date(message) -> object:
    value = message.get("date")
    try:
        parsed = email.utils.parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        return timezone.now()
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _msgid(value) -> str:
    text = _text(value).strip()
    return text[:255]


def _link(*, by, addresses: list[str]):
    """(customer, contacts) found by address among the records ``by`` may see (None: the system)."""
    keys = [k for k in dict.fromkeys(addresses) if k]
    if not keys:
        return None, []
    contacts_qs = Contact.objects.all() if by is None else Contact.objects.visible_to(by)
    customers_qs = Customer.objects.all() if by is None else Customer.objects.visible_to(by)
    contacts = list(contacts_qs.filter(email_key__in=keys).select_related("customer").order_by("id")[:50])
    customer = contacts[0].customer if contacts else None
    if customer is None:
        customer = customers_qs.filter(email_key__in=keys).order_by("id").first()
    if customer is None:
        domains = sorted({k.rpartition("@")[2] for k in keys if "@" in k} - FREE_MAIL_DOMAINS)
        if domains:
            condition = Q()
            for domain in domains:
                condition |= Q(email_key__endswith=f"@{domain}") | Q(website__icontains=f"{domain}")
            customer = customers_qs.filter(condition).order_by("id").first()
    return customer, contacts


def _internal_addresses() -> set[str]:
    own = {email_key(settings.DEFAULT_FROM_EMAIL)}
    user = getattr(settings, "FORPCRM_IMAP_USER", "")
    if user and "@" in user:
        own.add(email_key(user))
    return own


def _read(file) -> bytes:
    if hasattr(file, "seek"):
        file.seek(0)
    if hasattr(file, "chunks"):
        return b"".join(file.chunks())
    return file.read()


def email_parse(raw: bytes) -> dict:
    """The fields of an RFC 822 message (decoded subject, addresses, date, text, sanitised HTML, attachments)."""
    message: MimeMessage = email.message_from_bytes(raw, policy=policy.default)  # type: ignore[assignment]
    try:
        subject = _text(message.get("subject", ""))
    except (ValueError, IndexError, AttributeError):
        subject = ""
    from_list = _address_pairs([_text(v) for v in message.get_all("from", [])])
    from_name, from_address = from_list[0] if from_list else ("", "")
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    attachments = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        if data is None:
            continue
        name = _text(part.get_filename() or "") or _("attachment")
        attachments.append((name, data))
    return {
        "message_id": _msgid(message.get("message-id", "")),
        "in_reply_to": _msgid(message.get("in-reply-to", "")),
        "subject": subject.replace("\r", "").replace("\n", " ")[:500],
        "from_name": from_name[:200],
        "from_address": from_address[:320],
        "to": _addresses([_text(v) for v in message.get_all("to", [])]),
        "cc": _addresses([_text(v) for v in message.get_all("cc", [])]),
        "sent_at": _parse_date(message),
        "body_text": _part_text(text_part) if text_part is not None else "",
        "body_html": html_sanitise(_part_text(html_part)) if html_part is not None else "",
        "attachments": attachments,
    }


def _existing(message_id: str, raw_sha256: str) -> EmailMessage | None:
    if message_id:
        return EmailMessage.objects.filter(message_id=message_id).first()
    return EmailMessage.objects.filter(raw_sha256=raw_sha256).first()


def email_store_raw(*, by, raw: bytes, source: str = EmailSource.EML) -> tuple[EmailMessage, bool]:
    """Keep one received message: (message, created). Already known (Message-ID or raw bytes): nothing new.

    ``by`` None is the system (mailbox fetch): links then look at every record."""
    raw_sha256 = hashlib.sha256(raw).hexdigest()
    fields = email_parse(raw)
    found = _existing(fields["message_id"], raw_sha256)
    if found is not None:
        return found, False
    own = _internal_addresses()
    addresses = [a for a in _bare([fields["from_address"], *fields["to"], *fields["cc"]]) if a not in own]
    customer, contacts = _link(by=by, addresses=addresses)
    direction = EmailDirection.INCOMING
    if by is not None and email_key(fields["from_address"]) == email_key(by.email or "-"):
        direction = EmailDirection.OUTGOING
    attachments, notes = [], []
    for name, data in fields.pop("attachments"):
        upload = ContentFile(data, name=name)
        try:
            attachments.append(file_check(upload))
        except ValidationError as exc:
            notes.extend(exc.message_dict.get("files", exc.messages))
    stored: list[str] = []
    try:
        with transaction.atomic():
            raw_name = bytes_store(raw, extension="eml", folder="emails")
            stored.append(raw_name)
            message = EmailMessage(
                direction=direction, status=EmailStatus.RECEIVED if direction == EmailDirection.INCOMING
                else EmailStatus.SENT, source=source, raw_sha256=raw_sha256 if not fields["message_id"] else "",
                customer=customer, owner=by, created_by=by, raw=raw_name, notes=notes, **fields,
            )
            message.full_clean(exclude=["raw"])
            message.save()
            if contacts:
                message.contacts.set(contacts)
            if attachments:
                _attach(by=by, target=message, checked=attachments, category=None)
    except IntegrityError:
        # The same message arrived at the same time through another channel.
        stored_delete(stored)
        found = _existing(fields["message_id"], raw_sha256)
        if found is None:
            raise
        return found, False
    except BaseException:
        stored_delete(stored)
        raise
    return message, True


def email_import_eml(*, by, file) -> EmailMessage:
    """Import an uploaded .eml file; re-importing the same Message-ID returns the stored message."""
    return email_import(by=by, file=file)[0]


def email_import(*, by, file) -> tuple[EmailMessage, bool]:
    """Import an uploaded .eml file: (message, created). Already imported: (the stored message, False)."""
    require_perm(by, Module.CUSTOMERS, Action.VIEW)
    name = str(getattr(file, "name", "") or "")
    if not name.lower().endswith(".eml"):
        raise ValidationError({"file": [_("“%(name)s” is not an .eml file.") % {"name": name}]})
    checked = files_check([file])[0]
    raw = _read(checked.file)
    if b":" not in raw[:2048]:
        raise ValidationError({"file": [_("“%(name)s” is not an e-mail message.") % {"name": name}]})
    return email_store_raw(by=by, raw=raw)


def _addresses_clean(values, field: str) -> list[str]:
    if isinstance(values, str):
        values = values.replace(";", ",").split(",")
    result = []
    for value in values or []:
        value = str(value).strip()
        if not value:
            continue
        _name, addr = email.utils.parseaddr(value)
        try:
            validate_email(addr)
        except ValidationError as exc:
            raise ValidationError({field: [_("“%(address)s” is not a valid e-mail address.") % {"address": value}]}) \
                from exc
        result.append(value)
    return result


def email_render(*, template: EmailTemplate, by, customer=None, contact=None) -> tuple[str, str]:
    """(subject, body) of a template for one customer / contact, as plain text."""
    context = merge_context(contact=contact, customer=customer, user=by)
    subject = merge_render(template.subject, context, field="subject").replace("\r", "").replace("\n", " ")
    return subject, merge_render(template.body, context, field="body")


def email_send(*, by, customer, to, subject, body, template=None, contacts=(), opportunity=None, attachments=(),
               cc=()) -> EmailMessage:
    """Log and send one e-mail to the customer: sent through the mail backend after commit.

    ``by`` must be allowed to edit the customer; contacts must be the customer's. ``attachments`` are
    uploaded files (checked like any document) or documents ``by`` may see (their current version)."""
    if customer is None or not Customer.objects.editable_by(by).filter(pk=customer.pk).exists():
        raise PermissionDeniedError(_("You may not send e-mail for this customer."))
    recipients = _addresses_clean(to, "to")
    if not recipients:
        raise ValidationError({"to": [_("Give at least one recipient.")]})
    copies = _addresses_clean(cc, "cc")
    subject = str(subject or "").replace("\r", "").replace("\n", " ").strip()
    if not subject:
        raise ValidationError({"subject": [_("This field is required.")]})
    contacts = list(contacts or [])
    for contact in contacts:
        if contact.customer_id != customer.pk:
            raise ValidationError({"contacts": [_("Choose contacts of this customer.")]})
    if opportunity is not None and getattr(opportunity, "customer_id", None) != customer.pk:
        raise ValidationError({"opportunity": [_("Choose an opportunity of this customer.")]})
    files = []
    for item in attachments or ():
        if hasattr(item, "current_version"):
            from forpcrm.documents.models import Document

            if not Document.objects.visible_to(by).filter(pk=item.pk).exists() or item.current_version is None:
                raise PermissionDeniedError(_("You may not send this document."))
            version = item.current_version
            handle = version.file.open("rb")
            files.append(ContentFile(handle.read(), name=version.original_name))
            handle.close()
        else:
            files.append(item)
    checked = files_check(files) if files else []
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None
    with transaction.atomic():
        message = EmailMessage(
            direction=EmailDirection.OUTGOING, status=EmailStatus.QUEUED, source=EmailSource.COMPOSED,
            message_id=make_msgid(domain=domain)[:255], subject=subject[:500], from_name=str(by)[:200],
            from_address=settings.DEFAULT_FROM_EMAIL, to=recipients, cc=copies, sent_at=timezone.now(),
            body_text=str(body or ""), customer=customer, opportunity=opportunity, owner=by, template=template,
            created_by=by,
        )
        message.full_clean(exclude=["raw", "opportunity"])
        message.save()
        if contacts:
            message.contacts.set(contacts)
        if checked:
            _attach(by=by, target=message, checked=checked, category=None)
        pk = message.pk
        transaction.on_commit(lambda: email_deliver(pk=pk))
    return message


def _from_header(message: EmailMessage) -> str:
    """The From header: the sender's name on the site's address (replies go to the sender's own)."""
    name = " ".join(str(message.from_name or "").split())
    if not name:
        return message.from_address
    try:
        return str(Address(display_name=name, addr_spec=message.from_address))
    except (ValueError, IndexError):  # an address the header registry cannot split: send it bare
        return message.from_address


def email_deliver(*, pk: int) -> bool:
    """Send a queued message through the mail backend; the outcome is logged on the message."""
    message = EmailMessage.objects.filter(pk=pk, status=EmailStatus.QUEUED).select_related("owner").first()
    if message is None:
        return False
    from forpcrm.documents.models import Document

    outgoing = OutgoingMessage(
        subject=message.subject, body=message.body_text, from_email=_from_header(message), to=message.to,
        cc=message.cc, headers={"Message-ID": message.message_id},
        reply_to=[message.owner.email] if message.owner and message.owner.email else None,
    )
    for document in Document.objects.filter(target_type=message._meta.label_lower, target_id=message.pk) \
            .select_related("current_version").order_by("id"):
        version = document.current_version
        with version.file.open("rb") as handle:
            outgoing.attach(version.original_name, handle.read(), version.content_type)
    try:
        outgoing.send(fail_silently=False)
    except Exception as exc:  # the backend's errors vary (SMTP, socket, …); the message shows what happened
        logger.warning("e-mail %s could not be sent: %s", message.pk, exc)
        EmailMessage.objects.filter(pk=pk).update(status=EmailStatus.FAILED, error=str(exc)[:2000])
        return False
    try:
        raw = outgoing.message().as_bytes()
        raw_name = bytes_store(raw, extension="eml", folder="emails")
    except Exception:  # keeping a copy must never undo a sent message
        logger.exception("e-mail %s: the sent copy could not be kept", message.pk)
        raw_name = ""
    EmailMessage.objects.filter(pk=pk).update(status=EmailStatus.SENT, sent_at=timezone.now(), raw=raw_name)
    return True


@transaction.atomic
def email_template_save(*, by, data: dict, template: EmailTemplate | None = None) -> EmailTemplate:
    """Create or change an e-mail template (administration "configure")."""
    require_perm(by, Module.ADMINISTRATION, Action.CONFIGURE)
    template = template or EmailTemplate(created_by=by)
    for name in ("name", "subject", "body", "is_active"):
        if name in data:
            setattr(template, name, data[name])
    template.updated_by = by
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def email_template_delete(*, by, template: EmailTemplate) -> None:
    require_perm(by, Module.ADMINISTRATION, Action.CONFIGURE)
    template.delete()
