"""Admitting a job costs the same however long the ledger grows: an account without a budget is
checked against its cap on running jobs alone, and one with a budget reads the totals kept as
lines are written, not the lines. Either way its row is locked once."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from billing.services import work_record
from engines.base import WorkerCall
from synthesis import intake
from synthesis.models import new_public_id
from tests.support.service import client_for

pytestmark = pytest.mark.django_db

LINES = 500


def ledger_grows(accounts: list[Account], lines: int) -> None:
    """Work lines of jobs of ten segments, on both engines, billed to the accounts in turn."""
    for n in range(lines):
        engine = ("local", "vastai")[n % 2]
        work_record(
            engine_name=engine,
            call=WorkerCall(http_status=200, latency=1.0),
            price_per_hour=Decimal("1.80"),
            account_id=accounts[n % len(accounts)].pk,
            job_public_id=f"{engine}_job_{n // 20}",
            segment_indexes=[n // 2 % 10],
            characters=120,
            gpu_seconds=1.0,
        )


def admission_queries(account: Account) -> list[str]:
    """The SQL of one admission of a 1000-character job."""
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        intake.job_admit(account=account, engine="local", characters=1000, job_public_id=new_public_id("local"))
    return [query["sql"] for query in queries]


def locks_of_the_account(queries: list[str]) -> int:
    return sum('FROM "accounts_account"' in sql for sql in queries)


def test_an_account_without_a_budget_is_admitted_in_as_many_queries_with_500_ledger_lines_as_with_none(owner, stranger):
    before = admission_queries(owner.account)
    ledger_grows([owner.account, stranger.account], LINES)

    after = admission_queries(owner.account)

    assert len(after) == len(before)
    assert locks_of_the_account(after) == 1
    assert [sql for sql in after if "billing_" in sql] == []  # no estimate, no spend, no hold


@pytest.mark.parametrize("its_own_lines", [True, False], ids=["with its own lines", "with others' lines only"])
def test_an_account_with_a_budget_is_admitted_in_as_many_queries_with_500_ledger_lines_as_with_none(
    owner, stranger, its_own_lines
):
    account = owner.account if its_own_lines else client_for("newcomer").account
    account.monthly_budget_usd = Decimal("1000.00")
    account.save()
    before = admission_queries(account)
    ledger_grows([owner.account, stranger.account], LINES)

    after = admission_queries(account)

    assert len(after) == len(before)
    assert locks_of_the_account(after) == 1
    # The ledger's lines are read only for the holds of the account's running jobs.
    assert len([sql for sql in after if "billing_usagerecord" in sql]) == 1
