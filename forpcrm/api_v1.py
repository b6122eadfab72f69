"""/api/v1/: one router for every app's API view sets (plus token login and /me/)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from forpcrm.contracts.api import ProductViewSet
from forpcrm.customers.api import ContactViewSet, CustomerViewSet, PoolViewSet
from forpcrm.customfields.api import FieldDefinitionViewSet, PicklistOptionViewSet
from forpcrm.documents import api as documents_api
from forpcrm.notifications import api as notifications_api
from forpcrm.org.api import DepartmentViewSet, MeView, TokenObtainView, UserViewSet
from forpcrm.sales.activity import api as activity_api
from forpcrm.sales.api import OpportunityViewSet, PipelineViewSet, StageViewSet
from forpcrm.sales.leads import api as leads_api
from forpcrm.sales.reports import api as reports_api

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
for part in (notifications_api, documents_api, activity_api, reports_api, leads_api):
    part.register(router)

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    *router.urls,
]

