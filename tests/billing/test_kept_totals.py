"""The totals budgets read are kept as ledger lines are written, and agree with the ledger: each
account's spend per month (every line it is billed), and the cost and characters of its work per
engine (work lines that spoke text). A migration fills them from a ledger written before."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Account
from billing.models import MonthlySpend, UsageRecord, WorkTotal
from billing.services import cache_hit_record, usage_record_work, work_record
from engines.base import WorkerCall
from tests.support.ledger import overhead_line, work_line

ANSWERED = WorkerCall(http_status=200, latency=2.0)


def job_billed(account: Account, engine: str, job: str, characters: list[int], price: str | None) -> None:
    """A job's batches on an engine, each a worker request billed to the account."""
    for index, spoken in enumerate(characters):
        work_record(
            engine_name=engine,
            call=ANSWERED,
            price_per_hour=Decimal(price) if price else None,
            account_id=account.pk,
            job_public_id=job,
            segment_indexes=[index],
            characters=spoken,
            gpu_seconds=0.37 * spoken / 100,
            audio_seconds=spoken / 15,
        )


def ledger_written(owner: Account, stranger: Account) -> None:
    """Work of several jobs on both engines, and every other kind of line the ledger holds."""
    job_billed(owner, "vastai", "vastai_1", [180, 240, 95], "0.41")
    job_billed(owner, "vastai", "vastai_2", [310], "0.52")
    job_billed(owner, "local", "local_1", [120, 60], None)  # the fallback price
    job_billed(stranger, "local", "local_2", [200, 200, 33], None)
    job_billed(stranger, "vastai", "vastai_3", [150], "0.41")
    # A clone prompt's build: spent, but no characters spoken.
    work_record(engine_name="vastai", call=ANSWERED, price_per_hour=Decimal("0.41"), account_id=owner.pk, gpu_seconds=3)
    # Refused before any GPU work: no line.
    work_record(
        engine_name="vastai", call=WorkerCall(http_status=429, latency=0.1), price_per_hour=None, account_id=owner.pk
    )
    # Billed again, as a redelivered task does: one line, counted once.
    again = UsageRecord.objects.filter(worker_request__job_public_id="vastai_2").get().worker_request
    usage_record_work(worker_request=again, account_id=owner.pk, audio_seconds=1.0)
    cache_hit_record(account_id=owner.pk, job_public_id="local_1", segment_index=2, audio_seconds=4.0)
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    work_line(owner, "0.75", day=last_month)
    overhead_line("1.25", key="overhead:vastai:1:today:1")  # nobody's


def spend_kept() -> dict:
    return {(row.account_id, row.month): row.cost_usd for row in MonthlySpend.objects.all()}


def spend_in_the_ledger() -> dict:
    lines = UsageRecord.objects.filter(account__isnull=False).exclude(cost_usd=0)
    months = lines.values("account_id", month=TruncMonth("day")).annotate(cost=Sum("cost_usd")).order_by()
    return {(row["account_id"], row["month"]): row["cost"] for row in months}


def work_kept() -> dict:
    return {(row.account_id, row.engine): (row.cost_usd, row.characters) for row in WorkTotal.objects.all()}


def work_in_the_ledger() -> dict:
    work = UsageRecord.objects.filter(kind="work", worker_request__characters__gt=0)
    engines = (
        work.values("account_id", engine=F("worker_request__engine"))
        .annotate(cost=Sum("cost_usd"), characters=Sum("worker_request__characters"))
        .order_by()
    )
    return {(row["account_id"], row["engine"]): (row["cost"], row["characters"]) for row in engines}


@pytest.mark.django_db
def test_the_kept_totals_agree_with_the_ledger_after_work_of_several_jobs_and_engines(owner, stranger):
    ledger_written(owner.account, stranger.account)

    assert work_kept() == work_in_the_ledger()
    assert set(work_kept()) == {
        (owner.account.pk, "vastai"),
        (owner.account.pk, "local"),
        (stranger.account.pk, "vastai"),
        (stranger.account.pk, "local"),
    }
    assert spend_kept() == spend_in_the_ledger()
    assert len(spend_kept()) == 3  # the owner's two months, the stranger's one


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_fills_the_totals_from_a_ledger_written_before_they_were_kept(owner, stranger):
    ledger_written(owner.account, stranger.account)
    kept_line_by_line = (spend_kept(), work_kept())
    executor = MigrationExecutor(connection)
    executor.migrate([("billing", "0003_kept_totals")])
    assert (spend_kept(), work_kept()) == ({}, {})

    executor.loader.build_graph()
    executor.migrate([("billing", "0004_kept_totals_from_ledger")])

    assert (spend_kept(), work_kept()) == kept_line_by_line == (spend_in_the_ledger(), work_in_the_ledger())
