"""API of the product catalogue: read for whoever may view products, writes through the services."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from forpcrm.org.access import get_visible_or_404
from forpcrm.org.models import Action, Module
from forpcrm.sales.api import ModulePermission

from . import services
from .models import Product


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "code", "series", "unit", "list_price", "is_active"]


class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    module = Module.PRODUCTS
    write_action = Action.EDIT
    permission_classes = [ModulePermission]
    serializer_class = ProductSerializer

    def get_queryset(self):
        qs = Product.objects.visible_to(self.request.user).order_by("series", "name", "id")
        if self.request.query_params.get("active") == "1":
            qs = qs.filter(is_active=True)
        return qs

    def get_object(self):
        return get_visible_or_404(Product, self.request.user, self.kwargs["pk"])

    @extend_schema(request=ProductSerializer, responses=ProductSerializer)
    def create(self, request):
        body = ProductSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        product = services.product_create(by=request.user, data=dict(body.validated_data))
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ProductSerializer, responses=ProductSerializer)
    def partial_update(self, request, pk=None):
        product = self.get_object()
        body = ProductSerializer(product, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        product = services.product_update(product=product, by=request.user, data=dict(body.validated_data))
        return Response(ProductSerializer(product).data)
