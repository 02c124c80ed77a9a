"""API key authentication: ``Authorization: Bearer <key>``, answered with 401 when missing or bad."""

from dataclasses import dataclass

from django.conf import settings
from rest_framework import authentication, exceptions

from accounts.models import Account, ApiKey
from accounts.recent import recent
from accounts.services import account_get_or_create, api_key_mark_used


@dataclass(frozen=True)
class Client:
    """The caller of an API request: DRF's ``request.user``."""

    account: Account
    api_key: ApiKey | None

    is_authenticated = True


def active(client: Client) -> Client:
    if not client.account.is_active:
        raise exceptions.PermissionDenied("This account is inactive")
    return client


def api_key_find(digest: str) -> ApiKey | None:
    return ApiKey.objects.select_related("account").filter(digest=digest, revoked_at__isnull=True).first()


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request) -> tuple[Client, ApiKey | None] | None:
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header:
            if settings.TTS_ANONYMOUS_ACCOUNT:
                name = settings.TTS_ANONYMOUS_ACCOUNT
                account = recent.get(("account", name), lambda: account_get_or_create(name=name))
                return active(Client(account, None)), None
            return None
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise exceptions.AuthenticationFailed("Use Authorization: Bearer <API key>")
        digest = ApiKey.digest_of(key.strip())
        api_key = recent.get(("key", digest), lambda: api_key_find(digest))
        if api_key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key")
        api_key_mark_used(api_key=api_key)
        return active(Client(api_key.account, api_key)), api_key

    def authenticate_header(self, request) -> str:
        # Having a challenge makes DRF answer 401 rather than 403 to unauthenticated requests.
        return 'Bearer realm="libread-tts"'
