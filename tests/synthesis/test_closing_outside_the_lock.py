"""A job's audio is stitched outside its row lock: another connection writes the job meanwhile, and
a job canceled or deleted while it is stitched ends as that left it, with no stitched file kept.

The last segment's audio reaches the stitch through a named pipe, so the test acts exactly while
the stitch is reading: the pipe opens only once the stitch opens it, and the audio flows after."""

import os
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from django.core.files.base import ContentFile
from django.db import connection

from synthesis import audio, dispatch, intake, lifecycle
from synthesis.models import Segment, SynthesisJob
from synthesis.states import job_touch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def job(owner):
    text = " ".join(f"Sentence {n} of a chapter that takes a few segments to read." for n in range(12))
    job = intake.job_create(account=owner.account, text=text, engine="local")
    wav = audio.encode((0.3 * np.sin(np.arange(24000) / 7)).astype(np.float32), 24000)
    for segment in job.segments.all():
        segment.audio.save(f"{segment.index:05d}.wav", ContentFile(wav), save=False)
        segment.status, segment.duration = Segment.Status.READY, 1.0
        segment.save()
    return job


def stitched_while(job: SynthesisJob, action) -> list[Exception]:
    """Close the job while another thread, on its own connection, runs ``action`` mid-stitch; what it raised."""
    last = Path(job.segments.order_by("index").last().audio.path)
    wav = last.read_bytes()
    last.unlink()
    os.mkfifo(last)
    raised = []

    def meanwhile():
        with open(last, "wb") as pipe:  # returns once the stitch has opened the last segment
            try:
                action()
            except Exception as exc:  # the test asserts there was none
                raised.append(exc)
            finally:
                connection.close()
            pipe.write(wav)

    other = threading.Thread(target=meanwhile)
    other.start()
    try:
        dispatch.job_close_if_done(job_id=job.pk)
    finally:
        other.join()
    return raised


def test_the_job_row_can_be_written_while_its_audio_is_stitched(job):
    raised = stitched_while(job, lambda: job_touch(SynthesisJob.objects.get(pk=job.pk), message="written meanwhile"))

    assert raised == []
    job.refresh_from_db()
    assert job.status == SynthesisJob.Status.COMPLETE
    assert sf.info(job.audio.path).duration == pytest.approx(job.duration)


def test_a_job_canceled_while_it_is_stitched_stays_canceled_without_audio(job):
    raised = stitched_while(job, lambda: lifecycle.job_cancel(job=SynthesisJob.objects.get(pk=job.pk)))

    assert raised == []
    job.refresh_from_db()
    assert job.status == SynthesisJob.Status.CANCELED
    assert not job.audio
    assert not list(lifecycle.job_folder(job).glob("audio*"))


def test_a_job_deleted_while_it_is_stitched_leaves_no_file(job):
    raised = stitched_while(job, lambda: lifecycle.job_delete(job=SynthesisJob.objects.get(pk=job.pk)))

    assert raised == []
    assert not SynthesisJob.objects.filter(pk=job.pk).exists()
    assert not lifecycle.job_folder(job).exists()
