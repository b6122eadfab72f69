from django.urls import path

from . import views

app_name = "customfields"
urlpatterns = [
    path("settings/fields/", views.field_list, name="field_list"),
    path("settings/fields/new/", views.field_edit, name="field_create"),
    path("settings/fields/<int:pk>/", views.field_edit, name="field_edit"),
    path("settings/fields/<int:pk>/deactivate/", views.field_deactivate, name="field_deactivate"),
    path("settings/picklists/", views.picklist_list, name="picklist_list"),
    path("settings/picklists/<int:pk>/", views.picklist_edit, name="picklist_edit"),
]
