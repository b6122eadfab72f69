from django.contrib import admin

from .models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "series", "unit", "list_price", "is_active"]
    search_fields = ["name", "code"]
    list_filter = ["series", "is_active"]
