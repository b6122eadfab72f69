from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("forpcrm.org.urls")),
    path("", include("forpcrm.customfields.urls")),
    path("", include("forpcrm.customers.urls")),
    path("", include("forpcrm.notifications.urls")),
    path("", include("forpcrm.documents.urls")),
    path("", include("forpcrm.sales.urls")),
    path("", include("forpcrm.contracts.urls")),
    path("imports/", include("forpcrm.imports.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("forpcrm.api_urls")),
    path("django-admin/", admin.site.urls),
]
