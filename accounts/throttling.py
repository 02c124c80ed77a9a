import logging

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)


class ApiKeyWriteThrottle(ScopedRateThrottle):
    """Limits a key's writes (creating jobs, uploading voices); reads and polling are never limited.

    The limit is best effort: while its cache is down, writes are let through, never a 500.

    A view names its ``throttle_scope``; its rate is the setting TTS_<SCOPE>_RATE.
    """

    def get_rate(self) -> str:
        return getattr(settings, f"TTS_{self.scope.upper()}_RATE")

    def allow_request(self, request, view) -> bool:
        if request.method != "POST":
            return True
        try:
            return super().allow_request(request, view)
        except Exception:  # the counters' cache (Redis) is down: serve unlimited rather than fail
            logger.warning("rate limit of %s not checked: its cache is unavailable", self.scope, exc_info=True)
            return True

    def get_cache_key(self, request, view) -> str:
        client = request.user
        ident = f"key-{client.api_key.pk}" if client.api_key else f"account-{client.account.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
