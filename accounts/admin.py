from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "name", "phone", "is_active", "is_superuser", "last_login"]
    search_fields = ["username", "name", "phone"]
    fieldsets = [*BaseUserAdmin.fieldsets, (_("Profile"), {"fields": ["name", "phone"]})]
