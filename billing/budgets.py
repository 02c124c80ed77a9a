"""Monthly budgets: a job is admitted only if its estimate fits what is left of the month.

What is left = budget - this month's ledger - holds. A hold is a running job's estimate less what
it has spent so far; it ends with the job. The account row is locked while a job is admitted, so
two jobs submitted together cannot both slip under a budget that holds only one.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from rest_framework import status

from accounts.models import Account
from billing.models import UsageRecord
from libread_tts.errors import ServiceError
from synthesis.models import SynthesisJob

CENT = Decimal("0.01")


@dataclass(frozen=True)
class BudgetState:
    budget: Decimal
    spent: Decimal
    held: Decimal

    @property
    def left(self) -> Decimal:
        return self.budget - self.spent - self.held


def money(amount: Decimal) -> str:
    return f"${amount.quantize(CENT, rounding=ROUND_HALF_UP)}"


def spent_this_month(account: Account) -> Decimal:
    first_day = timezone.localdate().replace(day=1)
    lines = UsageRecord.objects.filter(account=account, day__gte=first_day)
    return lines.aggregate(total=Sum("cost_usd", default=Decimal(0)))["total"]


def cost_per_character(account: Account) -> Decimal:
    """What a character has cost this account so far; else what it cost anyone; else the setting."""
    work = UsageRecord.objects.filter(kind=UsageRecord.Kind.WORK, characters__gt=0)
    for lines in (work.filter(account=account), work):
        totals = lines.aggregate(cost=Sum("cost_usd"), characters=Sum("characters"))
        if totals["characters"]:
            return totals["cost"] / totals["characters"]
    return Decimal(settings.TTS_ESTIMATED_COST_PER_CHARACTER)


def estimate(account: Account, characters: int) -> Decimal:
    return (cost_per_character(account) * characters).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def held(account: Account) -> Decimal:
    running = SynthesisJob.objects.filter(account=account).exclude(status__in=SynthesisJob.FINISHED)
    total = Decimal(0)
    for job in running.only("pk", "cost_hold_usd"):
        spent = UsageRecord.objects.filter(job=job).aggregate(total=Sum("cost_usd", default=Decimal(0)))["total"]
        total += max(job.cost_hold_usd - spent, Decimal(0))
    return total


def budget_state(account: Account) -> BudgetState | None:
    if account.monthly_budget_usd is None:
        return None
    return BudgetState(account.monthly_budget_usd, spent_this_month(account), held(account))


def budget_admit(*, account: Account, characters: int) -> Decimal:
    """The hold for a new job of so many characters; 402 when it does not fit. Call in a transaction."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    hold = estimate(account, characters)
    state = budget_state(account)
    if state is not None and hold > state.left:
        raise ServiceError(
            f"This job would exceed the monthly budget of {money(state.budget)}: {money(state.spent)} spent this "
            f"month, {money(state.held)} held for running jobs, and this job is estimated at {money(hold)}.",
            "budget_exceeded",
            status.HTTP_402_PAYMENT_REQUIRED,
        )
    return hold


def budget_exhausted(account: Account) -> BudgetState | None:
    """The state of a budget this month's spend has reached, else None."""
    if account.monthly_budget_usd is None:
        return None
    spent = spent_this_month(account)
    return BudgetState(account.monthly_budget_usd, spent, Decimal(0)) if spent >= account.monthly_budget_usd else None
