"""Django admin for support staff only (read-mostly): the inbox, reminders and the job log."""

from django.contrib import admin

from .models import JobRun, Notification, NotificationPreference, Reminder


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "dedupe_key")
    raw_id_fields = ("recipient", "actor")


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "email")
    raw_id_fields = ("user",)


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ("key", "recipient", "kind", "fire_at", "sent_at")
    list_filter = ("kind",)
    search_fields = ("key", "title")
    raw_id_fields = ("recipient",)


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("name", "started_at", "finished_at", "count")
    list_filter = ("name",)
    readonly_fields = ("name", "started_at", "finished_at", "count", "error")
