from django.urls import path

from . import views, views_settings

app_name = "sales"

urlpatterns = [
    path("opportunities/", views.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/move/", views.kanban_move, name="opportunity_move"),
    path("opportunities/<int:pk>/won/", views.opportunity_close, {"outcome": "won"}, name="opportunity_won"),
    path("opportunities/<int:pk>/lost/", views.opportunity_close, {"outcome": "lost"}, name="opportunity_lost"),
    path("sales/kanban/", views.kanban, name="kanban"),
    path("sales/kanban/<int:pipeline_pk>/", views.kanban, name="kanban_pipeline"),
    path("sales/overview/", views.overview, name="overview"),
    path("settings/pipelines/", views_settings.pipeline_list, name="settings_pipelines"),
    path("settings/pipelines/new/", views_settings.pipeline_create, name="settings_pipeline_create"),
    path("settings/pipelines/<int:pk>/", views_settings.pipeline_edit, name="settings_pipeline_edit"),
    path("settings/pipelines/<int:pk>/stages/", views_settings.stage_table, name="settings_stages"),
    path("settings/pipelines/<int:pk>/stages/new/", views_settings.stage_add, name="settings_stage_add"),
    path("settings/stages/<int:pk>/move/", views_settings.stage_move, name="settings_stage_move"),
    path("settings/stages/<int:pk>/delete/", views_settings.stage_delete, name="settings_stage_delete"),
    path("settings/followup-kinds/", views_settings.followup_kind_list, name="settings_followup_kinds"),
    path("settings/followup-kinds/<int:pk>/", views_settings.followup_kind_edit, name="settings_followup_kind_edit"),
    path("settings/document-categories/", views_settings.document_category_list,
         name="settings_document_categories"),
    path("settings/document-categories/<int:pk>/", views_settings.document_category_edit,
         name="settings_document_category_edit"),
]

# The parts of the sales app add their pages to the same "sales" namespace.
from .activity.urls import urlpatterns as activity_urls  # noqa: E402
from .leads.urls import urlpatterns as leads_urls  # noqa: E402
from .reports.urls import urlpatterns as reports_urls  # noqa: E402

urlpatterns += activity_urls + leads_urls + reports_urls
