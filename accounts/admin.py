from django.contrib import admin, messages

from accounts.models import Account, ApiKey
from accounts.services import api_key_activate, api_key_revoke


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["prefix", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        # Keys are made with `manage.py create_api_key`, which shows the key once.
        return False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "monthly_budget_usd", "max_active_jobs", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    inlines = [ApiKeyInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "account", "name", "created_at", "last_used_at", "is_active"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["account"]
    search_fields = ["prefix", "name", "account__name"]
    readonly_fields = ["account", "prefix", "digest", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke", "activate"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(boolean=True)
    def is_active(self, api_key: ApiKey) -> bool:
        return api_key.is_active

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)

    @admin.action(description="Activate selected keys")
    def activate(self, request, queryset):
        for api_key in queryset:
            api_key_activate(api_key=api_key)
        self.message_user(request, f"Activated {queryset.count()} key(s).", messages.SUCCESS)
