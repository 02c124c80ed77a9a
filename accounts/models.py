import hashlib

from django.db import models


class Account(models.Model):
    """Who submits jobs, owns voices and is billed: LibRead's server, or another client."""

    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True, help_text="An inactive account's keys get 403.")
    monthly_budget_usd = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="Spend per calendar month; empty: none."
    )
    max_active_jobs = models.PositiveIntegerField(
        null=True, blank=True, help_text="Jobs running at once; empty: TTS_MAX_ACTIVE_JOBS."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A bearer key. Only its SHA-256 is stored: keys are long random strings, so a fast hash
    is enough, and a leaked table gives nobody a usable key."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True, help_text="What the key is for.")
    prefix = models.CharField(max_length=12, help_text="The key's first characters, to recognise it.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.account})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
