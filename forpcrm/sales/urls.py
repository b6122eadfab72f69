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

# The parts of the sales app add their pages to the same "sales" namespace.
from .activity.urls import urlpatterns as activity_urls  # noqa: E402
from .leads.urls import urlpatterns as leads_urls  # noqa: E402
from .reports.urls import urlpatterns as reports_urls  # noqa: E402

urlpatterns += activity_urls + leads_urls + reports_urls
