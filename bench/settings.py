"""The service's settings, with a bare view beside the API: the floor the poll path is measured against."""

from libread_tts.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
