"""Overhead lines make the ledger's total for each day equal what Vast.ai charged for it."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from billing.models import UsageRecord
from billing.reconciliation import day_bounds, reconcile
from tests.support.fake_vast import ENDPOINT_ID
from tests.support.ledger import work_line

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.now().astimezone(datetime.UTC).date() - datetime.timedelta(days=1)
DAY_BEFORE = YESTERDAY - datetime.timedelta(days=1)


@pytest.fixture
def console(vast_console, settings):
    settings.VASTAI_ENDPOINT_ID = str(ENDPOINT_ID)
    return vast_console


def charge(day: datetime.date, amount: str, endpoint_id: int = ENDPOINT_ID, hour: int = 3) -> dict:
    start = day_bounds(day)[0] + hour * 3600
    return {
        "start": start,
        "end": start + 3600,
        "type": "serverless",
        "source": f"endpoint-{endpoint_id}",
        "description": "1.000 hours at $0.389/hour",
        "amount": amount,
        "metadata": {"endpoint_id": endpoint_id, "workergroup_id": 500},
        "items": [{"type": "gpu", "description": "1.000 hours at $0.389/hour", "amount": amount}],
    }


def work(day: datetime.date, cost: str, number: int) -> None:
    work_line(None, cost, day=day)


def ledger_total(day: datetime.date) -> Decimal:
    return UsageRecord.objects.filter(day=day).aggregate(total=Sum("cost_usd"))["total"]


def test_overhead_lines_make_each_days_ledger_equal_the_charges(console):
    work(DAY_BEFORE, "0.100000", 1)
    work(YESTERDAY, "0.050000", 1)
    work(YESTERDAY, "0.025000", 2)
    console.charges = [
        charge(DAY_BEFORE, "0.389"),
        charge(DAY_BEFORE, "0.2", hour=9),
        charge(YESTERDAY, "0.389"),
        charge(YESTERDAY, "5.00", endpoint_id=999),  # another endpoint's
    ]

    results = reconcile(DAY_BEFORE, YESTERDAY)

    assert ledger_total(DAY_BEFORE) == Decimal("0.589")
    assert ledger_total(YESTERDAY) == Decimal("0.389")
    assert [result.added for result in results] == [Decimal("0.489000"), Decimal("0.314000")]
    overhead = UsageRecord.objects.filter(kind="overhead")
    assert {line.price_source for line in overhead} == {"charges"}
    assert all(line.account is None for line in overhead)


def test_running_it_twice_changes_nothing(console):
    work(YESTERDAY, "0.05", 1)
    console.charges = [charge(YESTERDAY, "0.389")]
    reconcile(YESTERDAY, YESTERDAY)
    lines = UsageRecord.objects.count()

    again = reconcile(YESTERDAY, YESTERDAY)

    assert UsageRecord.objects.count() == lines
    assert again[0].added == 0


def test_a_late_charge_adds_only_the_difference(console):
    console.charges = [charge(YESTERDAY, "0.389")]
    reconcile(YESTERDAY, YESTERDAY)
    console.charges.append(charge(YESTERDAY, "0.111", hour=20))

    reconcile(YESTERDAY, YESTERDAY)

    assert ledger_total(YESTERDAY) == Decimal("0.5")
    assert UsageRecord.objects.filter(kind="overhead").count() == 2


def test_every_page_of_charges_is_read(console):
    console.charges = [charge(YESTERDAY, "0.01", hour=hour % 24) for hour in range(250)]

    reconcile(YESTERDAY, YESTERDAY)

    assert ledger_total(YESTERDAY) == Decimal("2.50")


def test_the_command_reports_each_day(console):
    console.charges = [charge(YESTERDAY, "0.389")]
    out = io.StringIO()

    call_command("reconcile_costs", "--days", "2", stdout=out)

    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[-1] == f"{YESTERDAY}: charged $0.389000, ledger $0.000000, overhead added $0.389000"
