from django.db import models


class UsageRecord(models.Model):
    """One line of the cost ledger: what a worker request's GPU time cost, overhead, or a segment
    served from the cache at no cost. Append-only.

    ``key`` makes each line unique to what it accounts for, so a redelivered task or a rerun of
    reconciliation never writes it twice. A work line points at its worker request, which says
    which job, segments, engine and instance it was; a cache-hit line names its job, as no worker
    request was made; lines outlive the jobs they bill.
    """

    class Kind(models.TextChoices):
        WORK = "work"  # GPU time spent on a request
        OVERHEAD = "overhead"  # what Vast.ai charged beyond that: idle and loading workers
        CACHE_HIT = "cache_hit"  # a segment served from the segment cache: no GPU time

    class PriceSource(models.TextChoices):
        INSTANCE = "instance", "the serving instance's price"
        FALLBACK = "fallback", "TTS_FALLBACK_PRICE_PER_HOUR"
        CHARGES = "charges", "Vast.ai's charges"
        CACHE = "cache", "no GPU: the segment cache"

    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.WORK)
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.PROTECT)
    worker_request = models.OneToOneField(
        "engines.WorkerRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="usage_record"
    )
    job_public_id = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text="A cache hit's job (work lines name it through their worker request).",
    )
    gpu_seconds = models.DecimalField(
        max_digits=12, decimal_places=3, default=0, help_text="GPU time billed: reported, or held when it failed."
    )
    price_per_hour = models.DecimalField(max_digits=10, decimal_places=5, default=0)
    price_source = models.CharField(max_length=10, choices=PriceSource.choices)
    cost_usd = models.DecimalField(max_digits=14, decimal_places=6)
    audio_seconds = models.DecimalField(max_digits=12, decimal_places=3, default=0)
    day = models.DateField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "day"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="work", worker_request__isnull=False)
                | models.Q(kind="overhead", worker_request__isnull=True)
                | models.Q(kind="cache_hit", worker_request__isnull=True, cost_usd=0),
                name="ledger_lines_match_their_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}: ${self.cost_usd}"


class Spend(UsageRecord):
    """The ledger as the admin's Spend page: totals, spend per day, top accounts, CSV."""

    class Meta:
        proxy = True
        verbose_name = "ledger line"
        verbose_name_plural = "Spend"


class WorkTotal(models.Model):
    """What an account's work on one engine has cost and how many characters it spoke: the sums of
    its work lines that spoke text (a clone prompt's build speaks none), kept as each line is
    written, so that estimating a job reads one row, not the ledger."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="work_totals")
    engine = models.CharField(max_length=20)
    cost_usd = models.DecimalField(max_digits=18, decimal_places=6, default=0)
    characters = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["engine", "account"], name="one_work_total_per_engine_account")]

    def __str__(self) -> str:
        return f"{self.account_id} on {self.engine}: ${self.cost_usd} for {self.characters} characters"


class MonthlySpend(models.Model):
    """What an account's ledger lines of one month cost, kept as each line is written, so that a
    budget reads one row, not the month's lines."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="monthly_spends")
    month = models.DateField(help_text="The month's first day.")
    cost_usd = models.DecimalField(max_digits=18, decimal_places=6, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "month"], name="one_monthly_spend_per_account")]

    def __str__(self) -> str:
        return f"{self.account_id} in {self.month:%Y-%m}: ${self.cost_usd}"


class BudgetHold(models.Model):
    """A running job's estimated cost, held against its account's budget until the job ends.

    What the job has spent since the hold was made counts against the hold, so a job is never
    counted twice; the hold is deleted when the job finishes.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="budget_holds")
    job_public_id = models.CharField(max_length=64, unique=True)
    amount_usd = models.DecimalField(max_digits=12, decimal_places=6)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.job_public_id}: ${self.amount_usd}"
