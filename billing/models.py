from django.db import models


class UsageRecord(models.Model):
    """One line of the cost ledger: a worker request's GPU time and what it cost. Append-only.

    ``key`` makes each line unique to what it accounts for, so a redelivered task or a rerun of
    reconciliation never writes it twice. Lines outlive the jobs they bill.
    """

    class Kind(models.TextChoices):
        WORK = "work"  # GPU time spent on a request
        OVERHEAD = "overhead"  # what Vast.ai charged beyond that: idle and loading workers

    class PriceSource(models.TextChoices):
        INSTANCE = "instance", "the serving instance's price"
        FALLBACK = "fallback", "TTS_FALLBACK_PRICE_PER_HOUR"
        CHARGES = "charges", "Vast.ai's charges"

    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.WORK)
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.PROTECT)
    job = models.ForeignKey("synthesis.SynthesisJob", null=True, blank=True, on_delete=models.SET_NULL)
    job_public_id = models.CharField(max_length=64, blank=True)
    segment_indexes = models.JSONField(default=list, blank=True)
    engine = models.CharField(max_length=20)
    worker_id = models.CharField(max_length=64, blank=True)
    request_idx = models.BigIntegerField(null=True, blank=True)
    gpu_seconds = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    price_per_hour = models.DecimalField(max_digits=10, decimal_places=5, default=0)
    price_source = models.CharField(max_length=10, choices=PriceSource.choices)
    cost_usd = models.DecimalField(max_digits=14, decimal_places=6)
    characters = models.PositiveIntegerField(default=0)
    audio_seconds = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    cache_hit = models.BooleanField(default=False)
    day = models.DateField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "day"])]

    def __str__(self) -> str:
        return f"{self.key}: ${self.cost_usd}"


class Spend(UsageRecord):
    """The ledger as the admin's Spend page: totals, spend per day, top accounts, CSV."""

    class Meta:
        proxy = True
        verbose_name = "ledger line"
        verbose_name_plural = "Spend"
