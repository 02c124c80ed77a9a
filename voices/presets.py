"""The preset speakers of the Qwen3-TTS CustomVoice models, and the languages they speak."""

from dataclasses import dataclass

from common.errors import InvalidInput

LANGUAGES = (
    "auto",
    "chinese",
    "english",
    "french",
    "german",
    "italian",
    "japanese",
    "korean",
    "portuguese",
    "russian",
    "spanish",
)


def language_normalized(language: str) -> str:
    """A language the models speak, in their spelling (any case in, lower case out; blank is auto)."""
    normalized = language.strip().lower() or "auto"
    if normalized not in LANGUAGES:
        raise InvalidInput(f"Unknown language {language!r}: use one of {', '.join(LANGUAGES)}", "unknown_language")
    return normalized


@dataclass(frozen=True)
class Preset:
    short_name: str
    name: str
    gender: str
    locale: str
    description: str


# From the model card; every speaker can speak every language, with their own accent.
PRESETS = (
    Preset("ryan", "Ryan", "Male", "en-US", "Dynamic male voice"),
    Preset("aiden", "Aiden", "Male", "en-US", "Sunny American male voice"),
    Preset("vivian", "Vivian", "Female", "zh-CN", "Bright young female voice"),
    Preset("serena", "Serena", "Female", "zh-CN", "Warm, gentle young female voice"),
    Preset("uncle_fu", "Uncle Fu", "Male", "zh-CN", "Low, mellow mature male voice"),
    Preset("dylan", "Dylan", "Male", "zh-CN", "Youthful Beijing male voice"),
    Preset("eric", "Eric", "Male", "zh-CN", "Lively Chengdu male voice"),
    Preset("ono_anna", "Ono Anna", "Female", "ja-JP", "Playful Japanese female voice"),
    Preset("sohee", "Sohee", "Female", "ko-KR", "Warm Korean female voice"),
)
DEFAULT = "ryan"  # what `voice: "default"` means, as on the GPU worker


def voice_names() -> list[str]:
    return ["default", "clone", *(preset.short_name for preset in PRESETS)]


def voice_list() -> list[dict]:
    """LibRead's voice list shape: ``short_name``, ``name``, ``gender``, ``locale``."""
    default = next(preset for preset in PRESETS if preset.short_name == DEFAULT)
    entries = [{"id": "default", **vars(default), "short_name": "default", "name": f"Default ({default.name})"}]
    entries += [{"id": preset.short_name, **vars(preset)} for preset in PRESETS]
    return [{**entry, "kind": "preset"} for entry in entries]
