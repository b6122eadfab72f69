from django.urls import path

from .views import contacts, customers, pool, settings

app_name = "customers"
urlpatterns = [
    path("customers/", customers.customer_list, name="customer_list"),
    path("customers/new/", customers.customer_create, name="customer_create"),
    path("customers/bulk/", customers.customer_bulk, name="customer_bulk"),
    path("customers/export/", customers.customer_export, name="customer_export"),
    path("customers/views/", customers.saved_view_save, name="saved_view_save"),
    path("customers/views/<int:pk>/delete/", customers.saved_view_delete, name="saved_view_delete"),
    path("customers/picker/customers/", customers.picker_customers, name="picker_customers"),
    path("customers/picker/users/", customers.picker_users, name="picker_users"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", customers.customer_edit, name="customer_edit"),
    path("customers/<int:pk>/claim/", customers.customer_claim, name="customer_claim"),
    path("customers/<int:pk>/release/", customers.customer_release, name="customer_release"),
    path("customers/<int:pk>/assign/", customers.customer_assign, name="customer_assign"),
    path("customers/<int:pk>/transfer/", customers.customer_transfer, name="customer_transfer"),
    path("customers/<int:pk>/merge/", customers.customer_merge, name="customer_merge"),
    path("customers/<int:pk>/delete/", customers.customer_delete, name="customer_delete"),
    path("customers/<int:pk>/team/", customers.team_add, name="team_add"),
    path("customers/<int:pk>/team/<int:user_id>/remove/", customers.team_remove, name="team_remove"),
    path("customers/<int:customer_pk>/contacts/new/", contacts.contact_create, name="contact_create"),
    path("customers/<int:customer_pk>/contacts/<int:pk>/", contacts.contact_detail, name="contact_detail"),
    path("customers/<int:customer_pk>/contacts/<int:pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path("customers/<int:customer_pk>/contacts/<int:pk>/delete/", contacts.contact_delete, name="contact_delete"),
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/export/", contacts.contact_export, name="contact_export"),
    path("pool/", pool.pool, name="pool"),
    path("pool/claim/", pool.pool_claim, name="pool_claim"),
    path("recycle-bin/", pool.recycle_bin, name="recycle_bin"),
    path("recycle-bin/<str:kind>/<int:pk>/restore/", pool.recycle_restore, name="recycle_restore"),
    path("search/", pool.search, name="search"),
    path("settings/pool-rules/", settings.poolrule_list, name="poolrule_list"),
    path("settings/pool-rules/<int:pk>/", settings.poolrule_edit, name="poolrule_edit"),
]
