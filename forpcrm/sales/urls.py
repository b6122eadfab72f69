from django.urls import path

from . import views

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
]
