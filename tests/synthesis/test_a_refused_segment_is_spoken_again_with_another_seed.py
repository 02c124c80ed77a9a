"""A segment the worker's guards refused (a runaway, silence) is sent again with another seed: on the
same weights the job's seed would make the same failure, and bill it, every time."""

import pytest

from synthesis import intake
from synthesis.models import SynthesisJob
from synthesis.tasks import synthesize_job

pytestmark = pytest.mark.django_db

RUNAWAY = {
    "status": "error",
    "segments": [{"index": 0, "status": "error", "error": "ran to the frame cap", "code": "runaway", "attempts": 2}],
    "sample_rate": 24000,
    "synthesis_time": 1.5,
    "batch_size": 1,
    "model": "tiny",
    "instance_id": "local",
}


def test_a_refused_segment_is_sent_again_with_another_seed_and_then_completes(gpu_worker, owner):
    job = intake.job_create(account=owner.account, text="Huh?", engine="local")
    gpu_worker.fail_next(1, 200, {**RUNAWAY, "seed": job.seed})

    for _ in range(3):
        synthesize_job(job.pk)

    first, second = gpu_worker.synthesis_requests()
    assert first["body"]["seed"] == job.seed
    assert second["body"]["seed"] != job.seed
    assert SynthesisJob.objects.get(pk=job.pk).status == "complete"
