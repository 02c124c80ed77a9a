"""Clients choose among the engines the operator enables (TTS_ENABLED_ENGINES), never others: an
engine the deployment does not run would hold its jobs until the cold-start timeout."""

import subprocess
import sys

import pytest

from synthesis.models import SynthesisJob
from tests.support.service import JOBS

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_vastai(settings):
    settings.TTS_ENABLED_ENGINES = ("vastai",)
    settings.TTS_DEFAULT_ENGINE = "vastai"
    settings.VASTAI_API_KEY = "key"
    settings.VASTAI_ENDPOINT_ID = "1234"


@pytest.mark.parametrize("where", ["query", "body"])
def test_a_known_engine_that_is_not_enabled_is_refused_before_any_job_exists(owner, only_vastai, where):
    if where == "query":
        response = owner.post(f"{JOBS}?engine=local", {"text": "Hello."}, format="json")
    else:
        response = owner.post(JOBS, {"text": "Hello.", "engine": "local"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "error": "The local engine is not enabled on this service: use vastai",
        "code": "engine_not_enabled",
    }
    assert not SynthesisJob.objects.exists()


def test_an_unknown_engine_is_still_unknown(owner, only_vastai):
    response = owner.post(f"{JOBS}?engine=espeak", {"text": "Hello."}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_engine"


def test_an_enabled_vastai_engine_without_its_keys_answers_the_seeds_503(owner, only_vastai, settings):
    settings.VASTAI_API_KEY = ""

    response = owner.post(JOBS, {"text": "Hello."}, format="json")

    assert response.status_code == 503
    assert response.json() == {"error": "Vast.ai TTS not configured", "code": "engine_not_configured"}


def test_the_default_engine_is_the_only_one_enabled_unless_the_operator_says_otherwise(tmp_path):
    probe = "from django.conf import settings; print(','.join(settings.TTS_ENABLED_ENGINES))"
    env = {"DJANGO_SETTINGS_MODULE": "libread_tts.settings", "TTS_DEFAULT_ENGINE": "vastai"}
    env["TTS_VAR_DIR"] = str(tmp_path)
    answer = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {probe}"], env=env, capture_output=True, text=True
    )

    assert answer.stdout.strip() == "vastai", answer.stderr
