"""API keys and the keyless account as this process read them lately, for a few seconds.

LibRead polls every job twice a second: looking the key up in the database on every poll costs
more than the poll. An entry lives TTS_API_KEY_CACHE_SECONDS; any change to a key or an account
made in this process clears them all, and other processes see it once their entries expire.
"""

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db.models.signals import post_delete, post_save

MOST_ENTRIES = 10_000


class Recent:
    def __init__(self):
        self._entries: dict[tuple, tuple[object, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, load: Callable[[], object]):
        """The value kept for ``key``, else ``load()``'s, kept when it is not None."""
        now = time.monotonic()
        with self._lock:
            value, expires = self._entries.get(key, (None, 0.0))
        if value is not None and expires > now:
            return value
        value = load()
        if value is not None and settings.TTS_API_KEY_CACHE_SECONDS:
            with self._lock:
                if len(self._entries) >= MOST_ENTRIES:
                    self._entries.clear()
                self._entries[key] = (value, now + settings.TTS_API_KEY_CACHE_SECONDS)
        return value

    def clear(self, **signal) -> None:
        with self._lock:
            self._entries.clear()


recent = Recent()


def forget_on_change(*models) -> None:
    for model in models:
        post_save.connect(recent.clear, sender=model, dispatch_uid=f"recent-{model.__name__}-save")
        post_delete.connect(recent.clear, sender=model, dispatch_uid=f"recent-{model.__name__}-delete")
