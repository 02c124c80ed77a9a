from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html

from engines.models import WorkerRequest
from synthesis import intake, lifecycle
from synthesis.models import Segment, SynthesisJob
from voices.admin import VoiceAdmin
from voices.models import Voice

PREVIEW_TEXT = "This is how I sound when I read a chapter aloud. Once upon a time, in a quiet town by the sea."


def may_listen(request) -> bool:
    """A job's audio is a customer's text spoken: staff who may only view jobs see how they went,
    and only those who may change them listen."""
    return request.user.has_perm("synthesis.change_synthesisjob")


def without_player(fields) -> list[str]:
    return [name for name in fields if name != "player"]


def audio_player(url: str | None):
    if not url:
        return "—"
    return format_html('<audio controls preload="none" src="{}"></audio>', url)


class SegmentInline(admin.TabularInline):
    model = Segment
    fields = ["index", "status", "text", "duration", "attempts", "error", "player"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["index"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_fields(self, request, obj=None) -> list[str]:
        fields = super().get_fields(request, obj)
        return fields if may_listen(request) else without_player(fields)

    @admin.display(description="audio")
    def player(self, segment: Segment):
        if not segment.audio:
            return "—"
        return audio_player(reverse("admin:synthesis_segment_audio", args=[segment.pk]))


@admin.register(SynthesisJob)
class SynthesisJobAdmin(admin.ModelAdmin):
    list_display = ["public_id", "account", "engine", "status", "characters", "duration", "created_at"]
    list_filter = ["status", "engine", "created_at"]
    list_select_related = ["account"]
    search_fields = ["public_id", "account__name", "text"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "public_id", "account", "engine", "status", "message", "error", "language", "voice", "instruct",
        "format", "seed", "player", "duration", "worker_requests", "created_at", "updated_at", "started_at",
        "finished_at", "text",
    ]  # fmt: skip
    exclude = ["audio", "waiting_since"]
    raw_id_fields = ["stored_voice"]
    inlines = [SegmentInline]
    actions = ["cancel", "retry"]

    def has_add_permission(self, request) -> bool:
        return False

    def get_urls(self):
        # Audio is not served publicly: staff listen through these admin-only views.
        urls = [
            path("<int:pk>/audio/", self.admin_site.admin_view(self.job_audio), name="synthesis_job_audio"),
            path(
                "segment/<int:pk>/audio/",
                self.admin_site.admin_view(self.segment_audio),
                name="synthesis_segment_audio",
            ),
        ]
        return urls + super().get_urls()

    def get_fields(self, request, obj=None) -> list[str]:
        fields = super().get_fields(request, obj)
        return fields if may_listen(request) else without_player(fields)

    def job_audio(self, request, pk: int):
        if not may_listen(request):
            raise PermissionDenied
        job = SynthesisJob.objects.filter(pk=pk).first()
        if job is None or not job.audio:
            raise Http404
        return FileResponse(job.audio.open("rb"), content_type="audio/wav")

    def segment_audio(self, request, pk: int):
        if not may_listen(request):
            raise PermissionDenied
        segment = Segment.objects.filter(pk=pk).first()
        if segment is None or not segment.audio:
            raise Http404
        return FileResponse(segment.audio.open("rb"), content_type="audio/wav")

    @admin.display(description="characters")
    def characters(self, job: SynthesisJob) -> int:
        return len(job.text)

    @admin.display(description="audio")
    def player(self, job: SynthesisJob):
        return audio_player(reverse("admin:synthesis_job_audio", args=[job.pk]) if job.audio else None)

    @admin.display(description="worker requests")
    def worker_requests(self, job: SynthesisJob):
        count = WorkerRequest.objects.filter(job_public_id=job.public_id).count()
        url = reverse("admin:engines_workerrequest_changelist") + f"?job_public_id={job.public_id}"
        return format_html('<a href="{}">{} request(s)</a>', url, count)

    @admin.action(description="Cancel selected jobs", permissions=["change"])
    def cancel(self, request, queryset):
        for job in queryset:
            lifecycle.job_cancel(job=job)

    @admin.action(description="Retry selected failed or canceled jobs", permissions=["change"])
    def retry(self, request, queryset):
        for job in queryset.filter(status__in=lifecycle.RETRYABLE):
            lifecycle.job_retry(job=job)


# Voices know nothing of jobs: their admin gets its preview, a job, from here.
admin.site.unregister(Voice)


@admin.register(Voice)
class VoiceWithPreviewAdmin(VoiceAdmin):
    actions = ["preview"]

    @admin.action(description="Preview: synthesize a sample sentence", permissions=["change"])
    def preview(self, request, queryset):
        for voice in queryset:
            job = intake.job_create(
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
