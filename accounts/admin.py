from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from mentorship.admin import TamperProofAdminMixin

from .models import User


@admin.register(User)
class UserAdmin(TamperProofAdminMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "learner_stage", "year", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "learner_stage"]
    search_fields = ["email", "name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "pronouns", "learner_stage", "year")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
