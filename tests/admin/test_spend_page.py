import csv
import io

import pytest
from django.utils import timezone

from accounts.services import account_get_or_create
from billing.models import UsageRecord
from billing.services import cache_hit_record
from tests.support.ledger import overhead_line, work_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger():
    reader, other = account_get_or_create(name="reader"), account_get_or_create(name="other")
    today = timezone.localdate()
    lines = [
        (reader, "work", "0.300000", "1800"),
        (reader, "work", "0.200000", "1800"),
        (other, "work", "0.050000", "360"),
        (None, "overhead", "0.450000", "0"),
    ]
    for number, (account, kind, cost, audio) in enumerate(lines):
        if kind == "work":
            work_line(account, cost, audio_seconds=audio, day=today)
        else:
            overhead_line(cost, key=f"line-{number}", day=today)
    return reader


def test_the_spend_page_is_linked_from_the_admin_index(admin_client):
    assert "/admin/billing/spend/" in admin_client.get("/admin/").content.decode()


def test_the_spend_page_shows_totals_work_overhead_and_cost_per_audio_hour(admin_client, ledger):
    page = admin_client.get("/admin/billing/spend/").content.decode()

    assert '<td id="spend-total">$1.0000</td>' in page
    assert "$0.5500" in page  # work
    assert "$0.4500" in page  # overhead
    assert "$0.9091" in page  # $1.00 over 1.1 audio hours
    assert "<svg" in page
    assert page.index(">reader<") < page.index(">other<")  # top accounts, most spent first


def test_the_totals_follow_the_filters(admin_client, ledger):
    page = admin_client.get(f"/admin/billing/spend/?account__id__exact={ledger.pk}").content.decode()

    assert '<td id="spend-total">$0.5000</td>' in page


def test_ledger_lines_are_read_only(admin_client, ledger):
    line = UsageRecord.objects.first()

    assert admin_client.get(f"/admin/billing/spend/{line.pk}/delete/").status_code == 403
    assert "Save" not in admin_client.get(f"/admin/billing/spend/{line.pk}/change/").content.decode()


def test_the_csv_export_has_one_row_per_ledger_line_and_follows_the_filters(admin_client, ledger):
    everything = list(
        csv.reader(
            io.StringIO(b"".join(admin_client.get("/admin/billing/spend/export.csv").streaming_content).decode())
        )
    )
    filtered = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    admin_client.get(
                        f"/admin/billing/spend/export.csv?account__id__exact={ledger.pk}"
                    ).streaming_content
                ).decode()
            )
        )
    )

    assert everything[0][0] == "created_at"
    assert len(everything) == 1 + UsageRecord.objects.count()
    assert len(filtered) == 1 + 2
    assert {row[3] for row in filtered[1:]} == {"reader"}


def test_the_spend_page_shows_the_cache_hit_rate_and_what_the_cache_saved(admin_client, ledger):
    for index in range(2):  # 1,980 s of audio, beside 3,960 s made on GPUs for $0.55
        cache_hit_record(account_id=ledger.pk, job_public_id="local_1_cached", segment_index=index, audio_seconds=990)

    page = admin_client.get("/admin/billing/spend/").content.decode()

    assert '<td id="spend-cache-hit-rate">33% of audio</td>' in page
    assert '<td id="spend-cache-saved">$0.2750</td>' in page
    assert '<td id="spend-total">$1.0000</td>' in page  # hits cost nothing
