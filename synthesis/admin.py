from django.contrib import admin
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html

from synthesis import services
from synthesis.models import GpuInstance, Segment, SynthesisJob, VastaiDeployment, WorkerRequest


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

    @admin.display(description="audio")
    def player(self, segment: Segment):
        if not segment.audio:
            return "—"
        return audio_player(reverse("admin:synthesis_segment_audio", args=[segment.pk]))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: looked at, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class WorkerRequestInline(admin.TabularInline):
    model = WorkerRequest
    fields = ["created_at", "segment_indexes", "instance_id", "http_status", "latency", "gpu_seconds", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorkerRequest)
class WorkerRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at", "job", "engine", "instance_id", "http_status", "latency", "gpu_seconds", "price_per_hour",
    ]  # fmt: skip
    list_filter = ["engine", "http_status", "created_at"]
    list_select_related = ["job"]
    search_fields = ["job__public_id", "instance_id", "worker_url"]
    date_hierarchy = "created_at"


@admin.register(GpuInstance)
class GpuInstanceAdmin(ReadOnlyAdmin):
    list_display = ["instance_id", "gpu_name", "dph_total", "fetched_at"]
    search_fields = ["instance_id", "gpu_name"]


@admin.register(VastaiDeployment)
class VastaiDeploymentAdmin(ReadOnlyAdmin):
    list_display = ["endpoint_name", "endpoint_id", "workergroup_id", "template_hash", "synced_at"]
    exclude = ["endpoint_api_key"]


@admin.register(SynthesisJob)
class SynthesisJobAdmin(admin.ModelAdmin):
    list_display = ["public_id", "account", "engine", "status", "characters", "duration", "created_at"]
    list_filter = ["status", "engine", "created_at"]
    list_select_related = ["account"]
    search_fields = ["public_id", "account__name", "text"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "public_id", "account", "engine", "status", "message", "error", "language", "voice", "instruct",
        "format", "seed", "player", "duration", "sample_rate", "created_at", "updated_at",
        "started_at", "finished_at", "text",
    ]  # fmt: skip
    exclude = ["audio", "waiting_since"]
    raw_id_fields = ["stored_voice"]
    inlines = [SegmentInline, WorkerRequestInline]
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

    def job_audio(self, request, pk: int):
        job = SynthesisJob.objects.filter(pk=pk).first()
        if job is None or not job.audio:
            raise Http404
        return FileResponse(job.audio.open("rb"), content_type="audio/wav")

    def segment_audio(self, request, pk: int):
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

    @admin.action(description="Cancel selected jobs")
    def cancel(self, request, queryset):
        for job in queryset:
            services.job_cancel(job=job)

    @admin.action(description="Retry selected failed or canceled jobs")
    def retry(self, request, queryset):
        for job in queryset.filter(status__in=[SynthesisJob.Status.ERROR, SynthesisJob.Status.CANCELED]):
            services.job_retry(job=job)
