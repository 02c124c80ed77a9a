"""The text path takes time in proportion to the text, whatever the text: a guard against denial of
service, not a speed target (those live in bench/).

Every function a job's text goes through before it is stored runs here on 100,000 characters (the
largest job) of the inputs that make backtracking or rescanning code slow: long runs of one sentence
mark, of closers, of brackets, of spaces and line breaks, and mixtures. The linear code needs well
under 50 ms for each on this machine; the bound is 100 times that. The quadratic code it replaced
took 27 s for 40,000 "…" and minutes for 100,000.
"""

import time

import pytest

from synthesis.cache import WHITESPACE
from synthesis.http import byte_range
from synthesis.segmentation import limits_for, paragraphs_of, sentence_language, sentence_spans, split_text

LENGTH = 100_000
BOUND_SECONDS = 5.0

RUNS = {
    "ellipses": "…",
    "full stops": ".",
    "question and exclamation marks": "!?",
    "closers": "\"'”’)]」』）》〉",
    "opening brackets": "(",
    "closing brackets": ")",
    "bracketed marks": "(.)",
    "chinese and japanese marks": "。！？",
    "spaces": " ",
    "line breaks": "\n",
    "blank lines with spaces": "\n \n",
    "carriage returns": "\r\r\n",
    "clause marks": ",;:，；：、",
    "one long word": "a",
    "chinese characters": "雨",
    "mixed marks and closers": "a.… (b)! 。」?!”)",
    "marks then a closer": "…)",
    "abbreviations": "Dr. J. e.g. ",
}


def worst_case(unit: str) -> str:
    return (unit * (LENGTH // len(unit) + 1))[: LENGTH - 1] + "a"


def seconds(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


@pytest.mark.parametrize("language", ["english", "chinese", "japanese", "auto"])
@pytest.mark.parametrize("unit", RUNS.values(), ids=RUNS.keys())
def test_splitting_the_largest_job_of_any_run_takes_time_in_proportion_to_its_length(unit, language):
    assert seconds(split_text, worst_case(unit), language) < BOUND_SECONDS


@pytest.mark.parametrize("unit", RUNS.values(), ids=RUNS.keys())
def test_each_step_of_splitting_takes_time_in_proportion_to_the_text(unit):
    text = worst_case(unit)
    paragraphs = paragraphs_of(text)
    assert seconds(paragraphs_of, text) < BOUND_SECONDS
    assert seconds(limits_for, "auto", text) < BOUND_SECONDS
    assert seconds(sentence_language, "auto", text) < BOUND_SECONDS
    for code in ("en", "zh", "ja"):
        for paragraph in paragraphs:
            assert seconds(sentence_spans, paragraph.text, code) < BOUND_SECONDS


@pytest.mark.parametrize("unit", RUNS.values(), ids=RUNS.keys())
def test_the_segment_caches_text_normalisation_takes_time_in_proportion_to_the_text(unit):
    assert seconds(WHITESPACE.sub, " ", worst_case(unit)) < BOUND_SECONDS


def test_a_range_header_of_thousands_of_digits_is_unsatisfiable_not_an_error():
    assert byte_range("bytes=" + "9" * 5000 + "-", 1000) is None
    assert byte_range("bytes=0-" + "9" * 5000, 1000) is None
    assert byte_range("bytes=-" + "9" * 5000, 1000) is None
