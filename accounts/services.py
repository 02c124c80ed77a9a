import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account, ApiKey
from accounts.recent import recent

KEY_PREFIX = "lrt_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def account_get_or_create(*, name: str) -> Account:
    account, _ = Account.objects.get_or_create(name=name)
    return account


@transaction.atomic
def api_key_create(*, account: Account, name: str = "") -> tuple[ApiKey, str]:
    """Make a key for the account; the key itself is returned once and never stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(account=account, name=name, prefix=key[:12], digest=ApiKey.digest_of(key))
    return api_key, key


def api_key_mark_used(*, api_key: ApiKey) -> None:
    """Record when the key was last used, at most once a minute: a poll writes nothing, and the
    key at hand (the one authentication keeps) says whether a minute has passed."""
    now = timezone.now()
    if api_key.last_used_at is not None and api_key.last_used_at > now - LAST_USED_RESOLUTION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ApiKey.objects.filter(stale, pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


def api_key_revoke(*, api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    recent.clear()
