"""One gate moves a job between states: from the states a move is allowed from, and only those."""

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from billing.models import BudgetHold
from synthesis import intake, lifecycle
from synthesis.models import SynthesisJob
from synthesis.states import Status, job_transition

pytestmark = pytest.mark.django_db

SYNTHESIS = Path(__file__).resolve().parents[2] / "synthesis"


@pytest.fixture
def job(owner, django_capture_on_commit_callbacks):
    owner.account.monthly_budget_usd = Decimal("100.00")  # a budget, so the job holds its estimate
    owner.account.save()
    return intake.job_create(account=owner.account, text="A sentence to move around.", engine="local")


def status_of(job: SynthesisJob) -> str:
    return SynthesisJob.objects.get(pk=job.pk).status


def test_a_job_moves_when_it_is_in_a_state_the_move_may_come_from(job):
    assert job_transition(job, Status.QUEUED, message="Waiting.")
    assert job_transition(job, Status.PROCESSING, from_=(Status.QUEUED,))
    assert status_of(job) == "processing"


def test_a_finished_job_is_never_moved_back_by_a_late_task(job):
    lifecycle.job_cancel(job=job)

    assert not job_transition(job, Status.QUEUED, message="A late wait.")
    assert not job_transition(job, Status.COMPLETE)
    assert not job_transition(job, Status.PROCESSING, from_=(Status.QUEUED,))
    assert status_of(job) == "canceled"


def test_a_move_the_state_machine_does_not_know_is_a_programming_error(job):
    with pytest.raises(ValueError, match="never moves from complete to processing"):
        job_transition(job, Status.PROCESSING, from_=(Status.COMPLETE,))


def test_a_finishing_move_stamps_the_time_and_releases_the_budget_hold(job):
    assert BudgetHold.objects.get(job_public_id=job.public_id).amount_usd > Decimal(0)

    job_transition(job, Status.ERROR, error="It broke.")

    job.refresh_from_db()
    assert (job.status, job.error, job.message) == ("error", "It broke.", "")
    assert job.finished_at is not None
    assert not BudgetHold.objects.filter(job_public_id=job.public_id).exists()


def test_a_retry_holds_the_budget_again_and_clears_the_finish(job, django_capture_on_commit_callbacks):
    lifecycle.job_cancel(job=job)

    lifecycle.job_retry(job=job)

    job.refresh_from_db()
    assert (job.status, job.finished_at) == ("processing", None)
    assert BudgetHold.objects.filter(job_public_id=job.public_id).exists()


def test_no_module_but_the_gate_updates_a_jobs_row():
    writers = []
    for path in SYNTHESIS.rglob("*.py"):
        if path.name == "states.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            updates = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update"
            if updates and "SynthesisJob" in ast.unparse(node.func.value):
                writers.append(f"{path.name}:{node.lineno}")

    assert writers == []
