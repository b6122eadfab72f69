"""/api/v1/: one router for every app's API view sets (plus token login and /me/)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from forpcrm.customers.api import ContactViewSet, CustomerViewSet, PoolViewSet
from forpcrm.customfields.api import FieldDefinitionViewSet, PicklistOptionViewSet
from forpcrm.org.api import DepartmentViewSet, MeView, TokenObtainView, UserViewSet

router = DefaultRouter()
router.register("users", UserViewSet, basename="user")
router.register("departments", DepartmentViewSet, basename="department")
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("pool", PoolViewSet, basename="pool")
router.register("custom-fields", FieldDefinitionViewSet, basename="custom-field")
router.register("picklists", PicklistOptionViewSet, basename="picklist")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    *router.urls,
]
