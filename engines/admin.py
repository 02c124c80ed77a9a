from django.contrib import admin

from engines.models import GpuInstance, ModelInUse, VastaiDeployment, WorkerRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what happened: looked at, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WorkerRequest)
class WorkerRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at", "job_public_id", "engine", "instance_id", "http_status", "latency", "gpu_seconds",
        "price_per_hour",
    ]  # fmt: skip
    list_filter = ["engine", "http_status", "created_at"]
    search_fields = ["job_public_id", "instance_id", "worker_url"]
    date_hierarchy = "created_at"


@admin.register(GpuInstance)
class GpuInstanceAdmin(ReadOnlyAdmin):
    list_display = ["instance_id", "gpu_name", "dph_total", "fetched_at"]
    search_fields = ["instance_id", "gpu_name"]


@admin.register(VastaiDeployment)
class VastaiDeploymentAdmin(ReadOnlyAdmin):
    list_display = ["endpoint_name", "endpoint_id", "workergroup_id", "template_hash", "synced_at"]
    exclude = ["endpoint_api_key"]


@admin.register(ModelInUse)
class ModelInUseAdmin(ReadOnlyAdmin):
    list_display = ["engine", "voice_kind", "model", "updated_at"]
