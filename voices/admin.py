from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html

from voices.models import Voice, VoicePrompt


class VoicePromptInline(admin.TabularInline):
    model = VoicePrompt
    fields = ["model", "mode", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Voice)
class VoiceAdmin(admin.ModelAdmin):
    """Stored voices; synthesis's admin adds a preview action, as voices know nothing of jobs.

    A reference is a recording of someone's voice: staff who may only view voices see what they
    are, and only those who may change them listen to it."""

    list_display = ["name", "public_id", "account", "language", "duration", "prompt_status", "inline", "created_at"]
    list_filter = ["prompt_status", "inline", "language"]
    list_select_related = ["account"]
    search_fields = ["name", "public_id", "account__name"]
    readonly_fields = [
        "public_id", "account", "player", "duration", "sample_rate", "digest", "inline", "prompt_status",
        "prompt_error", "created_at", "updated_at",
    ]  # fmt: skip
    fields = ["name", "language", "gender", "locale", "ref_text", *readonly_fields]
    inlines = [VoicePromptInline]

    def has_add_permission(self, request) -> bool:
        # Voices come in through the API, where the reference audio is validated.
        return False

    def get_urls(self):
        reference = path(
            "<int:pk>/reference/", self.admin_site.admin_view(self.reference), name="voices_voice_reference"
        )
        return [reference, *super().get_urls()]

    def get_fields(self, request, obj=None) -> list[str]:
        fields = super().get_fields(request, obj)
        return fields if self.has_change_permission(request, obj) else [name for name in fields if name != "player"]

    def reference(self, request, pk: int):
        if not self.has_change_permission(request):
            raise PermissionDenied
        voice = Voice.objects.filter(pk=pk).first()
        if voice is None or not voice.reference:
            raise Http404
        return FileResponse(voice.reference.open("rb"), content_type="audio/wav")

    @admin.display(description="reference audio")
    def player(self, voice: Voice):
        url = reverse("admin:voices_voice_reference", args=[voice.pk])
        return format_html('<audio controls preload="none" src="{}"></audio>', url)
