"""Page routes of this part of the sales app (added to the "sales" namespace by sales/urls.py)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("sales/followups/", views.followup_list, name="followup_list"),
    path("sales/followups/new/", views.followup_create, name="followup_create"),
    path("sales/followups/quick/<int:customer_pk>/", views.followup_quick_add, name="followup_quick_add"),
    path("sales/followups/<int:pk>/", views.followup_detail, name="followup_detail"),
    path("sales/followups/<int:pk>/edit/", views.followup_edit, name="followup_edit"),
    path("sales/followups/<int:pk>/delete/", views.followup_delete, name="followup_delete"),
    path("sales/followups/<int:pk>/comment/", views.followup_comment, name="followup_comment"),
    path("sales/visits/", views.visit_list, name="visit_list"),
    path("sales/visits/new/", views.visit_create, name="visit_create"),
    path("sales/visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("sales/visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("sales/visits/<int:pk>/complete/", views.visit_complete, name="visit_complete"),
    path("sales/visits/<int:pk>/cancel/", views.visit_cancel, name="visit_cancel"),
    path("sales/visits/<int:pk>/delete/", views.visit_delete, name="visit_delete"),
    path("sales/visits/<int:pk>/check-in/", views.visit_checkin, name="visit_checkin"),
    path("sales/visits/<int:pk>/check-in/<int:checkin_pk>/photo/", views.checkin_photo, name="checkin_photo"),
    path("sales/calendar/", views.calendar_view, name="calendar"),
    path("sales/activity/opportunity/<int:pk>/", views.opportunity_activity, name="opportunity_activity"),
    path("sales/activity/contact/<int:pk>/", views.contact_activity, name="contact_activity"),
]
