from django.urls import path

from . import views

app_name = "contracts"
urlpatterns: list = [
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/mapping/", views.product_mapping, name="product_mapping"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
]
