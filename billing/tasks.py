import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from billing.reconciliation import reconcile

# Vast.ai's charges for a day can arrive late: each daily run looks this many days back.
DAYS_BACK = 3


@shared_task
def reconcile_vastai_charges() -> int:
    if not (settings.VASTAI_API_KEY and settings.VASTAI_ENDPOINT_ID):
        return 0
    last = timezone.now().astimezone(datetime.UTC).date() - datetime.timedelta(days=1)
    return len(reconcile(last - datetime.timedelta(days=DAYS_BACK - 1), last))
