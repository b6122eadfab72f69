"""/api/v1/pool/: customers without an owner that the caller's pool scope covers."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from forpcrm.customers import selectors, services
from forpcrm.customers.filters import CUSTOMER_LIST_PARAMETERS, selector_params
from forpcrm.customers.models import Customer
from forpcrm.customers.serializers import AssignSerializer, CustomerSerializer, ErrorSerializer
from forpcrm.org.access import get_visible_or_404
from forpcrm.org.api import ModuleActionPermission
from forpcrm.org.models import Module

from .common import SelectablePaginationMixin, with_etag
from .customers import ERRORS, list_queryset


@extend_schema_view(
    list=extend_schema(parameters=[p for p in CUSTOMER_LIST_PARAMETERS if p.name != "scope"],
                       responses=CustomerSerializer(many=True)),
    retrieve=extend_schema(responses={200: CustomerSerializer, 404: ErrorSerializer}),
)
class PoolViewSet(SelectablePaginationMixin, viewsets.GenericViewSet):
    permission_classes = [ModuleActionPermission]
    permission_module = Module.POOL
    action_permissions = {"claim": None, "assign": None}
    serializer_class = CustomerSerializer
    queryset = Customer.objects.none()
    filter_backends: list = []

    def _pooled(self, pk) -> Customer:
        return get_visible_or_404(Customer.objects.filter(owner__isnull=True), self.request.user, pk)

    def list(self, request):
        params = selector_params(request.query_params, scope="pool")
        qs = selectors.customer_list(user=request.user, params=params).filter(owner__isnull=True)
        return self.paginated(list_queryset(qs), CustomerSerializer)

    def retrieve(self, request, pk=None):
        customer = self._pooled(pk)
        return with_etag(self._one(customer), customer)

    def _one(self, customer):
        fresh = list_queryset(Customer.objects.filter(pk=customer.pk)).get()
        return Response(CustomerSerializer(fresh).data)

    @extend_schema(request=None, responses={200: CustomerSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        customer = self._pooled(pk)
        services.customer_claim(customer=customer, by=request.user)
        return self._one(customer)

    @extend_schema(request=AssignSerializer, responses={200: CustomerSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        customer = self._pooled(pk)
        serializer = AssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.customer_assign(customer=customer, to=serializer.validated_data["to"], by=request.user)
        return self._one(customer)
