import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import Account, ApiKey
from accounts.services import api_key_revoke
from tests.support.service import JOBS, client_for

pytestmark = pytest.mark.django_db


def test_create_api_key_makes_the_account_and_prints_the_key_alone_on_the_last_line(capsys):
    call_command("create_api_key", "libread")

    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("lrt_")
    api_key = ApiKey.objects.get(account__name="libread")
    assert api_key.digest == ApiKey.digest_of(key)
    assert key not in api_key.digest
    response = APIClient().get(f"{JOBS}/nothing", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 404


def test_a_second_key_for_the_same_account_reuses_the_account(capsys):
    call_command("create_api_key", "libread")
    call_command("create_api_key", "libread")

    assert Account.objects.filter(name="libread").count() == 1
    assert ApiKey.objects.filter(account__name="libread").count() == 2


def test_requests_without_a_key_get_401_in_the_error_shape():
    response = APIClient().get(f"{JOBS}/local_1_abc")

    assert response.status_code == 401
    assert response.json() == {"error": "Authentication credentials were not provided.", "code": "not_authenticated"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_key_gets_401():
    response = APIClient().post(JOBS, {"text": "Hi."}, format="json", HTTP_AUTHORIZATION="Bearer lrt_wrong")

    assert response.status_code == 401
    assert response.json()["error"] == "Invalid or revoked API key"


def test_a_revoked_key_gets_401():
    client = client_for("libread")
    api_key = ApiKey.objects.get(account=client.account)
    api_key_revoke(api_key=api_key)

    assert client.get("/api/tts/v1/tts/voices").status_code == 401


def test_a_non_bearer_authorization_header_gets_401():
    response = APIClient().get("/api/tts/v1/tts/voices", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")

    assert response.status_code == 401


def test_the_anonymous_account_setting_maps_keyless_requests_to_that_account(settings):
    settings.TTS_ANONYMOUS_ACCOUNT = "libread-proxy"

    response = APIClient().get("/api/tts/v1/tts/voices")

    assert response.status_code == 200
    assert Account.objects.filter(name="libread-proxy").exists()


def test_a_wrong_key_is_refused_even_with_the_anonymous_account_on(settings):
    settings.TTS_ANONYMOUS_ACCOUNT = "libread-proxy"

    response = APIClient().get("/api/tts/v1/tts/voices", HTTP_AUTHORIZATION="Bearer lrt_wrong")

    assert response.status_code == 401
