from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("documents/upload/<str:target_type>/<int:target_id>/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
    path("documents/<int:pk>/delete/", views.document_delete, name="document_delete"),
    path("documents/versions/<int:pk>/download/", views.version_download, name="version_download"),
    path("documents/versions/<int:pk>/preview/", views.version_preview, name="version_preview"),
    path("emails/", views.email_list, name="email_list"),
    path("emails/import/", views.email_import, name="email_import"),
    path("emails/<int:pk>/", views.email_detail, name="email_detail"),
    path("emails/<int:pk>/raw/", views.email_raw, name="email_raw"),
    path("customers/<int:customer_pk>/emails/new/", views.email_compose, name="email_compose"),
    path("customers/<int:pk>/knowledge/", views.knowledge, name="knowledge"),
    path("settings/email-templates/", views.template_list, name="template_list"),
    path("settings/email-templates/new/", views.template_edit, name="template_create"),
    path("settings/email-templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("settings/email-templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
]
