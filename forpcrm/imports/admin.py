from django.contrib import admin

from .models import ImportJob, MappingPreset


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "entity", "original_name", "user", "status", "total", "created", "updated", "failed",
                    "created_at"]
    list_filter = ["entity", "status"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(MappingPreset)
class MappingPresetAdmin(admin.ModelAdmin):
    list_display = ["name", "entity", "user", "updated_at"]
    list_filter = ["entity"]
