"""Claims with a lease: a redelivered task never sends a segment twice; a dead worker's claim expires."""

from datetime import timedelta

from django.utils import timezone

from synthesis import intake, lifecycle
from synthesis.models import Segment, SynthesisJob
from synthesis.tasks import synthesize_job
from tests.support.service import JOBS, wait_for_job

CHAPTER = " ".join(f"Line {n} of the chapter is read aloud by the narrator now." for n in range(30))


def test_redelivered_task_messages_never_send_a_segment_twice(live_worker, owner):
    job_id = owner.post(JOBS, {"text": CHAPTER}, format="json").json()["job_id"]
    job = SynthesisJob.objects.get(public_id=job_id)
    for _ in range(3):  # what a broker redelivering the same message amounts to
        synthesize_job.delay(job.pk)

    assert wait_for_job(owner, job_id)["status"] == "complete"
    sent = live_worker.sent_indexes()
    assert sorted(sent) == list(range(job.segments.count()))


def test_calling_the_task_directly_sends_one_batch_and_stores_its_audio(
    gpu_worker, owner, django_capture_on_commit_callbacks
):
    job = intake.job_create(account=owner.account, text=CHAPTER, engine="local")

    with django_capture_on_commit_callbacks() as callbacks:
        synthesize_job(job.pk)

    first = Segment.objects.get(job=job, index=0)
    assert first.status == Segment.Status.READY
    assert first.audio.name.endswith("00000.wav")
    assert gpu_worker.sent_indexes() == [0]
    assert len(callbacks) == 0  # the chain continues through .delay, not on commit


def test_a_claim_past_its_lease_is_claimed_again(gpu_worker, owner, settings):
    job = intake.job_create(account=owner.account, text="A worker died holding this segment.", engine="local")
    expired = timezone.now() - timedelta(seconds=settings.TTS_CLAIM_LEASE_SECONDS + 1)
    Segment.objects.filter(job=job).update(status=Segment.Status.PROCESSING, claimed_at=expired, attempts=1)

    synthesize_job(job.pk)

    segment = Segment.objects.get(job=job)
    assert segment.status == Segment.Status.READY
    assert segment.attempts == 2
    job.refresh_from_db()
    assert job.status == SynthesisJob.Status.COMPLETE


def test_a_claim_within_its_lease_is_left_to_its_owner(gpu_worker, owner):
    job = intake.job_create(account=owner.account, text="Another worker is on this one.", engine="local")
    Segment.objects.filter(job=job).update(status=Segment.Status.PROCESSING, claimed_at=timezone.now(), attempts=1)

    synthesize_job(job.pk)

    assert gpu_worker.sent_indexes() == []
    assert Segment.objects.get(job=job).status == Segment.Status.PROCESSING


def test_stalled_jobs_are_requeued_by_the_beat_task(owner, settings, django_capture_on_commit_callbacks):
    job = intake.job_create(account=owner.account, text="Nobody picked this up.", engine="local")
    stale = timezone.now() - timedelta(seconds=settings.TTS_CLAIM_LEASE_SECONDS + 1)
    SynthesisJob.objects.filter(pk=job.pk).update(updated_at=stale)
    fresh = intake.job_create(account=owner.account, text="Just submitted.", engine="local")

    with django_capture_on_commit_callbacks() as callbacks:
        assert lifecycle.jobs_requeue_stalled() == 1

    assert len(callbacks) == 1
    assert fresh.pk != job.pk


def test_a_job_whose_segments_are_all_ready_but_never_closed_is_closed(gpu_worker, owner, settings):
    job = intake.job_create(account=owner.account, text="The task died while stitching.", engine="local")
    synthesize_job(job.pk)
    stale = timezone.now() - timedelta(seconds=settings.TTS_CLAIM_LEASE_SECONDS + 1)
    SynthesisJob.objects.filter(pk=job.pk).update(status=SynthesisJob.Status.PROCESSING, audio="", updated_at=stale)

    assert lifecycle.jobs_requeue_stalled() == 1
    synthesize_job(job.pk)

    job.refresh_from_db()
    assert job.status == SynthesisJob.Status.COMPLETE


def test_a_job_making_progress_is_not_requeued(gpu_worker, owner, settings):
    job = intake.job_create(account=owner.account, text="Busy. " * 100, engine="local")
    SynthesisJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - timedelta(seconds=settings.TTS_CLAIM_LEASE_SECONDS + 1)
    )

    synthesize_job(job.pk)

    assert lifecycle.jobs_requeue_stalled() == 0


def test_a_job_whose_task_message_was_lost_is_requeued_within_a_minute(owner, django_capture_on_commit_callbacks):
    job = intake.job_create(account=owner.account, text="The broker lost this one.", engine="local")
    SynthesisJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(seconds=31))

    with django_capture_on_commit_callbacks() as callbacks:
        assert lifecycle.jobs_requeue_stalled() == 1

    assert len(callbacks) == 1


def test_a_job_whose_batch_is_on_a_gpu_under_its_lease_is_not_requeued(owner, django_capture_on_commit_callbacks):
    job = intake.job_create(account=owner.account, text="A long batch on a slow GPU.", engine="local")
    Segment.objects.filter(job=job).update(status=Segment.Status.PROCESSING, claimed_at=timezone.now(), attempts=1)
    SynthesisJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=3))

    assert lifecycle.jobs_requeue_stalled() == 0
