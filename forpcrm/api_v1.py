"""/api/v1/: one router for every app's API view sets (plus token login and /me/)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from forpcrm.contracts.api import ProductViewSet
from forpcrm.customers.api import ContactViewSet, CustomerViewSet, PoolViewSet
from forpcrm.customfields.api import FieldDefinitionViewSet, PicklistOptionViewSet
from forpcrm.org.api import DepartmentViewSet, MeView, TokenObtainView, UserViewSet
from forpcrm.sales.api import OpportunityViewSet, PipelineViewSet, StageViewSet

router = DefaultRouter()
router.register("users", UserViewSet, basename="user")
router.register("departments", DepartmentViewSet, basename="department")
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("pool", PoolViewSet, basename="pool")
router.register("custom-fields", FieldDefinitionViewSet, basename="custom-field")
router.register("picklists", PicklistOptionViewSet, basename="picklist")
router.register("pipelines", PipelineViewSet, basename="pipeline")
router.register("stages", StageViewSet, basename="stage")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("products", ProductViewSet, basename="product")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    *router.urls,
]

