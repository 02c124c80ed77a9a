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
or reordered and Chinese sentences keep their original (absent) spacing; each also knows its span
``[start, end)`` in the original text, from its first to its last character, which word timings and
lexicons map back through.

Every step is linear in the text: the text is read word by word once, and a sentence's end is
tested against tables made in one pass over its paragraph, never by scanning back over a run of
marks or closers (a regular expression anchored at a span's end re-reads a run of "…" from every
position in it, which took minutes on one request).

No Django, no database: Django code imports it, and it is tested without either. sentencex is a
compiled splitter with no model to download.
"""

import re
from bisect import bisect_right
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
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

WORD = re.compile(r"\S+")
# What a sentence ends with: . ! ? … or a Chinese or Japanese full stop, then closing quotes or brackets.
SENTENCE_MARKS = frozenset(".!?…。！？")
CLOSERS = frozenset("\"'”’)]」』）》〉")
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
    text: str  # stripped, never empty, whitespace collapsed to single spaces
    pause_after_ms: int  # silence after this segment when stitching the audio
    start: int  # [start, end) in the original text: its first character to just past its last
    end: int


Span = tuple[int, int]  # [start, end) in a paragraph, no leading or trailing space


@dataclass(frozen=True)
class Paragraph:
    """A paragraph's words joined by single spaces, and where each word sits in the original text."""

    text: str
    word_starts: list[int]  # each word's first index in ``text``
    original_starts: list[int]  # the same word's first index in the original text

    def original(self, position: int) -> int:
        """The original text's index of the character at ``position`` (not a joining space)."""
        word = bisect_right(self.word_starts, position) - 1
        return self.original_starts[word] + position - self.word_starts[word]

    def original_span(self, start: int, end: int) -> Span:
        return self.original(start), self.original(end - 1) + 1


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
        spans = paragraph_spans(paragraph.text, code, partial(paragraph_limits, len(segments), full, max_length))
        for position, (start, end) in enumerate(spans):
            pause = PAUSE_PARAGRAPH_MS if position == len(spans) - 1 else PAUSE_SENTENCE_MS
            segments.append(
                TextSegment(len(segments), paragraph.text[start:end], pause, *paragraph.original_span(start, end))
            )
    if segments:
        segments[-1] = replace(segments[-1], pause_after_ms=0)
    return segments


def line_breaks(gap: str) -> int:
    """How many line breaks a run of whitespace holds; \\r\\n, \\r and \\n are one each."""
    return gap.count("\n") + gap.count("\r") - gap.count("\r\n")


def paragraphs_of(text: str) -> list[Paragraph]:
    """Paragraphs split at blank lines (two line breaks with only whitespace between), whitespace
    inside each collapsed to single spaces."""
    paragraphs: list[Paragraph] = []
    words: list[str] = []
    word_starts: list[int] = []
    original_starts: list[int] = []
    length = previous_end = 0
    for match in WORD.finditer(text):
        if words and line_breaks(text[previous_end : match.start()]) >= 2:
            paragraphs.append(Paragraph(" ".join(words), word_starts, original_starts))
            words, word_starts, original_starts, length = [], [], [], 0
        if words:
            length += 1  # the joining space
        words.append(match.group())
        word_starts.append(length)
        original_starts.append(match.start())
        length += match.end() - match.start()
        previous_end = match.end()
    if words:
        paragraphs.append(Paragraph(" ".join(words), word_starts, original_starts))
    return paragraphs


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
    sentence mark. Each of those steps reads a table, so none re-reads a run of spaces, brackets or
    closers however many boundaries fall in it.
    """
    blanked = paragraph.translate(BRACKETS_BLANKED)
    last_non_space = last_index_before(blanked, lambda character: character != " ")
    last_non_closer = last_index_before(paragraph, lambda character: character not in CLOSERS)
    after_brackets = first_index_from(paragraph, lambda character: character != ")")
    spans: list[Span] = []
    start = 0
    for boundary in sentencex.get_sentence_boundaries(code, blanked):
        end = after_brackets[max(start, last_non_space[boundary["end_index"]] + 1)]
        span = stripped(paragraph, start, end)
        if span and ends_sentence(paragraph, span, last_non_closer):
            spans.append(span)
            start = end
    rest = stripped(paragraph, start, len(paragraph))
    return [*spans, rest] if rest else spans


def last_index_before(text: str, wanted: Callable[[str], bool]) -> list[int]:
    """For each i in 0..len(text), the last index before i whose character is wanted, else -1."""
    table = [-1] * (len(text) + 1)
    last = -1
    for index, character in enumerate(text):
        if wanted(character):
            last = index
        table[index + 1] = last
    return table


def first_index_from(text: str, wanted: Callable[[str], bool]) -> list[int]:
    """For each i in 0..len(text), the first index at or after i whose character is wanted, else len(text)."""
    table = [len(text)] * (len(text) + 1)
    for index in range(len(text) - 1, -1, -1):
        table[index] = index if wanted(text[index]) else table[index + 1]
    return table


def ends_sentence(paragraph: str, span: Span, last_non_closer: list[int]) -> bool:
    """Whether the span ends with a sentence mark, maybe followed by closing quotes or brackets."""
    last = last_non_closer[span[1]]
    return last >= span[0] and paragraph[last] in SENTENCE_MARKS


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
