"""Page routes of this part of the sales app (added to the "sales" namespace by sales/urls.py)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("sales/reports/", views.report_list, name="report_list"),
    path("sales/reports/new/", views.report_create, name="report_create"),
    path("sales/reports/missing/", views.report_missing, name="report_missing"),
    path("sales/reports/rules/", views.report_rules, name="report_rules"),
    path("sales/reports/rules/new/", views.report_rule_edit, name="report_rule_create"),
    path("sales/reports/rules/<int:pk>/", views.report_rule_edit, name="report_rule_edit"),
    path("sales/reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("sales/reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("sales/reports/<int:pk>/submit/", views.report_submit, name="report_submit"),
    path("sales/reports/<int:pk>/reopen/", views.report_reopen, name="report_reopen"),
    path("sales/reports/<int:pk>/review/", views.report_review, name="report_review"),
    path("sales/reports/<int:pk>/comment/", views.report_comment, name="report_comment"),
    path("sales/reports/<int:pk>/delete/", views.report_delete, name="report_delete"),
    path("sales/urges/", views.urge_list, name="urge_list"),
    path("sales/urges/new/", views.urge_create, name="urge_create"),
    path("sales/urges/<int:pk>/", views.urge_detail, name="urge_detail"),
    path("sales/urges/<int:pk>/answer/", views.urge_answer, name="urge_answer"),
    path("sales/urges/<int:pk>/done/", views.urge_done, name="urge_done"),
    path("sales/urges/<int:pk>/cancel/", views.urge_cancel, name="urge_cancel"),
    path("opportunities/<int:pk>/urges/", views.opportunity_urges, name="opportunity_urges"),
]
