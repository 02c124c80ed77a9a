import threading
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import BudgetHold
from billing.services import work_record
from common.errors import DomainError
from engines.base import WorkerCall
from gpu_worker.testing.audio import reference_base64
from synthesis import intake, lifecycle
from synthesis.models import SynthesisJob
from synthesis.tasks import synthesize_job
from tests.support.ledger import work_line
from tests.support.service import JOBS
from voices.models import Voice

TEXT = "x" * 1000  # at $0.001 a character, an estimate of $1.00


@pytest.fixture(autouse=True)
def a_dollar_per_thousand_characters(settings):
    settings.TTS_ESTIMATED_COST_PER_CHARACTER = "0.001"


def spend(account, amount: str) -> None:
    work_line(account, amount)


def work_billed(account, engine: str, characters: int, cost: str) -> None:
    """A worker request of an earlier job that spoke so many characters on the engine, at that cost."""
    work_record(
        engine_name=engine,
        call=WorkerCall(http_status=200, latency=1.0),
        price_per_hour=Decimal(cost) * 3600,
        account_id=account.pk,
        job_public_id=f"{engine}_earlier",
        characters=characters,
        gpu_seconds=1.0,
    )


@pytest.mark.django_db
def test_a_job_over_budget_gets_402_with_the_figures(owner):
    owner.account.monthly_budget_usd = Decimal("1.00")
    owner.account.save()
    spend(owner.account, "0.50")

    response = owner.post(JOBS, {"text": TEXT}, format="json")

    assert response.status_code == 402
    assert response.json()["code"] == "budget_exceeded"
    assert response.json()["error"] == (
        "This job would exceed the monthly budget of $1.00: $0.50 spent this month, $0.00 held for running jobs, "
        "and this job is estimated at $1.00."
    )


@pytest.mark.django_db
def test_a_job_is_estimated_at_what_a_character_has_cost_the_account_on_its_engine(owner):
    owner.account.monthly_budget_usd = Decimal("1.00")
    owner.account.save()
    work_billed(owner.account, "local", 1000, "0.50")
    work_billed(owner.account, "vastai", 1000, "2.00")

    response = owner.post(f"{JOBS}?engine=local", {"text": TEXT}, format="json")

    assert response.status_code == 402
    assert response.json()["error"] == (
        "This job would exceed the monthly budget of $1.00: $2.50 spent this month, $0.00 held for running jobs, "
        "and this job is estimated at $0.50."
    )


@pytest.mark.django_db
def test_a_new_accounts_job_is_estimated_at_what_a_character_has_cost_anyone_on_its_engine(owner, stranger):
    owner.account.monthly_budget_usd = Decimal("0.10")
    owner.account.save()
    work_billed(stranger.account, "local", 1000, "0.30")
    work_billed(stranger.account, "local", 1000, "0.10")
    work_billed(stranger.account, "vastai", 1000, "5.00")

    response = owner.post(f"{JOBS}?engine=local", {"text": TEXT}, format="json")

    assert response.status_code == 402
    assert response.json()["error"] == (
        "This job would exceed the monthly budget of $0.10: $0.00 spent this month, $0.00 held for running jobs, "
        "and this job is estimated at $0.20."
    )


@pytest.mark.django_db
def test_a_job_of_an_account_without_a_budget_holds_nothing(owner, django_capture_on_commit_callbacks):
    work_billed(owner.account, "local", 1000, "0.50")

    response = owner.post(JOBS, {"text": TEXT}, format="json")

    assert response.status_code == 202
    assert not BudgetHold.objects.exists()


@pytest.mark.django_db
def test_an_inline_clone_refused_by_the_budget_leaves_no_voice_and_builds_no_prompt(
    owner, django_capture_on_commit_callbacks
):
    owner.account.monthly_budget_usd = Decimal("0.50")
    owner.account.save()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner.post(JOBS, {"text": TEXT, "voice": "clone", "voice_data": reference_base64()}, format="json")

    assert response.status_code == 402
    assert not Voice.objects.exists()
    assert callbacks == []


@pytest.mark.django_db
def test_running_jobs_hold_their_estimate(owner, django_capture_on_commit_callbacks):
    owner.account.monthly_budget_usd = Decimal("1.50")
    owner.account.save()
    intake.job_create(account=owner.account, text=TEXT, engine="local")

    response = owner.post(JOBS, {"text": TEXT}, format="json")

    assert response.status_code == 402
    assert "$1.00 held for running jobs" in response.json()["error"]


@pytest.mark.django_db
def test_a_finished_job_releases_its_hold(owner, django_capture_on_commit_callbacks):
    owner.account.monthly_budget_usd = Decimal("1.50")
    owner.account.save()
    job = intake.job_create(account=owner.account, text=TEXT, engine="local")
    lifecycle.job_cancel(job=job)

    assert owner.post(JOBS, {"text": TEXT}, format="json").status_code == 202


@pytest.mark.django_db(transaction=True)
def test_two_jobs_submitted_together_cannot_both_slip_under_a_budget_for_one(owner):
    owner.account.monthly_budget_usd = Decimal("1.50")
    owner.account.save()
    start = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            start.wait()
            intake.job_create(account=owner.account, text=TEXT, engine="local")
            outcomes.append("accepted")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["accepted", "budget_exceeded"]
    assert SynthesisJob.objects.count() == 1


@pytest.mark.django_db
def test_a_job_that_crosses_its_budget_finishes_the_batch_in_flight_and_stops(owner, gpu_worker):
    chapter = " ".join(f"Sentence {n} is long enough to be a segment of its own, or nearly so." for n in range(20))
    job = intake.job_create(account=owner.account, text=chapter, engine="local")
    synthesize_job(job.pk)  # the first batch
    owner.account.monthly_budget_usd = Decimal("0.00")
    owner.account.save()

    synthesize_job(job.pk)

    job.refresh_from_db()
    assert job.status == "error"
    assert job.error.startswith("Stopped: the monthly budget of $0.00 is spent")
    assert len(gpu_worker.synthesis_requests()) == 1
    assert job.segments.filter(status="ready").count() == 1
    assert not job.segments.filter(status="queued").exists()


@pytest.mark.django_db
def test_a_retry_is_admitted_against_the_budget_again(owner, django_capture_on_commit_callbacks):
    owner.account.monthly_budget_usd = Decimal("1.50")
    owner.account.save()
    job = intake.job_create(account=owner.account, text=TEXT, engine="local")
    lifecycle.job_cancel(job=job)
    intake.job_create(account=owner.account, text=TEXT, engine="local")

    response = owner.post(f"{JOBS}/{job.public_id}/retry")

    assert response.status_code == 402
