"""Pages of the documents app: upload, document detail, download and preview; e-mail compose, import,
list and detail; e-mail templates (settings); the knowledge view of a customer.

Every record is fetched through the user's scope: a document (or e-mail) whose record the user may
not see answers 404 on every URL here.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from forpcrm.core.htmx import SERVICE_ERRORS, note_filter_problems, render_page, report_error
from forpcrm.customers.models import Contact, Customer
from forpcrm.org.access import get_visible_or_404, has_perm, require_page_perm
from forpcrm.org.models import Action, Module

from . import selectors, services
from .files import disposition
from .forms import EmailComposeForm, EmailTemplateForm, EmlImportForm
from .knowledge import knowledge_providers, knowledge_search
from .models import PREVIEW_TYPES, Document, EmailMessage, EmailTemplate
from .uploads import keep_file_names

PAGE_SIZE = 25
PAGE_SIZES = (10, 25, 50, 100)


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("page_size") or PAGE_SIZE)
    except ValueError:
        size = PAGE_SIZE
    return size if size in PAGE_SIZES else PAGE_SIZE


def _back(request, fallback: str):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _error_text(exc) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(m for errors in exc.message_dict.values() for m in errors)
    if hasattr(exc, "messages"):
        return " ".join(exc.messages)
    return getattr(exc, "message", str(exc))


# ---------------------------------------------------------------- documents


@login_required
@keep_file_names
def document_upload(request, target_type: str, target_id: int):
    """POST files (several), category, title, new_version_of for one record; back to its page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    target = selectors.target_visible(user=request.user, target_type=target_type, target_id=target_id)
    if target is None:
        raise Http404(_("Not found."))
    new_version_of = None
    if request.POST.get("new_version_of"):
        new_version_of = selectors.documents_for(user=request.user, obj=target).filter(
            pk=request.POST["new_version_of"] if request.POST["new_version_of"].isdigit() else 0).first()
        if new_version_of is None:
            raise Http404(_("Not found."))
    try:
        documents = services.attachments_add(
            by=request.user, target=target, files=request.FILES.getlist("files"),
            category=request.POST.get("category", ""), title=request.POST.get("title", ""),
            new_version_of=new_version_of)
    except SERVICE_ERRORS as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, ngettext("%(count)s file uploaded.", "%(count)s files uploaded.", len(documents)) % {"count": len(documents)})
    fallback = selectors.document_target_url(target)
    return _back(request, fallback or reverse("documents:email_list"))


def _visible_document(request, pk):
    qs = Document.objects.select_related("category", "owner", "customer", "current_version")
    return get_visible_or_404(qs, request.user, pk)


@login_required
def document_detail(request, pk: int):
    document = _visible_document(request, pk)
    target = services.target_of(document)
    can_upload = target is not None and selectors.target_editable(user=request.user, obj=target)
    return render_page(request, "documents/document_detail.html", {
        "document": document, "versions": list(document.versions.select_related("uploaded_by").order_by("-number")),
        "can_upload": can_upload, "record_url": selectors.document_target_url(target),
        "upload_url": reverse("documents:document_upload", args=[document.target_type, document.target_id]),
        "nav_active": "customers",
    })


@login_required
@require_POST
def document_delete(request, pk: int):
    document = _visible_document(request, pk)
    try:
        services.document_delete(by=request.user, document=document)
    except SERVICE_ERRORS as exc:
        report_error(request, exc)
        return redirect("documents:document_detail", pk=document.pk)
    messages.success(request, _("“%(title)s” moved to the recycle bin.") % {"title": document.title})
    target = services.target_of(document)
    return _back(request, selectors.document_target_url(target) or reverse("customers:customer_list"))


def file_response(version, *, inline: bool):
    """Stream a stored version: attachment (or inline for a preview) under its real name, never sniffed."""
    try:
        handle = default_storage.open(version.file.name, "rb")
    except OSError as exc:
        raise Http404(_("Not found.")) from exc
    content_type = version.content_type if inline else (version.content_type or "application/octet-stream")
    if not inline and content_type.startswith("text/"):
        content_type = "text/plain; charset=utf-8"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = disposition(version.original_name, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; object-src 'self'"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
def version_download(request, pk: int):
    version = selectors.version_visible_or_none(user=request.user, pk=pk)
    if version is None:
        raise Http404(_("Not found."))
    return file_response(version, inline=False)


@login_required
def version_preview(request, pk: int):
    """Images and PDF inline (type from the sniffed content); anything else downloads."""
    version = selectors.version_visible_or_none(user=request.user, pk=pk)
    if version is None:
        raise Http404(_("Not found."))
    return file_response(version, inline=version.content_type in PREVIEW_TYPES)


# ---------------------------------------------------------------- e-mail


def _email_page(request):
    require_page_perm(request.user, Module.CUSTOMERS, Action.VIEW)


@login_required
def email_list(request):
    _email_page(request)
    note_filter_problems(request, ids=("customer",))
    qs = selectors.email_list(user=request.user, params=request.GET).defer("body_html")
    page = Paginator(qs, _page_size(request)).get_page(request.GET.get("page"))
    return render_page(request, "documents/email_list.html", {
        "page_obj": page, "emails": list(page.object_list), "q": request.GET.get("q", ""),
        "direction": request.GET.get("direction", ""), "page_sizes": PAGE_SIZES, "page_size": _page_size(request),
        "nav_active": "customers",
    }, fragment="documents/_email_table.html")


@login_required
def email_detail(request, pk: int):
    _email_page(request)
    message = get_visible_or_404(EmailMessage.objects.select_related("customer", "owner", "template"),
                                 request.user, pk)
    return render_page(request, "documents/email_detail.html", {
        "message": message, "contacts": list(message.contacts.visible_to(request.user).order_by("name", "id")),
        "attachments": list(selectors.email_attachments(message=message)), "nav_active": "customers",
    })


@login_required
def email_raw(request, pk: int):
    _email_page(request)
    message = get_visible_or_404(EmailMessage.objects.all(), request.user, pk)
    if not message.raw:
        raise Http404(_("Not found."))
    try:
        handle = default_storage.open(message.raw.name, "rb")
    except OSError as exc:
        raise Http404(_("Not found.")) from exc
    response = FileResponse(handle, content_type="message/rfc822")
    response["Content-Disposition"] = disposition(f"{(message.subject or 'message')[:100]}.eml")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@login_required
@keep_file_names
def email_compose(request, customer_pk: int):
    """Write an e-mail to a customer, optionally from a template (its merge fields are filled in)."""
    _email_page(request)
    customer = get_visible_or_404(Customer, request.user, customer_pk)
    if not Customer.objects.editable_by(request.user).filter(pk=customer.pk).exists():
        raise Http404(_("Not found."))
    contacts = list(Contact.objects.visible_to(request.user).filter(customer=customer).order_by("name", "id")[:200])
    templates = selectors.email_templates(active_only=True)
    initial = {"to": ", ".join(c.email for c in contacts if c.is_primary and c.email)}
    preview = None
    template_id = request.GET.get("template")
    if request.method == "GET" and template_id:
        template = templates.filter(pk=template_id if str(template_id).isdigit() else 0).first()
        contact = next((c for c in contacts if str(c.pk) == request.GET.get("contact")), None) or next(
            (c for c in contacts if c.is_primary), None)
        if template is not None:
            try:
                subject, body = services.email_render(template=template, by=request.user, customer=customer,
                                                      contact=contact)
            except SERVICE_ERRORS as exc:
                messages.error(request, _error_text(exc))
            else:
                preview = {"subject": subject, "body": body, "contact": contact}
                initial.update({"template": template.pk, "subject": subject, "body": body})
                if contact is not None and contact.email:
                    initial["to"] = contact.email
                    initial["contacts"] = [str(contact.pk)]
    form = EmailComposeForm(request.POST or None, request.FILES or None, contacts=contacts, templates=templates,
                            initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            message = services.email_send(
                by=request.user, customer=customer, to=data["to"], cc=data.get("cc") or "",
                subject=data["subject"], body=data["body"], template=data.get("template"),
                contacts=form.chosen_contacts(), attachments=data.get("attachments") or [])
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("E-mail “%(subject)s” sent.") % {"subject": message.subject})
            return redirect("documents:email_detail", pk=message.pk)
    return render_page(request, "documents/email_compose.html", {
        "form": form, "customer": customer, "contacts": contacts, "templates": list(templates), "preview": preview,
        "nav_active": "customers",
    })


@login_required
@keep_file_names
def email_import(request):
    _email_page(request)
    form = EmlImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            message, created = services.email_import(by=request.user, file=form.cleaned_data["file"])
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            if created:
                messages.success(request, _("E-mail “%(subject)s” imported.") % {"subject": message.subject})
                for note in message.notes or []:
                    messages.warning(request, note)
                return redirect("documents:email_detail", pk=message.pk)
            if EmailMessage.objects.visible_to(request.user).filter(pk=message.pk).exists():
                messages.info(request, _("E-mail “%(subject)s” was already imported; this is the stored copy.")
                              % {"subject": message.subject})
                return redirect("documents:email_detail", pk=message.pk)
            form.add_error("file", _("This e-mail was already imported by someone else; ask them to share it."))
    return render_page(request, "documents/email_import.html", {"form": form, "nav_active": "customers"})


# ---------------------------------------------------------------- e-mail templates (settings)


def _template_admin(request):
    require_page_perm(request.user, Module.ADMINISTRATION, Action.CONFIGURE)


@login_required
def template_list(request):
    _template_admin(request)
    return render_page(request, "documents/template_list.html", {
        "templates": list(selectors.email_templates()), "nav_active": "settings"})


@login_required
def template_edit(request, pk: int | None = None):
    _template_admin(request)
    template = None
    if pk is not None:
        template = EmailTemplate.objects.filter(pk=pk).first()
        if template is None:
            raise Http404(_("Not found."))
    form = EmailTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.email_template_save(by=request.user, data=form.cleaned_data,
                                                 template=EmailTemplate.objects.filter(pk=pk).first() if pk else None)
        except SERVICE_ERRORS as exc:
            report_error(request, exc, form)
        else:
            messages.success(request, _("Template “%(name)s” saved.") % {"name": saved.name})
            return redirect("documents:template_list")
    return render_page(request, "documents/template_form.html", {"form": form, "template": template,
                                                                 "nav_active": "settings"})


@login_required
@require_POST
def template_delete(request, pk: int):
    _template_admin(request)
    template = EmailTemplate.objects.filter(pk=pk).first()
    if template is None:
        raise Http404(_("Not found."))
    services.email_template_delete(by=request.user, template=template)
    messages.success(request, _("Template “%(name)s” deleted.") % {"name": template.name})
    return redirect("documents:template_list")


# ---------------------------------------------------------------- knowledge view


@login_required
def knowledge(request, pk: int):
    """Documents, e-mails, contracts, approvals … of one customer, searched together, newest first."""
    require_page_perm(request.user, Module.CUSTOMERS, Action.VIEW)
    customer = get_visible_or_404(Customer, request.user, pk)
    providers = knowledge_providers()
    kind = request.GET.get("kind", "")
    kinds = [kind] if kind in {p.kind for p in providers} else None
    query = request.GET.get("q", "")
    results = knowledge_search(user=request.user, customer=customer, query=query, kinds=kinds)
    page = Paginator(results, _page_size(request)).get_page(request.GET.get("page"))
    return render_page(request, "documents/knowledge.html", {
        "customer": customer, "page_obj": page, "items": list(page.object_list), "q": query,
        "kind": kinds[0] if kinds else "", "providers": providers, "page_sizes": PAGE_SIZES,
        "page_size": _page_size(request), "nav_active": "customers",
        "can_send": Customer.objects.editable_by(request.user).filter(pk=customer.pk).exists(),
        "can_import": has_perm(request.user, Module.CUSTOMERS, Action.VIEW),
    }, fragment="documents/_knowledge_results.html")
