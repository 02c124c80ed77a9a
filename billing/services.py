"""Writing the ledger. Cost = GPU seconds × the serving instance's dollars per hour / 3600."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import UsageRecord

MICRODOLLAR = Decimal("0.000001")
NO_GPU_STATUSES = {401, 410, 422, 429}  # refused before any GPU work


def cost_of(gpu_seconds: Decimal, price_per_hour: Decimal) -> Decimal:
    return (gpu_seconds * price_per_hour / 3600).quantize(MICRODOLLAR, rounding=ROUND_HALF_UP)


def usage_record_work(
    *, worker_request, account_id: int, audio_seconds: float, price_per_hour: Decimal | None
) -> UsageRecord | None:
    """Bill a worker request that used a GPU; once, whatever calls it again. Its job may be gone."""
    if worker_request.http_status in NO_GPU_STATUSES or worker_request.latency is None:
        return None
    # The worker's own generation time when it answered; the wait otherwise (a timeout or an
    # error still held the GPU for that long).
    seconds = worker_request.gpu_seconds if worker_request.gpu_seconds is not None else worker_request.latency
    gpu_seconds = Decimal(str(round(seconds, 3)))
    source = UsageRecord.PriceSource.INSTANCE
    if price_per_hour is None:
        price_per_hour, source = Decimal(settings.TTS_FALLBACK_PRICE_PER_HOUR), UsageRecord.PriceSource.FALLBACK
    record = UsageRecord(
        key=f"worker-request:{worker_request.pk}",
        kind=UsageRecord.Kind.WORK,
        account_id=account_id,
        job_id=worker_request.job_id,
        job_public_id=worker_request.job_public_id,
        segment_indexes=worker_request.segment_indexes,
        engine=worker_request.engine,
        worker_id=worker_request.instance_id,
        request_idx=worker_request.request_idx,
        gpu_seconds=gpu_seconds,
        price_per_hour=price_per_hour,
        price_source=source,
        cost_usd=cost_of(gpu_seconds, price_per_hour),
        characters=worker_request.characters,
        audio_seconds=Decimal(str(round(audio_seconds, 3))),
        day=timezone.localdate(worker_request.created_at),
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:  # already billed
        return UsageRecord.objects.get(key=record.key)
    return record
