"""Building a clone prompt uses a GPU, so it is admitted against the account's budget as a job is:
an upload the budget cannot pay for is refused, and no prompt is built once the month's budget is
spent."""

from decimal import Decimal

import pytest

from gpu_worker.testing.audio import reference_base64
from tests.support.ledger import work_line
from voices.models import Voice
from voices.tasks import build_voice_prompt

pytestmark = pytest.mark.django_db

VOICES = "/api/tts/v1/tts/voices"


@pytest.fixture(autouse=True)
def a_dollar_per_thousand_characters(settings):
    settings.TTS_ESTIMATED_COST_PER_CHARACTER = "0.001"  # a prompt build is estimated at $0.20


def budget(account, amount: str) -> None:
    account.monthly_budget_usd = Decimal(amount)
    account.save()


def test_an_upload_the_budget_cannot_pay_to_clone_is_refused_with_402_and_nothing_stored(owner):
    budget(owner.account, "1.00")
    work_line(owner.account, "0.90")

    response = owner.post(VOICES, {"name": "Narrator", "audio_base64": reference_base64()}, format="json")

    assert response.status_code == 402
    assert response.json()["code"] == "budget_exceeded"
    assert response.json()["error"].startswith("Building this voice's clone prompt would exceed")
    assert not Voice.objects.exists()


def test_an_upload_within_the_budget_is_stored(owner):
    budget(owner.account, "1.00")
    work_line(owner.account, "0.70")

    response = owner.post(VOICES, {"name": "Narrator", "audio_base64": reference_base64()}, format="json")

    assert response.status_code == 201


def test_no_prompt_is_built_once_the_months_budget_is_spent(owner, gpu_worker):
    budget(owner.account, "1.00")
    response = owner.post(VOICES, {"name": "Narrator", "audio_base64": reference_base64()}, format="json")
    work_line(owner.account, "1.00")

    build_voice_prompt(Voice.objects.get(public_id=response.json()["id"]).pk)

    voice = Voice.objects.get()
    assert voice.prompt_status == Voice.PromptStatus.ERROR
    assert "monthly budget of $1.00 is spent" in voice.prompt_error
    assert not voice.prompts.exists()
    assert gpu_worker.requests == []
