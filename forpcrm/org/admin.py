from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Department, Role, RoleGrant, User


@admin.register(User)
class ForpUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("FORP-CRM", {"fields": ("display_name", "department", "manager", "phone", "roles", "language", "time_zone")}))


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    inlines = [RoleGrantInline]
    list_display = ["code", "name", "is_builtin"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "path"]
