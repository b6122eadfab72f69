"""/api/v1/contacts/: contacts are visible through their customer and only with contacts view (C08)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from forpcrm.core.errors import ConflictError
from forpcrm.customers import selectors, services
from forpcrm.customers.filters import CONTACT_LIST_PARAMETERS, selector_params
from forpcrm.customers.models import Contact, Customer
from forpcrm.customers.serializers import (
    ConflictSerializer,
    ContactCreateSerializer,
    ContactSerializer,
    ContactWriteSerializer,
    ErrorSerializer,
)
from forpcrm.org.access import get_editable_or_404, get_visible_or_404
from forpcrm.org.api import ModuleActionPermission
from forpcrm.org.models import Action, Module

from .common import SelectablePaginationMixin, conflict_response, required_version, with_etag
from .customers import ERRORS, IF_MATCH


@extend_schema_view(
    list=extend_schema(parameters=CONTACT_LIST_PARAMETERS, responses=ContactSerializer(many=True)),
    retrieve=extend_schema(responses={200: ContactSerializer, 404: ErrorSerializer}),
    create=extend_schema(request=ContactCreateSerializer, responses={201: ContactSerializer, **ERRORS}),
    update=extend_schema(request=ContactWriteSerializer, parameters=[IF_MATCH],
                         responses={200: ContactSerializer, 412: ConflictSerializer, **ERRORS}),
    partial_update=extend_schema(request=ContactWriteSerializer, parameters=[IF_MATCH],
                                 responses={200: ContactSerializer, 412: ConflictSerializer, **ERRORS}),
    destroy=extend_schema(responses={204: None, **ERRORS}),
)
class ContactViewSet(SelectablePaginationMixin, viewsets.GenericViewSet):
    permission_classes = [ModuleActionPermission]
    permission_module = Module.CONTACTS
    action_permissions = {"restore": Action.DELETE, "recycle_bin": Action.VIEW}
    serializer_class = ContactSerializer
    queryset = Contact.objects.none()
    filter_backends: list = []

    def _fresh(self, pk) -> Contact:
        return get_visible_or_404(Contact.objects.select_related("customer"), self.request.user, pk)

    def list(self, request):
        qs = selectors.contact_list(user=request.user, params=selector_params(request.query_params))
        customer = request.query_params.get("customer", "")
        if customer.isdigit():
            qs = qs.filter(customer_id=int(customer))
        return self.paginated(qs.select_related("customer"), ContactSerializer)

    def retrieve(self, request, pk=None):
        contact = self._fresh(pk)
        return with_etag(Response(ContactSerializer(contact).data), contact)

    def create(self, request):
        serializer = ContactCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        customer = Customer.objects.visible_to(request.user).filter(pk=data.pop("customer")).first()
        if customer is None:
            raise serializers.ValidationError({"customer": [_("No such customer.")]})
        contact = services.contact_create(by=request.user, customer=customer, data=data)
        contact = self._fresh(contact.pk)
        return with_etag(Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED), contact)

    def update(self, request, pk=None, partial=False):
        contact = get_editable_or_404(Contact, request.user, pk)
        version = required_version(request)
        serializer = ContactWriteSerializer(data=request.data, partial=partial, instance_contact=contact)
        serializer.is_valid(raise_exception=True)
        try:
            services.contact_update(contact=contact, by=request.user, data=dict(serializer.validated_data),
                                    expected_version=version, strict=True)
        except ConflictError as exc:
            return conflict_response(exc, self._fresh(pk), ContactSerializer, self.get_serializer_context())
        contact = self._fresh(pk)
        return with_etag(Response(ContactSerializer(contact).data), contact)

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        services.contact_delete(contact=get_editable_or_404(Contact, request.user, pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: ContactSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        contact = get_visible_or_404(Contact.all_objects.filter(deleted_at__isnull=False), request.user, pk)
        services.contact_restore(contact=contact, by=request.user)
        contact = self._fresh(pk)
        return with_etag(Response(ContactSerializer(contact).data), contact)

    @extend_schema(responses=ContactSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="recycle-bin")
    def recycle_bin(self, request):
        qs = selectors.recycle_bin(user=request.user, kind="contact").select_related("customer")
        return self.paginated(qs.order_by("-deleted_at", "-id"), ContactSerializer)
