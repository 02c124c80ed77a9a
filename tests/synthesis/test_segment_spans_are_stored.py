import pytest

from synthesis.models import SynthesisJob
from tests.support.service import JOBS

pytestmark = pytest.mark.django_db


def test_each_stored_segment_points_at_its_words_in_the_jobs_own_text(owner):
    text = "  Chapter One\r\n\r\nThe rain had not stopped for three days.\tThe river   rose.\n\n“Run!” she said."

    response = owner.post(JOBS, {"text": text}, format="json")

    assert response.status_code == 202
    job = SynthesisJob.objects.get(public_id=response.json()["job_id"])
    assert job.text == text
    segments = list(job.segments.order_by("index"))
    assert len(segments) >= 3
    for segment in segments:
        assert " ".join(text[segment.text_start : segment.text_end].split()) == segment.text
    assert text[segments[0].text_start : segments[0].text_end] == "Chapter One"
    assert text[segments[-1].text_start : segments[-1].text_end] == "“Run!” she said."
