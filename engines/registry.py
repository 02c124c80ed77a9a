from django.conf import settings

from engines.base import Engine
from engines.local import LocalEngine
from engines.vastai import VastaiEngine

ENGINES: dict[str, type[Engine]] = {"local": LocalEngine, "vastai": VastaiEngine}


def engine_names() -> list[str]:
    """Every engine the service knows."""
    return [name for name in settings.TTS_ENGINES if name in ENGINES]


def engine_enabled(name: str) -> bool:
    """Whether clients may send jobs to this engine."""
    return name in settings.TTS_ENABLED_ENGINES


def get_engine(name: str) -> Engine:
    return ENGINES[name]()
