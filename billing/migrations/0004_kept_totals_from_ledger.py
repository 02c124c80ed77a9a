"""Fill the kept totals from the ledger written before they were kept: each account's spend per
month (every line with an account), and the cost and characters of its work per engine (work
lines that spoke text), as billing.services.kept_totals_add adds them line by line."""

from django.db import migrations
from django.db.models import F, Sum
from django.db.models.functions import TruncMonth


def kept_totals_from_ledger(apps, schema_editor):
    UsageRecord = apps.get_model("billing", "UsageRecord")
    MonthlySpend = apps.get_model("billing", "MonthlySpend")
    WorkTotal = apps.get_model("billing", "WorkTotal")
    lines = UsageRecord.objects.filter(account__isnull=False).exclude(cost_usd=0)
    months = lines.values("account_id", month=TruncMonth("day")).annotate(cost=Sum("cost_usd")).order_by()
    MonthlySpend.objects.bulk_create(
        MonthlySpend(account_id=row["account_id"], month=row["month"], cost_usd=row["cost"]) for row in months
    )
    work = UsageRecord.objects.filter(account__isnull=False, kind="work", worker_request__characters__gt=0)
    engines = (
        work.values("account_id", engine=F("worker_request__engine"))
        .annotate(cost=Sum("cost_usd"), characters=Sum("worker_request__characters"))
        .order_by()
    )
    WorkTotal.objects.bulk_create(
        WorkTotal(
            account_id=row["account_id"], engine=row["engine"], cost_usd=row["cost"], characters=row["characters"]
        )
        for row in engines
    )


def kept_totals_forgotten(apps, schema_editor):
    apps.get_model("billing", "MonthlySpend").objects.all().delete()
    apps.get_model("billing", "WorkTotal").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_kept_totals"),
    ]

    operations = [
        migrations.RunPython(kept_totals_from_ledger, kept_totals_forgotten),
    ]
