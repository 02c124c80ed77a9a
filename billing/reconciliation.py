"""Reconciling the ledger with what Vast.ai charged.

Vast.ai bills each worker by the second it is loading or ready, idle or not; the ledger only knows
the time requests took. Each day, the charges for the endpoint are pulled from the console
(``GET /api/v0/charges/``, serverless, by day), and the difference from the ledger's lines for
that day is written as overhead, so the ledger's total for the day equals the invoice. Lines are
only ever added: a later run that finds the charges unchanged adds nothing, and one that finds
late charges adds the difference.
"""

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, Sum

from billing.models import UsageRecord
from billing.services import ledger_line_write
from engines.console import VastaiConsole

MICRODOLLAR = Decimal("0.000001")
PAGE = 100


@dataclass(frozen=True)
class DayReconciliation:
    day: datetime.date
    charged: Decimal
    attributed: Decimal
    added: Decimal  # the overhead written by this run


def day_bounds(day: datetime.date) -> tuple[int, int]:
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
    return int(start.timestamp()), int((start + datetime.timedelta(days=1)).timestamp()) - 1


def charges_by_day(console: VastaiConsole, endpoint_id: str, first: datetime.date, last: datetime.date) -> dict:
    """The endpoint's serverless charges, summed per UTC day."""
    filters = {"day": {"gte": day_bounds(first)[0], "lte": day_bounds(last)[1]}, "type": {"in": ["serverless"]}}
    totals: dict[datetime.date, Decimal] = {}
    token = None
    while True:
        params = {"select_filters": json.dumps(filters), "format": "tree", "limit": PAGE}
        if token:
            params["after_token"] = token
        page = console.get("/api/v0/charges/", params=params)
        for charge in page.get("results", []):
            if str((charge.get("metadata") or {}).get("endpoint_id")) != str(endpoint_id):
                continue
            day = datetime.datetime.fromtimestamp(charge["start"], tz=datetime.UTC).date()
            totals[day] = totals.get(day, Decimal(0)) + Decimal(str(charge["amount"]))
        token = page.get("next_token")
        if not token:
            return totals


def reconcile(
    first: datetime.date, last: datetime.date, console: VastaiConsole | None = None
) -> list[DayReconciliation]:
    endpoint_id = settings.VASTAI_ENDPOINT_ID
    charged = charges_by_day(console or VastaiConsole(), endpoint_id, first, last)
    results = []
    day = first
    while day <= last:
        # Vast.ai's work, and the overhead earlier runs wrote (all overhead is Vast.ai's).
        lines = UsageRecord.objects.filter(
            Q(worker_request__engine="vastai") | Q(kind=UsageRecord.Kind.OVERHEAD), day=day
        )
        attributed = lines.aggregate(total=Sum("cost_usd", default=Decimal(0)))["total"]
        owed = charged.get(day, Decimal(0))
        difference = (owed - attributed).quantize(MICRODOLLAR)
        if difference:
            previous = UsageRecord.objects.filter(key__startswith=f"overhead:vastai:{endpoint_id}:{day}:").count()
            overhead = UsageRecord(
                key=f"overhead:vastai:{endpoint_id}:{day}:{previous + 1}",
                kind=UsageRecord.Kind.OVERHEAD,
                price_source=UsageRecord.PriceSource.CHARGES,
                cost_usd=difference,
                day=day,
            )
            ledger_line_write(overhead)
        results.append(DayReconciliation(day, owed, attributed, difference))
        day += datetime.timedelta(days=1)
    return results
