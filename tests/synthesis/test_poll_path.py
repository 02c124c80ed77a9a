"""Polling a job is cheap: an ETag that moves with every change, 304 while nothing changed, no
write and at most two queries a poll."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from synthesis import dispatch, intake, lifecycle
from tests.support.service import JOBS

pytestmark = pytest.mark.django_db

TWO_SEGMENTS = "The first sentence of the chapter is here. " * 8 + "\n\n" + "Then a second paragraph follows it. " * 8


@pytest.fixture
def job(owner, django_capture_on_commit_callbacks):
    return intake.job_create(account=owner.account, text=TWO_SEGMENTS, engine="local")


def poll(client, job, etag: str | None = None):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    return client.get(f"{JOBS}/{job.public_id}", **headers)


def test_the_job_json_carries_validators_and_a_matching_poll_gets_304_with_no_body(owner, job):
    first = poll(owner, job)

    again = poll(owner, job, first["ETag"])

    assert first.status_code == 200
    assert first["ETag"].startswith('"')
    assert first["Last-Modified"]
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_a_stale_etag_gets_the_whole_answer_unchanged(owner, job):
    plain = poll(owner, job)

    stale = poll(owner, job, '"something-else"')

    assert stale.status_code == 200
    assert stale.json() == plain.json()


def test_the_etag_moves_when_a_segment_becomes_ready(owner, job, gpu_worker):
    before = poll(owner, job)["ETag"]

    dispatch.job_dispatch_next_batch(job_id=job.pk)

    after = poll(owner, job, before)
    assert after.status_code == 200
    assert after.json()["progress"]["segments_ready"] == 1
    assert after["ETag"] != before


def test_the_etag_moves_when_the_job_ends(owner, job):
    before = poll(owner, job)["ETag"]

    lifecycle.job_cancel(job=job)

    after = poll(owner, job, before)
    assert after.status_code == 200
    assert after.json()["status"] == "canceled"


@pytest.mark.parametrize(("conditional", "most_queries"), [(False, 2), (True, 1)])
def test_a_poll_writes_nothing_and_runs_at_most_two_queries(owner, job, conditional, most_queries):
    etag = poll(owner, job)["ETag"]  # the key is looked up and marked used once

    with CaptureQueriesContext(connection) as queries:
        response = poll(owner, job, etag if conditional else None)

    assert response.status_code == (304 if conditional else 200)
    statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
    assert len(statements) <= most_queries, statements
    assert not {"INSERT", "UPDATE", "DELETE"} & set(statements)
