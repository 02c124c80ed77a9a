"""A dependency that is down degrades the service; it never turns a request into a 500."""

import pytest

from gpu_worker.testing.processes import free_port
from synthesis.models import SynthesisJob
from tests.support.service import JOBS

pytestmark = pytest.mark.django_db


def test_jobs_are_accepted_while_the_rate_limit_cache_is_down(owner, settings, django_capture_on_commit_callbacks):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }

    response = owner.post(JOBS, {"text": "Redis is down; I am not."}, format="json")

    assert response.status_code == 202, response.content
    assert SynthesisJob.objects.filter(public_id=response.json()["job_id"]).exists()
