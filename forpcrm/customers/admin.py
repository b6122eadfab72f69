"""Django admin for support staff only; the product's own pages and services are the way to change data."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Contact, Customer, OwnershipLog, PoolRule, Tag


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ("name", "owner", "department", "level", "status", "updated_at")
    list_filter = ("status", "level")
    search_fields = ("name", "credit_code", "search_text")
    raw_id_fields = ("owner", "department", "parent", "previous_owner", "created_by", "updated_by", "deleted_by")
    readonly_fields = ("version", "name_key", "phone_key", "email_key", "search_text")

    def get_queryset(self, request):
        return Customer.all_objects.select_related("owner", "department")


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ("name", "customer", "mobile", "email", "updated_at")
    search_fields = ("name", "search_text")
    raw_id_fields = ("customer", "created_by", "updated_by", "deleted_by")
    readonly_fields = ("version", "mobile_key", "office_key", "email_key", "search_text")


@admin.register(OwnershipLog)
class OwnershipLogAdmin(admin.ModelAdmin):
    list_display = ("at", "customer", "action", "from_user", "to_user", "by")
    list_filter = ("action",)
    raw_id_fields = ("customer", "from_user", "to_user", "by")


admin.site.register(PoolRule)
admin.site.register(Tag)
