from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from billing.models import UsageRecord

ZERO = Decimal(0)
CHART_DAYS = 60
CHART_HEIGHT = 120
BAR_STEP = 12  # a 10-pixel bar and a 2-pixel gap


@dataclass(frozen=True)
class DayBar:
    """One day's stacked bar in SVG coordinates: work at the bottom, overhead on top of it."""

    day: object
    work: Decimal
    overhead: Decimal
    x: int
    work_height: float
    overhead_height: float

    @property
    def total(self) -> Decimal:
        return self.work + self.overhead

    @property
    def work_y(self) -> float:
        return CHART_HEIGHT - self.work_height

    @property
    def overhead_y(self) -> float:
        return self.work_y - self.overhead_height


def spend_summary(lines: QuerySet[UsageRecord]) -> dict:
    """Totals of the given ledger lines (the admin's filtered list), for the Spend page."""
    totals = lines.aggregate(
        total=Sum("cost_usd", default=ZERO),
        gpu_seconds=Sum("gpu_seconds", default=ZERO),
        audio_seconds=Sum("audio_seconds", default=ZERO),
        characters=Sum("worker_request__characters", default=0),
        count=Count("pk"),
    )
    by_kind = {
        row["kind"]: row
        for row in lines.values("kind").annotate(cost=Sum("cost_usd"), audio_seconds=Sum("audio_seconds")).order_by()
    }
    audio_hours = totals["audio_seconds"] / 3600
    top_accounts = (
        lines.filter(account__isnull=False)
        .values("account__name")
        .annotate(cost=Sum("cost_usd"), audio_seconds=Sum("audio_seconds"))
        .order_by("-cost")[:5]
    )
    bars = day_bars(lines)
    return {
        **totals,
        "work": by_kind.get(UsageRecord.Kind.WORK, {}).get("cost", ZERO),
        "overhead": by_kind.get(UsageRecord.Kind.OVERHEAD, {}).get("cost", ZERO),
        **cache_summary(by_kind),
        "gpu_hours": totals["gpu_seconds"] / 3600,
        "audio_hours": audio_hours,
        "cost_per_audio_hour": totals["total"] / audio_hours if audio_hours else None,
        "top_accounts": [{**row, "audio_hours": (row["audio_seconds"] or ZERO) / 3600} for row in top_accounts],
        "days": bars,
        "chart_width": max(len(bars), 1) * BAR_STEP,
    }


def cache_summary(by_kind: dict) -> dict:
    """How much audio the segment cache served, and what it would have cost on a GPU at the work's
    own cost per audio second."""
    work = by_kind.get(UsageRecord.Kind.WORK, {})
    work_audio, work_cost = work.get("audio_seconds") or ZERO, work.get("cost") or ZERO
    cached_audio = by_kind.get(UsageRecord.Kind.CACHE_HIT, {}).get("audio_seconds") or ZERO
    served = work_audio + cached_audio
    return {
        "cache_audio_hours": cached_audio / 3600,
        "cache_hit_rate": cached_audio / served if served else None,
        "cache_saved": cached_audio * work_cost / work_audio if work_audio else None,
    }


def day_bars(lines: QuerySet[UsageRecord]) -> list[DayBar]:
    """Spend per day as stacked bars (work under overhead), scaled to the chart's height."""
    rows = lines.values("day", "kind").annotate(cost=Sum("cost_usd")).order_by("day")
    days: dict = {}
    for row in rows:
        work, overhead = days.get(row["day"], (ZERO, ZERO))
        if row["kind"] == UsageRecord.Kind.WORK:
            work += row["cost"]
        elif row["kind"] == UsageRecord.Kind.OVERHEAD:
            overhead += row["cost"]
        days[row["day"]] = (work, overhead)
    recent = list(days.items())[-CHART_DAYS:]
    highest = max((max(work + overhead, ZERO) for _, (work, overhead) in recent), default=ZERO) or Decimal(1)
    scale = CHART_HEIGHT / float(highest)
    return [
        DayBar(day, work, overhead, index * BAR_STEP, max(float(work), 0) * scale, max(float(overhead), 0) * scale)
        for index, (day, (work, overhead)) in enumerate(recent)
    ]
