"""Writing the ledger. Cost = GPU seconds × the serving instance's dollars per hour / 3600.

Every line is written by ``ledger_line_write``, which keeps the totals budgets read (an account's
spend per month, its work's cost and characters per engine) in the line's own transaction.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from billing.models import MonthlySpend, UsageRecord, WorkTotal
from engines.base import WorkerCall
from engines.models import WorkerRequest
from engines.records import worker_request_record

MICRODOLLAR = Decimal("0.000001")
NO_GPU_STATUSES = {401, 410, 422, 429}  # refused before any GPU work


def cost_of(gpu_seconds: Decimal, price_per_hour: Decimal) -> Decimal:
    return (gpu_seconds * price_per_hour / 3600).quantize(MICRODOLLAR, rounding=ROUND_HALF_UP)


def work_record(
    *,
    engine_name: str,
    call: WorkerCall,
    price_per_hour: Decimal | None,
    account_id: int,
    job_public_id: str = "",
    segment_indexes: list[int] | None = None,
    characters: int = 0,
    gpu_seconds: float | None = None,
    audio_seconds: float = 0.0,
    error: str = "",
) -> UsageRecord | None:
    """Record a request that reached a GPU worker and bill it to the account: both, or neither.
    The ledger line, or None for a request refused before any GPU work."""
    with transaction.atomic():
        worker_request = worker_request_record(
            engine_name=engine_name,
            call=call,
            price_per_hour=price_per_hour,
            job_public_id=job_public_id,
            segment_indexes=segment_indexes,
            characters=characters,
            gpu_seconds=gpu_seconds,
            error=error,
        )
        return usage_record_work(worker_request=worker_request, account_id=account_id, audio_seconds=audio_seconds)


def usage_record_work(*, worker_request: WorkerRequest, account_id: int, audio_seconds: float) -> UsageRecord | None:
    """Bill a worker request that used a GPU; once, whatever calls it again."""
    if worker_request.http_status in NO_GPU_STATUSES or worker_request.latency is None:
        return None
    # The worker's own generation time when it answered; the wait otherwise (a timeout or an
    # error still held the GPU for that long).
    seconds = worker_request.gpu_seconds if worker_request.gpu_seconds is not None else worker_request.latency
    gpu_seconds = Decimal(str(round(seconds, 3)))
    price_per_hour, source = worker_request.price_per_hour, UsageRecord.PriceSource.INSTANCE
    if price_per_hour is None:
        price_per_hour, source = Decimal(settings.TTS_FALLBACK_PRICE_PER_HOUR), UsageRecord.PriceSource.FALLBACK
    line = UsageRecord(
        key=f"worker-request:{worker_request.pk}",
        kind=UsageRecord.Kind.WORK,
        account_id=account_id,
        worker_request=worker_request,
        gpu_seconds=gpu_seconds,
        price_per_hour=price_per_hour,
        price_source=source,
        cost_usd=cost_of(gpu_seconds, price_per_hour),
        audio_seconds=Decimal(str(round(audio_seconds, 3))),
        day=timezone.localdate(worker_request.created_at),
    )
    return ledger_line_write(line)


def cache_hit_record(*, account_id: int, job_public_id: str, segment_index: int, audio_seconds: float) -> UsageRecord:
    """A segment served from the segment cache: a line at no cost, once per segment of a job."""
    line = UsageRecord(
        key=f"cache-hit:{job_public_id}:{segment_index}",
        kind=UsageRecord.Kind.CACHE_HIT,
        account_id=account_id,
        job_public_id=job_public_id,
        price_source=UsageRecord.PriceSource.CACHE,
        cost_usd=0,
        audio_seconds=Decimal(str(round(audio_seconds, 3))),
        day=timezone.localdate(),
    )
    return ledger_line_write(line)


def ledger_line_write(line: UsageRecord) -> UsageRecord:
    """Write a ledger line and add it to the kept totals, both or neither; once: a line whose key
    was written before is returned as it was stored, and adds nothing again."""
    try:
        with transaction.atomic():
            line.save(force_insert=True)
            kept_totals_add(line)
    except IntegrityError:
        written = UsageRecord.objects.filter(key=line.key).first()
        if written is None:  # not a second write: a line that breaks the ledger's constraints
            raise
        return written
    return line


def kept_totals_add(line: UsageRecord) -> None:
    """Add a new line to its account's spend in its month and, if it is work that spoke text, to
    the account's work on that engine. Lines without an account (overhead) are nobody's spend."""
    if line.account_id is None:
        return
    if line.cost_usd:
        month = {"account_id": line.account_id, "month": line.day.replace(day=1)}
        total_add(MonthlySpend, month, cost_usd=line.cost_usd)
    if line.kind == UsageRecord.Kind.WORK and line.worker_request.characters:
        work = {"account_id": line.account_id, "engine": line.worker_request.engine}
        total_add(WorkTotal, work, cost_usd=line.cost_usd, characters=line.worker_request.characters)


def total_add(model: type[models.Model], key: dict, **amounts) -> None:
    """Add the amounts to the kept total that ``key`` names, making it on its first line."""
    added = {field: F(field) + amount for field, amount in amounts.items()}
    if model.objects.filter(**key).update(**added):
        return
    try:
        with transaction.atomic():
            model.objects.create(**key, **amounts)
    except IntegrityError:  # another line's transaction made it meanwhile
        model.objects.filter(**key).update(**added)
