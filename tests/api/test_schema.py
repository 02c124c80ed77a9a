"""The OpenAPI schema is the contract: every operation's body and answers are documented, answers
have exactly the documented fields, and the docs page is served without any outside address."""

import re

import pytest
from rest_framework.test import APIClient

from synthesis import intake
from tests.support.service import JOBS

pytestmark = pytest.mark.django_db

SCHEMA = "/api/tts/v1/schema"


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        return APIClient().get(SCHEMA, HTTP_ACCEPT="application/json").json()


def component_fields(schema: dict, name: str) -> set[str]:
    return set(schema["components"]["schemas"][name]["properties"])


def test_every_operation_documents_its_answers_beyond_success(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert any(status.startswith("2") for status in statuses), (method, path)
            assert any(status[0] in "45" for status in statuses), (method, path)


def test_keyed_operations_name_the_bearer_scheme_and_answer_401_in_the_error_shape(schema):
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    create = schema["paths"][JOBS]["post"]
    assert create["security"] == [{"ApiKey": []}]
    assert create["responses"]["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "security" not in schema["paths"]["/api/tts/v1/tts/health"]["get"] or schema["paths"][
        "/api/tts/v1/tts/health"
    ]["get"]["security"] in ([], [{}])


def test_job_creation_documents_its_body_and_its_202(schema):
    create = schema["paths"][JOBS]["post"]

    assert "200" not in create["responses"]
    assert create["responses"]["202"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Job"}
    body = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"text", "voice", "language", "voice_data", "format"} <= component_fields(schema, body)
    assert {"402", "413", "429", "503"} <= set(create["responses"])


def test_a_poll_documents_the_304(schema):
    poll = schema["paths"][f"{JOBS}/{{job_id}}"]["get"]

    assert "304" in poll["responses"]
    assert any(parameter["name"] == "If-None-Match" for parameter in poll["parameters"])


def test_a_jobs_answer_has_exactly_the_documented_fields(schema, owner, settings):
    settings.GPU_WORKER_URL = "http://127.0.0.1:9"
    job = intake.job_create(account=owner.account, text="Two words.", engine="local")

    answer = owner.get(f"{JOBS}/{job.public_id}").json()

    assert set(answer) == component_fields(schema, "Job")
    assert set(answer["segments"][0]) == component_fields(schema, "Segment")
    assert set(answer["usage"]) == component_fields(schema, "Usage")


def test_a_voice_list_entry_has_only_documented_fields(schema, owner):
    voices = owner.get("/api/tts/v1/tts/voices").json()["voices"]

    assert all(set(voice) <= component_fields(schema, "Voice") for voice in voices)


def test_health_has_exactly_the_documented_fields(schema, settings):
    settings.GPU_WORKER_URL = "http://127.0.0.1:9"

    assert set(APIClient().get("/api/tts/v1/tts/health").json()) == component_fields(schema, "Health")


def test_the_docs_page_and_its_assets_are_served_with_no_outside_address(client):
    page = client.get("/api/tts/v1/docs")

    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    assert not re.findall(r"https?://", html)
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', html)
    assert assets
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body
