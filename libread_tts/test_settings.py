"""Settings for the test suite: the embedded-mode files live apart from `make run`'s."""

import os
from pathlib import Path

os.environ.setdefault("TTS_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
# The suite's processes share one key, as a deployment's do (DATABASE_URL requires one).
os.environ.setdefault("SECRET_KEY", "libread-tts-test-suite-only")
# The suite sends jobs to both engines; a deployment enables only what it runs.
os.environ.setdefault("TTS_ENABLED_ENGINES", "local,vastai")

from libread_tts.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
