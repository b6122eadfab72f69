"""REST endpoints of the documents app; ``register`` adds them to the /api/v1/ router.

- ``documents``: list (filters target_type + target_id, customer, category, q), retrieve, upload
  (multipart, several files), ``versions`` (new version), ``download`` (a version's file), delete.
- ``emails``: list / retrieve, ``send``, ``import-eml`` (multipart .eml).
- ``email-templates``: read for everyone who sees customers, writes for administrators.

Same scope and validation as the pages: a document whose record the user may not see is 404.
File names are returned exactly as uploaded (they are data, not markup).
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from forpcrm.customers.models import Contact, Customer
from forpcrm.org.access import get_visible_or_404, has_perm
from forpcrm.org.models import Action, Module

from . import selectors, services
from .models import Document, DocumentVersion, EmailMessage, EmailTemplate
from .uploads import NameKeepingMultiPartParser
from .views import file_response

PARSERS = [JSONParser, NameKeepingMultiPartParser, FormParser]


class CustomersViewPermission(BasePermission):
    """E-mail and templates follow the customers they belong to: ``view`` on customers is needed."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and has_perm(user, Module.CUSTOMERS, Action.VIEW))


class DocumentVersionSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField()
    uploaded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = DocumentVersion
        fields = ["id", "number", "original_name", "size", "content_type", "sha256", "uploaded_by",
                  "uploaded_by_name", "uploaded_at", "download_url", "preview_url"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("documents:version_download", args=[obj.pk])

    def get_preview_url(self, obj) -> str:
        return reverse("documents:version_preview", args=[obj.pk])

    def get_uploaded_by_name(self, obj) -> str:
        return str(obj.uploaded_by) if obj.uploaded_by_id else ""


class DocumentSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.SerializerMethodField()
    current_version = DocumentVersionSerializer(read_only=True)
    versions = DocumentVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Document
        fields = ["id", "target_type", "target_id", "customer", "title", "category", "category_name",
                  "version_count", "current_version", "versions", "owner", "created_at", "updated_at"]
        read_only_fields = fields

    def get_category_name(self, obj) -> str:
        return str(obj.category) if obj.category_id else ""


class DocumentUploadSerializer(serializers.Serializer):
    target_type = serializers.CharField(help_text=gettext_lazy("Model label of the record, e.g. customers.customer."))
    target_id = serializers.IntegerField(min_value=1)
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True, use_url=False),
                                  allow_empty=False)
    category = serializers.CharField(required=False, allow_blank=True, default="")
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    new_version_of = serializers.IntegerField(required=False, allow_null=True, default=None)


class VersionUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, use_url=False)


_DOCUMENT_FILTERS = [
    OpenApiParameter("target_type", str, description="Model label of the record, e.g. sales.opportunity"),
    OpenApiParameter("target_id", int),
    OpenApiParameter("customer", int),
    OpenApiParameter("category", str, description="Category code or name"),
    OpenApiParameter("q", str, description="Search in title and file names"),
]
_FILE = {(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}


def _raw_files(request, name: str) -> list:
    """The uploaded files as received (the serializer's FileField must not judge them first)."""
    return request.FILES.getlist(name) if hasattr(request, "FILES") else []


@extend_schema_view(list=extend_schema(parameters=_DOCUMENT_FILTERS))
class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                      viewsets.GenericViewSet):
    """Documents of the records the caller may see."""

    serializer_class = DocumentSerializer
    parser_classes = PARSERS
    queryset = Document.objects.none()

    def get_queryset(self):
        return selectors.document_list(user=self.request.user, params=self.request.query_params)

    def get_object(self):
        return get_visible_or_404(
            Document.objects.select_related("category", "current_version").prefetch_related("versions"),
            self.request.user, self.kwargs["pk"])

    @extend_schema(request={"multipart/form-data": DocumentUploadSerializer},
                   responses={201: DocumentSerializer(many=True)})
    def create(self, request):
        body = DocumentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        target = selectors.target_visible(user=request.user, target_type=data["target_type"],
                                          target_id=data["target_id"])
        if target is None:
            raise Http404
        new_version_of = None
        if data.get("new_version_of"):
            new_version_of = selectors.documents_for(user=request.user, obj=target).filter(
                pk=data["new_version_of"]).first()
            if new_version_of is None:
                raise serializers.ValidationError({"new_version_of": [_("Choose a document of this record.")]})
        documents = services.attachments_add(by=request.user, target=target, files=_raw_files(request, "files"),
                                             category=data["category"], title=data["title"],
                                             new_version_of=new_version_of)
        fresh = selectors.document_list(user=request.user).filter(pk__in=[d.pk for d in documents])
        return Response(DocumentSerializer(fresh, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": VersionUploadSerializer}, responses={201: DocumentSerializer})
    @action(detail=True, methods=["post"])
    def versions(self, request, pk=None):
        document = self.get_object()
        body = VersionUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.document_version_add(by=request.user, document=document, file=_raw_files(request, "file")[0])
        return Response(DocumentSerializer(self.get_object()).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("version", int, description="Version number (default: current)")],
                   responses=_FILE)
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        document = self.get_object()
        number = request.query_params.get("version")
        if number:
            version = document.versions.filter(number=int(number) if number.isdigit() else 0).first()
        else:
            version = document.current_version
        if version is None:
            raise Http404
        return file_response(version, inline=False)

    def destroy(self, request, pk=None):
        services.document_delete(by=request.user, document=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailSerializer(serializers.ModelSerializer):
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = EmailMessage
        fields = ["id", "direction", "status", "source", "message_id", "in_reply_to", "subject", "from_name",
                  "from_address", "to", "cc", "sent_at", "body_text", "body_html", "customer", "contacts",
                  "opportunity", "owner", "template", "error", "notes", "attachments", "created_at"]
        read_only_fields = fields


    def get_attachments(self, obj) -> list[int]:
        return [d.pk for d in getattr(obj, "prefetched_attachments", [])]


class EmailSendSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    to = serializers.ListField(child=serializers.CharField(max_length=320), allow_empty=False)
    cc = serializers.ListField(child=serializers.CharField(max_length=320), required=False, default=list)
    subject = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    body = serializers.CharField(required=False, allow_blank=True, default="")
    template = serializers.IntegerField(required=False, allow_null=True, default=None)
    contacts = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    opportunity = serializers.IntegerField(required=False, allow_null=True, default=None)
    documents = serializers.ListField(child=serializers.IntegerField(), required=False, default=list,
                                      help_text=gettext_lazy("Ids of documents to attach (their current version)."))


class EmlUploadSerializer(serializers.Serializer):
    file = serializers.FileField(use_url=False)


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("customer", int), OpenApiParameter("direction", str, enum=["in", "out"]),
    OpenApiParameter("q", str, description="Search in subject, text and sender")]))
class EmailViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """E-mails kept with the customers the caller may see."""

    serializer_class = EmailSerializer
    permission_classes = [CustomersViewPermission]
    parser_classes = PARSERS
    queryset = EmailMessage.objects.none()

    def get_queryset(self):
        return selectors.email_list(user=self.request.user, params=self.request.query_params) \
            .prefetch_related("contacts")

    def get_object(self):
        return get_visible_or_404(EmailMessage.objects.prefetch_related("contacts"), self.request.user,
                                  self.kwargs["pk"])

    def _with_attachments(self, messages):
        messages = list(messages)
        label = EmailMessage._meta.label_lower
        found: dict[int, list] = {}
        for document in Document.objects.filter(target_type=label, target_id__in=[m.pk for m in messages]) \
                .only("id", "target_id").order_by("id"):
            found.setdefault(document.target_id, []).append(document)
        for message in messages:
            message.prefetched_attachments = found.get(message.pk, [])
        return messages

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(EmailSerializer(self._with_attachments(page), many=True).data)

    def retrieve(self, request, pk=None):
        return Response(EmailSerializer(self._with_attachments([self.get_object()])[0]).data)

    @extend_schema(request=EmailSendSerializer, responses={201: EmailSerializer})
    @action(detail=False, methods=["post"])
    def send(self, request):
        body = EmailSendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = request.user
        customer = get_visible_or_404(Customer, user, data["customer"])
        contacts = list(Contact.objects.visible_to(user).filter(customer=customer, pk__in=data["contacts"]))
        if len(contacts) != len(set(data["contacts"])):
            raise serializers.ValidationError({"contacts": [_("Choose contacts of this customer.")]})
        template = None
        if data.get("template"):
            template = EmailTemplate.objects.filter(pk=data["template"], is_active=True).first()
            if template is None:
                raise serializers.ValidationError({"template": [_("Unknown template.")]})
        opportunity = None
        if data.get("opportunity"):
            model = EmailMessage._meta.get_field("opportunity").related_model
            opportunity = get_visible_or_404(model, user, data["opportunity"])
        documents = list(Document.objects.visible_to(user).filter(pk__in=data["documents"])
                         .select_related("current_version"))
        if len(documents) != len(set(data["documents"])):
            raise Http404
        subject, text = data["subject"], data["body"]
        if template is not None and not (subject and text):
            rendered_subject, rendered_body = services.email_render(
                template=template, by=user, customer=customer, contact=contacts[0] if contacts else None)
            subject, text = subject or rendered_subject, text or rendered_body
        message = services.email_send(by=user, customer=customer, to=data["to"], cc=data["cc"], subject=subject,
                                      body=text, template=template, contacts=contacts, opportunity=opportunity,
                                      attachments=documents)
        message.refresh_from_db()
        return Response(EmailSerializer(self._with_attachments([message])[0]).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": EmlUploadSerializer}, responses={201: EmailSerializer,
                                                                                   200: EmailSerializer})
    @action(detail=False, methods=["post"], url_path="import-eml")
    def import_eml(self, request):
        body = EmlUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message, created = services.email_import(by=request.user, file=_raw_files(request, "file")[0])
        message = get_visible_or_404(EmailMessage.objects.prefetch_related("contacts"), request.user, message.pk)
        return Response(EmailSerializer(self._with_attachments([message])[0]).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class EmailTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmailTemplate
        fields = ["id", "name", "subject", "body", "is_active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class EmailTemplateViewSet(viewsets.ModelViewSet):
    """E-mail templates; creating, changing and deleting needs administration "configure"."""

    serializer_class = EmailTemplateSerializer
    permission_classes = [CustomersViewPermission]
    queryset = EmailTemplate.objects.order_by("name", "id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def create(self, request):
        body = EmailTemplateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        template = services.email_template_save(by=request.user, data=body.validated_data)
        return Response(EmailTemplateSerializer(template).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        template = self.get_object()
        body = EmailTemplateSerializer(template, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        template = services.email_template_save(by=request.user, data=body.validated_data, template=template)
        return Response(EmailTemplateSerializer(template).data)

    def destroy(self, request, pk=None):
        services.email_template_delete(by=request.user, template=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router) -> None:
    """Add this app's viewsets to the API router."""
    router.register("documents", DocumentViewSet, basename="document")
    router.register("emails", EmailViewSet, basename="email")
    router.register("email-templates", EmailTemplateViewSet, basename="email-template")
