import random

from tests.support.service import JOBS, wait_for_job

WORDS = [
    "the",
    "quiet",
    "river",
    "ran",
    "past",
    "old",
    "stone",
    "walls",
    "while",
    "lanterns",
    "swayed",
    "above",
    "wet",
    "cobbles",
    "and",
    "voices",
]


def chapter(characters: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    paragraphs, length = [], 0
    while length < characters:
        sentences = [" ".join(rng.choices(WORDS, k=rng.randint(6, 24))).capitalize() + "." for _ in range(5)]
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:characters].rsplit(" ", 1)[0] + "."


def test_a_20000_character_chapter_becomes_ordered_segments_and_completes(live_worker, owner, settings):
    text = chapter(20_000)

    job_id = owner.post(JOBS, {"text": text, "language": "English"}, format="json").json()["job_id"]
    job = wait_for_job(owner, job_id, timeout=600)

    assert job["status"] == "complete"
    assert job["progress"]["segments_total"] >= 60
    assert [segment["index"] for segment in job["segments"]] == list(range(job["progress"]["segments_total"]))
    sent = [s for request in live_worker.synthesis_requests() for s in request["body"]["segments"]]
    assert all(len(segment["text"]) <= 300 for segment in sent)
    assert sorted(segment["index"] for segment in sent) == list(range(job["progress"]["segments_total"]))
    assert max(len(request["body"]["segments"]) for request in live_worker.synthesis_requests()) > 1
