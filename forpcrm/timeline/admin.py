from django.contrib import admin

from .models import TimelineEvent


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ("at", "customer", "kind", "title", "actor")
    list_filter = ("kind",)
    raw_id_fields = ("customer", "actor")
    date_hierarchy = "at"
