from django.contrib import admin

from .models import Opportunity, Pipeline, Stage, StageChange


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "is_active", "sort_order"]
    inlines = [StageInline]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["name", "customer", "stage", "status", "amount", "probability", "owner"]
    list_filter = ["status", "pipeline"]
    search_fields = ["name", "external_ref"]
    raw_id_fields = ["customer", "contact", "owner"]
    readonly_fields = ["status", "probability", "stage", "pipeline"]


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    list_display = ["opportunity", "from_stage", "to_stage", "at", "by"]
    raw_id_fields = ["opportunity"]
