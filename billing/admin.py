import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.urls import path

from billing.models import Spend
from billing.selectors import CHART_HEIGHT, spend_summary

CSV_COLUMNS = [
    "created_at", "day", "kind", "account", "job_public_id", "segment_indexes", "engine", "instance_id", "request_idx",
    "gpu_seconds", "price_per_hour", "price_source", "cost_usd", "characters", "audio_seconds", "key",
]  # fmt: skip
# What a work line's worker request says: which job, segments, engine and instance it was.
FROM_WORKER_REQUEST = {"job_public_id", "segment_indexes", "engine", "instance_id", "request_idx", "characters"}


def cell(line, column: str):
    if column == "account":
        return line.account.name if line.account else ""
    if column == "job_public_id" and line.worker_request is None:
        return line.job_public_id
    if column in FROM_WORKER_REQUEST:
        return getattr(line.worker_request, column) if line.worker_request else ""
    return getattr(line, column)


class Echo:
    def write(self, value: str) -> str:
        return value


@admin.register(Spend)
class SpendAdmin(admin.ModelAdmin):
    """The ledger, read-only, with totals that follow the filters, a chart, top accounts and CSV."""

    change_list_template = "admin/billing/spend/change_list.html"
    date_hierarchy = "day"
    list_display = [
        "day", "kind", "account", "job", "engine", "instance", "gpu_seconds", "price_per_hour", "price_source",
        "cost_usd", "audio_seconds",
    ]  # fmt: skip
    list_filter = ["kind", "worker_request__engine", "price_source", "account"]
    list_select_related = ["account", "worker_request"]
    search_fields = [
        "worker_request__job_public_id",
        "job_public_id",
        "worker_request__instance_id",
        "account__name",
        "key",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="job", ordering="worker_request__job_public_id")
    def job(self, line: Spend) -> str:
        return line.worker_request.job_public_id if line.worker_request else line.job_public_id

    @admin.display(description="engine", ordering="worker_request__engine")
    def engine(self, line: Spend) -> str:
        return line.worker_request.engine if line.worker_request else ""

    @admin.display(description="instance", ordering="worker_request__instance_id")
    def instance(self, line: Spend) -> str:
        return line.worker_request.instance_id if line.worker_request else ""

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        export = path("export.csv", self.admin_site.admin_view(self.export_csv), name="billing_spend_export")
        return [export, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if hasattr(response, "context_data") and "cl" in response.context_data:
            response.context_data["summary"] = spend_summary(response.context_data["cl"].queryset)
            response.context_data["chart_height"] = CHART_HEIGHT
        return response

    def export_csv(self, request):
        """Every ledger line the page's filters select, one CSV row each: for those who may see the page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        lines = self.get_changelist_instance(request).get_queryset(request).select_related("account", "worker_request")
        writer = csv.writer(Echo())

        def rows():
            yield writer.writerow(CSV_COLUMNS)
            for line in lines.iterator():
                yield writer.writerow([cell(line, column) for column in CSV_COLUMNS])

        response = StreamingHttpResponse(rows(), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="libread-tts-ledger.csv"'
        return response
