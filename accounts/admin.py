from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from accounts.models import Account, ApiKey
from accounts.services import api_key_create, api_key_revoke


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["prefix", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # made on the API keys page, which shows the key once


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "monthly_budget_usd", "max_active_jobs", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    inlines = [ApiKeyInline]


class ApiKeyCreateForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["account", "name"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are made here (or by `manage.py create_api_key`): the key is shown once, in the answer to
    the add form itself, then only its prefix. Not in a message: Django's default message storage
    keeps messages in a signed, not encrypted, cookie. Revoking needs the change permission and is
    final (a revoked key may have leaked; an account that needs one again gets a new key); it takes
    effect at once in this process, within TTS_API_KEY_CACHE_SECONDS elsewhere."""

    list_display = ["prefix", "account", "name", "created_at", "last_used_at", "is_active"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["account"]
    search_fields = ["prefix", "name", "account__name"]
    readonly_fields = ["account", "prefix", "digest", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None) -> list[str]:
        return super().get_fields(request, obj) if obj else ["account", "name"]

    def save_model(self, request, obj: ApiKey, form, change: bool) -> None:
        if change:
            return super().save_model(request, obj, form, change)
        created, key = api_key_create(account=form.cleaned_data["account"], name=form.cleaned_data["name"])
        obj.pk, obj.prefix, obj.digest, obj.created_at = created.pk, created.prefix, created.digest, created.created_at
        obj.key_shown_once = key  # for response_add, the one page that shows it

    def response_add(self, request, obj: ApiKey, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "API key made",
            "api_key": obj,
            "key": obj.key_shown_once,
        }
        return TemplateResponse(request, "admin/accounts/apikey/made.html", context)

    @admin.display(boolean=True)
    def is_active(self, api_key: ApiKey) -> bool:
        return api_key.is_active

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)
