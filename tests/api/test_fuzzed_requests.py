"""Generated bad requests against every endpoint: no 5xx, every 4xx in the error shape, and no
account ever reads or changes another's jobs or voices. Bounded in count; derandomized, so a
failure found once is found again."""

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpu_worker.testing.audio import encoded, voiced_signal
from synthesis import intake
from synthesis.models import SynthesisJob
from tests.support.service import client_for
from voices.models import Voice
from voices.services import voice_create
from voices.validation import validate_reference

pytestmark = pytest.mark.django_db

BASE = "/api/tts/v1/tts"
ENDPOINTS = [
    ("post", "jobs"),
    ("get", "jobs/{job}"),
    ("delete", "jobs/{job}"),
    ("post", "jobs/{job}/cancel"),
    ("post", "jobs/{job}/retry"),
    ("get", "jobs/{job}/audio.{format}"),
    ("get", "jobs/{job}/segments/{index}"),
    ("get", "voices"),
    ("post", "voices"),
    ("get", "voices/{voice}"),
    ("patch", "voices/{voice}"),
    ("delete", "voices/{voice}"),
    ("get", "health"),
]
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any code point, lone surrogates and NUL too: JSON can carry them all.
weird_text = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()), max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | weird_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(weird_text, inner, max_size=4),
    max_leaves=12,
)
field_values = st.one_of(
    json_values,
    st.sampled_from(["default", "clone", "ryan", "voice_", "English", "auto", "wav", "mp3", "local", "vastai", ""]),
    st.binary(max_size=64).map(lambda data: base64.b64encode(data).decode()),
)
known_fields = ["text", "voice", "language", "voice_data", "ref_text", "instruct", "format", "engine", "name"]
bodies = st.one_of(
    st.dictionaries(st.sampled_from([*known_fields, "audio_base64", "gender", "locale"]), field_values, max_size=6),
    json_values,
)
ids = st.one_of(weird_text, st.sampled_from(["local_1_abc", "voice_abcdefghij", "%00", "..", "a" * 300]))
headers = st.fixed_dictionaries(
    {},
    optional={
        "HTTP_RANGE": st.one_of(weird_text.map(lambda text: f"bytes={text}"), st.just("bytes=-0")),
        "HTTP_ACCEPT": st.sampled_from(["audio/*", "text/html", "application/xml", "*/*", "garbage"]),
        "HTTP_IF_NONE_MATCH": weird_text,
    },
)


def request_path(template: str, job: str, voice: str, audio_format: str, index: int) -> str:
    path = template.format(job=job, voice=voice, format=audio_format, index=index)
    return f"{BASE}/{path}"


def send(client, method: str, path: str, body, content_type: str, extra_headers: dict):
    if method in ("get", "delete"):
        return getattr(client, method)(path, **extra_headers)
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return getattr(client, method)(path, data, content_type=content_type, **extra_headers)


def assert_answered_well(response) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error", "code"}, body
        assert isinstance(body["error"], str)
        assert isinstance(body["code"], str)


@pytest.fixture
def fuzz_settings(settings):
    settings.TTS_JOB_CREATE_RATE = settings.TTS_VOICE_UPLOAD_RATE = "100000/min"
    settings.TTS_MAX_ACTIVE_JOBS = 100000


@pytest.mark.parametrize(("method", "template"), ENDPOINTS, ids=[f"{m} {t}" for m, t in ENDPOINTS])
@FUZZ
@given(
    job=ids,
    voice=ids,
    audio_format=st.sampled_from(["wav", "mp3", "ogg", "flac", "exe", "WAV"]),
    index=st.integers(min_value=0, max_value=10**12),
    body=st.one_of(bodies, st.binary(max_size=200)),
    content_type=st.sampled_from(["application/json", "multipart/form-data; boundary=x", "text/plain", "*/*"]),
    extra_headers=headers,
    query=st.dictionaries(st.sampled_from(["engine", "format", "page"]), weird_text, max_size=2),
)
def test_no_request_gets_a_5xx_and_every_4xx_has_the_error_shape(
    owner, fuzz_settings, django_capture_on_commit_callbacks, method, template, job, voice, audio_format, index,
    body, content_type, extra_headers, query,
):  # fmt: skip
    path = request_path(template, job, voice, audio_format, index)
    if query:
        path += "?" + "&".join(
            f"{name}={value.encode('utf-8', 'surrogatepass').hex()}" for name, value in query.items()
        )

    assert_answered_well(send(owner, method, path, body, content_type, extra_headers))


@pytest.fixture
def owned(owner, django_capture_on_commit_callbacks):
    """A job and a stored voice of the owner, for the stranger to reach for."""
    reference = validate_reference(encoded(voiced_signal(6, 16000), 16000))
    voice = voice_create(account=owner.account, name="Mine", reference=reference)
    job = intake.job_create(account=owner.account, text="My own words.", engine="local")
    return job, voice


@pytest.mark.parametrize(("method", "template"), ENDPOINTS[1:7] + ENDPOINTS[9:12])
@FUZZ
@given(body=bodies, extra_headers=headers, index=st.integers(min_value=0, max_value=3))
def test_another_account_never_reads_or_changes_what_is_not_its_own(
    owned, fuzz_settings, django_capture_on_commit_callbacks, method, template, body, extra_headers, index
):
    job, voice = owned
    stranger = client_for("stranger")
    path = request_path(template, job.public_id, voice.public_id, "wav", index)

    response = send(stranger, method, path, body, "application/json", extra_headers)

    assert_answered_well(response)
    assert response.status_code == 404
    assert SynthesisJob.objects.get(pk=job.pk).status == "processing"
    assert Voice.objects.get(pk=voice.pk).name == "Mine"
