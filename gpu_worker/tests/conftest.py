import pytest

from gpu_worker.testing.model_server import start_model_server

pytest_plugins = ["gpu_worker.testing.fixtures"]


@pytest.fixture(scope="session", params=["graphs", "batched"])
def model_server(request, tiny_checkpoints, tmp_path_factory):
    """A model server with both tiny models, presets and cloning, on each decoder in turn."""
    yield from start_model_server(
        tmp_path_factory.mktemp(f"model-server-{request.param}"),
        tiny_checkpoints["base"],
        tiny_checkpoints["custom_voice"],
        tiny_checkpoints,
        decoder=request.param,
    )
