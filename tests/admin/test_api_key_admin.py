"""Operators make and revoke API keys in the admin: the key is shown once, in the page itself and
never in a cookie, works, and stops working for good once revoked."""

import re

import pytest
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from rest_framework.test import APIClient

from accounts.models import ApiKey
from accounts.services import account_get_or_create

pytestmark = pytest.mark.django_db

VOICES = "/api/tts/v1/tts/voices"
SHOWN_KEY = re.compile(r'shown this once \(only its digest is kept\):\s*<code id="new-api-key">([\w-]+)</code>')


def keyed(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def created(admin_client):
    """The admin's answer to making a key for LibRead's proxy, and the key it showed."""
    account = account_get_or_create(name="libread")
    response = admin_client.post("/admin/accounts/apikey/add/", {"account": account.pk, "name": "LibRead proxy"})
    page = response.content.decode()
    return response, SHOWN_KEY.search(page).group(1)


def messages_in(cookie_value: str) -> list[str]:
    """What a `messages` cookie says, as Django's cookie storage reads it back."""
    request = HttpRequest()
    request.COOKIES[CookieStorage.cookie_name] = cookie_value
    return [message.message for message in CookieStorage(request)]


def test_a_key_made_in_the_admin_is_shown_and_works(created):
    _, key = created

    assert keyed(key).get(VOICES).status_code == 200
    stored = ApiKey.objects.get()
    assert (stored.account.name, stored.name, stored.prefix) == ("libread", "LibRead proxy", key[:12])


def test_the_key_is_shown_in_the_answer_to_the_add_form_and_never_in_a_cookie(created):
    response, key = created

    assert response.status_code == 200
    for cookie in response.cookies.values():
        assert key not in cookie.OutputString()
    messages = response.cookies.get(CookieStorage.cookie_name)
    assert messages is None or not any(key in message for message in messages_in(messages.value))


def test_the_key_is_shown_once_and_never_stored(admin_client, created):
    _, key = created
    stored = ApiKey.objects.get()

    assert key not in admin_client.get(f"/admin/accounts/apikey/{stored.pk}/change/").content.decode()
    assert key not in admin_client.get("/admin/accounts/apikey/").content.decode()
    assert stored.digest == ApiKey.digest_of(key) != key


def test_a_key_revoked_in_the_admin_stops_working(admin_client, created):
    _, key = created
    assert keyed(key).get(VOICES).status_code == 200

    admin_client.post(
        "/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [ApiKey.objects.get().pk]}, follow=True
    )

    assert keyed(key).get(VOICES).status_code == 401


def test_a_revoked_key_cannot_be_made_to_work_again(admin_client, created):
    _, key = created
    api_key = ApiKey.objects.get()
    admin_client.post("/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]})

    listing = admin_client.get("/admin/accounts/apikey/").content.decode()
    admin_client.post("/admin/accounts/apikey/", {"action": "activate", "_selected_action": [api_key.pk]})

    assert 'value="revoke"' in listing
    assert 'value="activate"' not in listing
    assert keyed(key).get(VOICES).status_code == 401
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
