import httpx

from gpu_worker.testing.pyworker import INSTANCE_ID


def test_it_reports_both_models_with_their_kinds_read_from_config(model_server):
    health = httpx.get(model_server.url + "/health").json()

    assert health["status"] == "ok"
    assert health["ready"] is True
    kinds = {model["id"]: model["type"] for model in health["models"]}
    assert kinds == {
        str(model_server.checkpoints["base"]): "base",
        str(model_server.checkpoints["custom_voice"]): "custom_voice",
    }


def test_it_reports_device_dtype_languages_and_speakers(model_server):
    models = {model["type"]: model for model in httpx.get(model_server.url + "/health").json()["models"]}

    preset = models["custom_voice"]
    assert preset["device"] == "cpu"
    assert preset["dtype"] == "float32"
    assert {"auto", "english", "chinese", "japanese"} <= set(preset["languages"])
    assert set(preset["speakers"]) == {
        "vivian", "serena", "uncle_fu", "dylan", "eric", "ryan", "aiden", "ono_anna", "sohee",
    }  # fmt: skip
    assert models["base"]["speakers"] == []
    assert models["base"]["random_weights"] is True


def test_it_names_its_instance_and_limits(model_server):
    health = httpx.get(model_server.url + "/health").json()

    assert health["instance_id"] == INSTANCE_ID
    assert health["sample_rate"] == 24000
    assert health["max_length"] == 5000


def test_it_writes_the_ready_line_to_the_model_log_once_loaded(model_server):
    lines = model_server.model_log.read_text().splitlines()

    assert len(lines) == 1
    assert lines[0].startswith("gpu_worker ready:")
    assert "(base)" in lines[0]
    assert "(custom_voice)" in lines[0]
