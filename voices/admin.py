from django.conf import settings
from django.contrib import admin, messages
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html

from synthesis import services as synthesis_services
from voices.models import Voice, VoicePrompt

PREVIEW_TEXT = "This is how I sound when I read a chapter aloud. Once upon a time, in a quiet town by the sea."


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
    actions = ["preview"]

    def has_add_permission(self, request) -> bool:
        # Voices come in through the API, where the reference audio is validated.
        return False

    def get_urls(self):
        reference = path(
            "<int:pk>/reference/", self.admin_site.admin_view(self.reference), name="voices_voice_reference"
        )
        return [reference, *super().get_urls()]

    def reference(self, request, pk: int):
        voice = Voice.objects.filter(pk=pk).first()
        if voice is None or not voice.reference:
            raise Http404
        return FileResponse(voice.reference.open("rb"), content_type="audio/wav")

    @admin.display(description="reference audio")
    def player(self, voice: Voice):
        url = reverse("admin:voices_voice_reference", args=[voice.pk])
        return format_html('<audio controls preload="none" src="{}"></audio>', url)

    @admin.action(description="Preview: synthesize a sample sentence")
    def preview(self, request, queryset):
        for voice in queryset:
            job = synthesis_services.job_create(
                account=voice.account,
                text=PREVIEW_TEXT,
                engine=settings.TTS_DEFAULT_ENGINE,
                language=voice.language,
                voice=voice.public_id,
            )
            url = reverse("admin:synthesis_synthesisjob_change", args=[job.pk])
            self.message_user(
                request, format_html('Preview of {} is <a href="{}">job {}</a>.', voice, url, job), messages.SUCCESS
            )
