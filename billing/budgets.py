"""Monthly budgets: a job is admitted only if its estimate fits what is left of the month.

What is left = budget - this month's spend - holds. A hold is a running job's estimate less what
it has spent since the hold was made; it is released when the job ends. The month's spend and
the cost per character are totals kept as ledger lines are written (billing.services), so an
admission reads a few rows however long the ledger; an account without a budget is not
estimated and holds nothing. The account row is locked while a job is admitted, so two jobs
submitted together cannot both slip under a budget that holds only one.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Account
from billing.models import BudgetHold, MonthlySpend, UsageRecord, WorkTotal
from common.errors import OverBudget

CENT = Decimal("0.01")
ZERO = Decimal(0)
# A clone prompt costs about as much GPU time as speaking this many characters (the GPU worker
# reports the same figure to Vast's autoscaler as the build's workload).
PROMPT_BUILD_CHARACTERS = 200


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
    month = timezone.localdate().replace(day=1)
    return MonthlySpend.objects.filter(account=account, month=month).values_list("cost_usd", flat=True).first() or ZERO


def cost_per_character(account: Account, engine: str) -> Decimal:
    """What a character has cost this account on the engine so far; else what it cost anyone there;
    else the setting. Per engine, as engines are priced apart; not per model, as a job's model is
    known only once a worker answers."""
    own = Q(account=account)
    totals = WorkTotal.objects.filter(engine=engine).aggregate(
        own_cost=Sum("cost_usd", filter=own),
        own_characters=Sum("characters", filter=own),
        cost=Sum("cost_usd"),
        characters=Sum("characters"),
    )
    for cost, characters in ((totals["own_cost"], totals["own_characters"]), (totals["cost"], totals["characters"])):
        if characters:
            return cost / characters
    return Decimal(settings.TTS_ESTIMATED_COST_PER_CHARACTER)


def estimate(account: Account, engine: str, characters: int) -> Decimal:
    return (cost_per_character(account, engine) * characters).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def held(account: Account) -> Decimal:
    spent_since_hold = (
        UsageRecord.objects.filter(
            worker_request__job_public_id=OuterRef("job_public_id"), created_at__gte=OuterRef("created_at")
        )
        .values("worker_request__job_public_id")
        .annotate(total=Sum("cost_usd"))
        .values("total")
    )
    holds = BudgetHold.objects.filter(account=account).annotate(
        spent=Coalesce(Subquery(spent_since_hold), Value(ZERO), output_field=DecimalField()),
        left=F("amount_usd") - F("spent"),
    )
    return sum((max(hold.left, ZERO) for hold in holds), ZERO)


def budget_state(account: Account) -> BudgetState | None:
    if account.monthly_budget_usd is None:
        return None
    return BudgetState(account.monthly_budget_usd, spent_this_month(account), held(account))


def budget_admit(*, account: Account, engine: str, characters: int, job_public_id: str) -> None:
    """Hold the estimate of a job of so many characters on the engine, or refuse it; a job of an
    account without a budget holds nothing. Call in a transaction, with the account's row locked
    (``select_for_update``) and read in it."""
    state = budget_state(account)
    if state is None:
        return
    hold = estimate(account, engine, characters)
    if hold > state.left:
        raise OverBudget(
            f"This job would exceed the monthly budget of {money(state.budget)}: {money(state.spent)} spent this "
            f"month, {money(state.held)} held for running jobs, and this job is estimated at {money(hold)}.",
            "budget_exceeded",
        )
    BudgetHold.objects.filter(job_public_id=job_public_id).delete()  # a retried job holds anew
    BudgetHold.objects.create(account=account, job_public_id=job_public_id, amount_usd=hold)


def prompt_build_admit(*, account: Account) -> None:
    """Refuse a voice whose clone prompt the budget cannot pay for. Call in a transaction."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    state = budget_state(account)
    if state is None:
        return
    # A new voice's prompt is built on the default engine (voices.tasks.build_voice_prompt).
    cost = estimate(account, settings.TTS_DEFAULT_ENGINE, PROMPT_BUILD_CHARACTERS)
    if cost > state.left:
        raise OverBudget(
            f"Building this voice's clone prompt would exceed the monthly budget of {money(state.budget)}: "
            f"{money(state.spent)} spent this month, {money(state.held)} held for running jobs, and the build is "
            f"estimated at {money(cost)}.",
            "budget_exceeded",
        )


def hold_release(*, job_public_id: str) -> None:
    BudgetHold.objects.filter(job_public_id=job_public_id).delete()


def budget_exhausted(account: Account) -> BudgetState | None:
    """The state of a budget this month's spend has reached, else None."""
    if account.monthly_budget_usd is None:
        return None
    spent = spent_this_month(account)
    return BudgetState(account.monthly_budget_usd, spent, ZERO) if spent >= account.monthly_budget_usd else None
