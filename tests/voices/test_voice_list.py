import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_voice_list_has_libreads_shape_with_default_first(owner):
    response = owner.get("/api/tts/v1/tts/voices")

    assert response.status_code == 200
    voices = response.json()["voices"]
    assert voices[0]["id"] == "default"
    assert all({"id", "short_name", "name", "gender", "locale"} <= set(voice) for voice in voices)
    assert {voice["short_name"] for voice in voices[1:]} == {
        "vivian", "serena", "uncle_fu", "dylan", "eric", "ryan", "aiden", "ono_anna", "sohee",
    }  # fmt: skip


def test_the_voice_list_needs_a_key():
    assert APIClient().get("/api/tts/v1/tts/voices").status_code == 401
