"""Vast.ai places the GPU image only on hosts whose driver runs the CUDA it was built on."""

import re
from pathlib import Path

from django.conf import settings

DOCKERFILE = Path(settings.BASE_DIR) / "gpu_worker" / "Dockerfile"


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_the_default_search_asks_for_at_least_the_images_cuda():
    base = re.search(r"^FROM nvidia/cuda:(\d+\.\d+)", DOCKERFILE.read_text(), re.MULTILINE)
    wanted = re.search(r"cuda_vers>=(\d+\.\d+)", settings.VASTAI_SEARCH_PARAMS)

    assert base
    assert wanted, settings.VASTAI_SEARCH_PARAMS
    assert version(wanted.group(1)) >= version(base.group(1))
