"""What OpenAI's speech API names, in this service's terms: models, voices and formats.

Every model name speaks through the GPU workers' Qwen3-TTS models (CustomVoice for presets, Base
for cloned voices); they differ in nothing here, and ``instructions`` work with all of them, not
only with ``gpt-4o-mini-tts``. OpenAI's voices are mapped to the preset nearest in gender and
character; any preset's own name and any stored voice's id work too.
"""

MODELS = {
    "tts-1": "Qwen3-TTS: presets on the CustomVoice model, cloned voices on the Base model",
    "tts-1-hd": "the same as tts-1: the workers' models are the quality there is",
    "gpt-4o-mini-tts": "the same as tts-1; instructions steer the speaking style",
    "qwen3-tts": "this service's own name for the same",
}

# OpenAI's voice -> the preset that speaks it (voices/presets.py).
OPENAI_VOICES = {
    "alloy": "serena",
    "ash": "aiden",
    "ballad": "uncle_fu",
    "cedar": "eric",
    "coral": "vivian",
    "echo": "ryan",
    "fable": "dylan",
    "marin": "sohee",
    "nova": "ono_anna",
    "onyx": "uncle_fu",
    "sage": "serena",
    "shimmer": "vivian",
    "verse": "ryan",
}

MAX_INPUT_CHARACTERS = 4096  # OpenAI's limit
RESPONSE_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}


def preset_for(voice: str) -> str:
    """The job's voice for an OpenAI voice name; other names (presets, voice ids) pass as they are."""
    return OPENAI_VOICES.get(voice.lower(), voice)
