"""The one import path to the official ``qwen-tts`` package.

``import qwen_tts`` imports ``torchaudio.compliance.kaldi`` for its 25 Hz tokenizer, which the
12 Hz models served here never use. A GPU image installs a torchaudio built for its torch and
the real import succeeds. CPU torch 2.13 has no matching torchaudio on PyPI (what pip puts
beside it fails to load its C extension), so when the real import fails an empty stand-in
module is registered instead: enough for ``qwen_tts`` to import, never called.
"""

import importlib.machinery
import logging
import sys
import types

logger = logging.getLogger(__name__)

TORCHAUDIO_MODULES = ("torchaudio", "torchaudio.compliance", "torchaudio.compliance.kaldi")


def _install_torchaudio_stand_in() -> None:
    for name in [name for name in sys.modules if name.startswith("torchaudio")]:
        del sys.modules[name]
    modules = [types.ModuleType(name) for name in TORCHAUDIO_MODULES]
    for module in modules:
        module.__spec__ = importlib.machinery.ModuleSpec(module.__name__, None)
        sys.modules[module.__name__] = module
    torchaudio, compliance, kaldi = modules
    torchaudio.compliance = compliance
    compliance.kaldi = kaldi


def _ensure_torchaudio() -> None:
    # transformers probes for torchaudio with find_spec on import; importing it first keeps that
    # probe away from a half-registered stand-in.
    import transformers  # noqa: F401

    try:
        import torchaudio.compliance.kaldi  # noqa: F401
    except Exception as exc:  # a broken build raises OSError or RuntimeError, not ImportError
        logger.warning("torchaudio unavailable (%s); using a stand-in for qwen_tts's 25 Hz code path", exc)
        _install_torchaudio_stand_in()


_ensure_torchaudio()

from qwen_tts import Qwen3TTSModel, VoiceClonePromptItem  # noqa: E402
from qwen_tts.core import Qwen3TTSTokenizerV2Config, Qwen3TTSTokenizerV2Model  # noqa: E402
from qwen_tts.core.models import (  # noqa: E402
    Qwen3TTSConfig,
    Qwen3TTSForConditionalGeneration,
    Qwen3TTSProcessor,
)

__all__ = [
    "Qwen3TTSConfig",
    "Qwen3TTSForConditionalGeneration",
    "Qwen3TTSModel",
    "Qwen3TTSProcessor",
    "Qwen3TTSTokenizerV2Config",
    "Qwen3TTSTokenizerV2Model",
    "VoiceClonePromptItem",
]
