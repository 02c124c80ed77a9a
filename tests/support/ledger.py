"""Ledger lines for tests, each as the service writes them: work lines with their worker request."""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Account
from billing.models import UsageRecord
from billing.services import ledger_line_write
from engines.models import WorkerRequest


def work_line(
    account: Account | None,
    cost: str,
    *,
    engine: str = "vastai",
    audio_seconds: str = "0",
    day: datetime.date | None = None,
) -> UsageRecord:
    request = WorkerRequest.objects.create(engine=engine, http_status=200, latency=1.0)
    line = UsageRecord(
        key=f"worker-request:{request.pk}",
        account=account,
        worker_request=request,
        price_source=UsageRecord.PriceSource.INSTANCE,
        cost_usd=Decimal(cost),
        audio_seconds=Decimal(audio_seconds),
        day=day or timezone.localdate(),
    )
    return ledger_line_write(line)


def overhead_line(cost: str, *, key: str, day: datetime.date | None = None) -> UsageRecord:
    line = UsageRecord(
        key=key,
        kind=UsageRecord.Kind.OVERHEAD,
        price_source=UsageRecord.PriceSource.CHARGES,
        cost_usd=Decimal(cost),
        day=day or timezone.localdate(),
    )
    return ledger_line_write(line)
