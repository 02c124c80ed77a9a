import base64

import pytest

from synthesis.models import SynthesisJob
from tests.support.service import JOBS

pytestmark = pytest.mark.django_db

BAD_BODIES = [
    pytest.param({}, 400, "required", id="no-text"),
    pytest.param({"text": ""}, 400, "blank", id="empty-text"),
    pytest.param({"text": "   \n\t "}, 400, "blank", id="whitespace-only-text"),
    pytest.param({"text": 42}, 400, "not_a_string", id="number-text"),
    pytest.param({"text": ["a"]}, 400, "not_a_string", id="list-text"),
    pytest.param({"text": None}, 400, "null", id="null-text"),
    pytest.param({"text": "Hi.", "engine": "espeak"}, 400, "unknown_engine", id="unknown-engine"),
    pytest.param({"text": "Hi.", "language": "Klingon"}, 400, "unknown_language", id="unknown-language"),
    pytest.param({"text": "Hi.", "voice": "morgan"}, 400, "unknown_voice", id="unknown-voice"),
    pytest.param({"text": "Hi.", "voice": 7}, 400, "not_a_string", id="number-voice"),
    pytest.param({"text": "Hi.", "format": "aiff"}, 400, "invalid_choice", id="unknown-format"),
    pytest.param({"text": "Hi.", "voice": "clone"}, 400, "missing_voice_data", id="clone-without-voice-data"),
    pytest.param({"text": "Hi.", "voice": "clone", "voice_data": "%%%"}, 400, "reference_not_base64", id="bad-base64"),
    pytest.param(
        {"text": "Hi.", "voice": "ryan", "voice_data": base64.b64encode(b"x").decode()},
        400,
        "unexpected_voice_data",
        id="voice-data-without-clone",
    ),
    pytest.param(["Hi."], 400, "invalid_body", id="body-not-an-object"),
]


@pytest.mark.parametrize(("body", "status", "code"), BAD_BODIES)
def test_a_bad_job_gets_a_4xx_in_the_one_error_shape(owner, body, status, code):
    response = owner.post(JOBS, body, format="json")

    assert response.status_code == status
    assert set(response.json()) == {"error", "code"}
    assert response.json()["code"] == code
    assert not SynthesisJob.objects.exists()


def test_malformed_json_gets_a_400(owner):
    response = owner.post(JOBS, data='{"text": "unterminated', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_text_over_the_job_limit_gets_413_with_the_limit(owner, settings):
    settings.TTS_JOB_MAX_CHARACTERS = 1000

    response = owner.post(JOBS, {"text": "word " * 201}, format="json")

    assert response.status_code == 413
    assert "at most 1000" in response.json()["error"]


def test_an_unknown_engine_in_the_query_wins_over_the_body(owner):
    response = owner.post(f"{JOBS}?engine=bark", {"text": "Hi.", "engine": "local"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_engine"


def test_oversized_voice_data_is_refused_before_decoding(owner, settings):
    settings.TTS_VOICE_DATA_MAX_BYTES = 1000

    response = owner.post(JOBS, {"text": "Hi.", "voice": "clone", "voice_data": "A" * 4000}, format="json")

    assert response.status_code == 413
    assert response.json()["code"] == "reference_too_large"


def test_a_job_sent_as_a_form_is_refused_so_no_web_page_can_make_a_browser_create_one(owner):
    response = owner.post(JOBS, {"text": "Hello."}, format="multipart")

    assert response.status_code == 415
    assert set(response.json()) == {"error", "code"}
    assert not SynthesisJob.objects.exists()
