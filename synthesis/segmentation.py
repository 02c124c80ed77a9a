"""Splitting a chapter into the ordered segments a TTS model speaks, one generation call each.

Why segments of 150-300 characters: Qwen3-TTS drifts in long single generations, and it runs away
on very short inputs such as a lone "Huh?". So text is cut at paragraph and sentence boundaries,
sentences are packed up to a target length, overlong sentences are cut at clause marks or spaces,
and fragments under MIN_FRAGMENT characters are joined to a neighbour. Chinese and Japanese carry
more speech per character, so their segments are shorter.

A job's first segment is its first sentence (cut at a clause mark if it is longer than about 120
characters) and the second a little longer than that, so the first audio is ready long before a
full segment would be, and the second is ready before the first has finished playing; from the
third on, segments are full size. Sentences are found by sentencex, which knows abbreviations and
initials ("Dr. Hale", "e.g.", "U.S.", "p.m.", "J. R. R. Tolkien") in many languages.

Every segment is a contiguous slice of its whitespace-collapsed paragraph, so no character is lost
or reordered and Chinese sentences keep their original (absent) spacing.

No Django, no database: Django code imports it, and it is tested without either. sentencex is a
compiled splitter with no model to download.
"""

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import sentencex

PAUSE_SENTENCE_MS = 250
PAUSE_PARAGRAPH_MS = 600
MIN_FRAGMENT = 20

# (target, maximum) characters of full-size segments.
ALPHABETIC_LIMITS = (250, 300)
CJK_LIMITS = (100, 150)
# The same for a job's first and second segments. A first segment is one sentence (a target of 0
# packs nothing onto it); its maximum of 120 characters is about 8 s of English speech.
OPENING_LIMITS = {
    ALPHABETIC_LIMITS: ((0, 120), (150, 200)),
    CJK_LIMITS: ((0, 50), (60, 80)),
}

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
CLOSERS = "\"'”’)\\]」』）》〉"
# What a sentence ends with: . ! ? … or a Chinese or Japanese full stop, then closing quotes or brackets.
SENTENCE_MARK = re.compile(rf"[.!?…。！？]+[{CLOSERS}]*$")
CLAUSE_MARKS = ",;:，；：、"
BRACKETS_BLANKED = str.maketrans("()", "  ")
CJK_CHARACTER = re.compile(
    "[\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs, extension A, compatibility
    "\uff66-\uff9f"  # halfwidth katakana
    "\U00020000-\U0003134f]"  # CJK ideograph extensions B and later
)
KANA = re.compile("[\u3040-\u30ff\uff66-\uff9f]")
# The model's language names as sentencex's language codes.
SENTENCE_LANGUAGES = {
    "chinese": "zh",
    "english": "en",
    "french": "fr",
    "german": "de",
    "italian": "it",
    "japanese": "ja",
    "korean": "ko",
    "portuguese": "pt",
    "russian": "ru",
    "spanish": "es",
}


@dataclass(frozen=True)
class TextSegment:
    index: int  # 0, 1, 2, ... in reading order
    text: str  # stripped, never empty
    pause_after_ms: int  # silence after this segment when stitching the audio


Span = tuple[int, int]  # [start, end) in a paragraph, no leading or trailing space


def limits_for(language: str, text: str) -> tuple[int, int]:
    """(target, maximum) characters per segment.

    (100, 150) for Chinese and Japanese, named or detected (more than a third of the non-space
    characters are CJK ideographs or kana); (250, 300) otherwise.
    """
    if language.strip().lower() in ("chinese", "japanese"):
        return CJK_LIMITS
    non_space = len("".join(text.split()))
    if non_space and len(CJK_CHARACTER.findall(text)) * 3 > non_space:
        return CJK_LIMITS
    return ALPHABETIC_LIMITS


def limits_at(index: int, full: tuple[int, int], max_length: int | None = None) -> tuple[int, int]:
    """(target, maximum) characters of a job's segment number ``index``, within the worker's max_length."""
    target, maximum = OPENING_LIMITS[full][index] if index < len(OPENING_LIMITS[full]) else full
    if max_length is not None:
        maximum = min(maximum, max_length)
    return min(target, maximum), maximum


def paragraph_limits(first: int, full: tuple[int, int], max_length: int | None, position: int) -> tuple[int, int]:
    """limits_at for a paragraph's segment ``position``, when the paragraph starts at the job's segment ``first``."""
    return limits_at(first + position, full, max_length)


def sentence_language(language: str, text: str) -> str:
    """The sentencex code for the text: its named language, else Japanese, Chinese or English by script."""
    name = language.strip().lower()
    if name in SENTENCE_LANGUAGES:
        return SENTENCE_LANGUAGES[name]
    if limits_for(name, text) == CJK_LIMITS:
        return "ja" if KANA.search(text) else "zh"
    return "en"


def split_text(text: str, language: str = "auto", max_length: int | None = None) -> list[TextSegment]:
    """Split text into ordered segments, none longer than its maximum from limits_at."""
    if max_length is not None and max_length < 1:
        raise ValueError(f"max_length must be at least 1, not {max_length}")
    full = limits_for(language, text)
    code = sentence_language(language, text)

    segments: list[TextSegment] = []
    for paragraph in paragraphs_of(text):
        spans = paragraph_spans(paragraph, code, partial(paragraph_limits, len(segments), full, max_length))
        for position, (start, end) in enumerate(spans):
            pause = PAUSE_PARAGRAPH_MS if position == len(spans) - 1 else PAUSE_SENTENCE_MS
            segments.append(TextSegment(len(segments), paragraph[start:end], pause))
    if segments:
        last = segments[-1]
        segments[-1] = TextSegment(last.index, last.text, 0)
    return segments


def paragraphs_of(text: str) -> list[str]:
    """Paragraphs split at blank lines, whitespace inside each collapsed to single spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = (" ".join(paragraph.split()) for paragraph in PARAGRAPH_BREAK.split(text))
    return [paragraph for paragraph in paragraphs if paragraph]


def stripped(paragraph: str, start: int, end: int) -> Span | None:
    while start < end and paragraph[start] == " ":
        start += 1
    while end > start and paragraph[end - 1] == " ":
        end -= 1
    return (start, end) if start < end else None


def sentence_spans(paragraph: str, code: str) -> list[Span]:
    """The paragraph's sentences in order, as sentencex finds them.

    sentencex 1.0.32 loses its way after round brackets that hold a sentence mark: in "He stopped.
    (He always did.) Good." it ends a sentence after "always". So it reads the paragraph with round
    brackets blanked out (the indexes stay the same), each sentence it finds then ends at its last
    non-space character and takes the closing brackets after it, and a boundary counts only after a
    sentence mark.
    """
    blanked = paragraph.translate(BRACKETS_BLANKED)
    spans: list[Span] = []
    start = 0
    for boundary in sentencex.get_sentence_boundaries(code, blanked):
        end = boundary["end_index"]
        while end > start and blanked[end - 1] == " ":
            end -= 1
        while end < len(paragraph) and paragraph[end] == ")":
            end += 1
        span = stripped(paragraph, start, end)
        if span and SENTENCE_MARK.search(paragraph, span[0], span[1]):
            spans.append(span)
            start = end
    rest = stripped(paragraph, start, len(paragraph))
    return [*spans, rest] if rest else spans


def paragraph_spans(paragraph: str, code: str, limits: Callable[[int], tuple[int, int]]) -> list[Span]:
    """The paragraph's segments: sentences packed up to each segment's target, cut to its maximum.

    ``limits(n)`` is the (target, maximum) of the paragraph's segment n. A fragment under
    MIN_FRAGMENT joins the sentences after it, else the segment before it, where it fits.
    """
    pending = deque(sentence_spans(paragraph, code))
    pieces: list[Span] = []
    while pending:
        target, maximum = limits(len(pieces))
        start, end = pending.popleft()
        if end - start > maximum:
            cut = cut_point(paragraph, start, maximum)
            pieces.append(stripped(paragraph, start, start + cut))
            rest = stripped(paragraph, start + cut, end)
            if rest:
                pending.appendleft(rest)
            continue
        while pending and joinable(start, end, pending[0], target, maximum):
            end = pending.popleft()[1]
        if end - start < MIN_FRAGMENT and pieces and end - pieces[-1][0] <= limits(len(pieces) - 1)[1]:
            pieces[-1] = (pieces[-1][0], end)  # a fragment with no room after it goes back
        else:
            pieces.append((start, end))
    return pieces


def joinable(start: int, end: int, following: Span, target: int, maximum: int) -> bool:
    """Whether the next sentence joins the segment [start, end): within the target, or past it
    while the segment is a fragment under MIN_FRAGMENT, as long as the result fits the maximum."""
    joined = following[1] - start
    return joined <= maximum and (joined <= target or end - start < MIN_FRAGMENT)


def cut_point(paragraph: str, start: int, maximum: int) -> int:
    """Where to cut a sentence over the maximum: after its last clause mark that fits, else at its
    last space, else anywhere; as an offset from its start."""
    # A mark or space so early that it would leave a tiny piece is passed over: tiny pieces run away in the model.
    shortest = max(1, min(MIN_FRAGMENT, maximum // 2))
    window = paragraph[start : start + maximum]
    cut = max(window.rfind(mark) for mark in CLAUSE_MARKS) + 1
    if cut < shortest:
        # The space may sit just past the window: the piece before it still fits.
        cut = paragraph.rfind(" ", start, start + maximum + 1) - start
    if cut < shortest:
        cut = maximum
    return cut
