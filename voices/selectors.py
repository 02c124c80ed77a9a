from django.db.models import QuerySet

from accounts.models import Account
from voices.models import Voice


def voices_listed(account: Account) -> QuerySet[Voice]:
    """The account's voice library: stored voices, not the ones inline clones made."""
    return Voice.objects.filter(account=account, inline=False)


def voice_find(*, account: Account, public_id: str) -> Voice | None:
    """Any voice of the account by id, inline ones too; another account's is never found."""
    return Voice.objects.filter(account=account, public_id=public_id).first()
