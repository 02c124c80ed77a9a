"""Splitting a chapter into the ordered segments a TTS model speaks, one generation call each.

Why segments of 150-300 characters: Qwen3-TTS drifts in long single generations, and it runs away
on very short inputs such as a lone "Huh?". So text is cut at paragraph and sentence boundaries,
sentences are packed up to a target length, overlong sentences are cut at clause marks or spaces,
and fragments under MIN_FRAGMENT characters are folded into a neighbour. Chinese and Japanese carry more speech per
character, so their segments are shorter.

Every segment is a contiguous slice of its whitespace-collapsed paragraph, so no character is lost
or reordered and Chinese sentences keep their original (absent) spacing.

Pure Python, standard library only: Django code imports it, and it is tested without a database.
"""

import re
from dataclasses import dataclass

PAUSE_SENTENCE_MS = 250
PAUSE_PARAGRAPH_MS = 600
MIN_FRAGMENT = 20

ALPHABETIC_LIMITS = (250, 300)
CJK_LIMITS = (100, 150)

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
CLOSERS = "\"'”’)\\]」』）》〉"
# A sentence ends after . ! ? … and any closing quotes or brackets, when whitespace follows;
# after a Chinese or Japanese full stop it ends whether or not whitespace follows.
SENTENCE_END = re.compile(rf"[.!?…]+[{CLOSERS}]*(?= )|[。！？]+[{CLOSERS}]*")
CLAUSE_MARKS = ",;:，；：、"
CJK_CHARACTER = re.compile(
    "[\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs, extension A, compatibility
    "\uff66-\uff9f"  # halfwidth katakana
    "\U00020000-\U0003134f]"  # CJK ideograph extensions B and later
)


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


def split_text(text: str, language: str = "auto", max_length: int | None = None) -> list[TextSegment]:
    """Split text into ordered segments, none longer than the maximum of limits_for or max_length."""
    target, maximum = limits_for(language, text)
    if max_length is not None:
        if max_length < 1:
            raise ValueError(f"max_length must be at least 1, not {max_length}")
        maximum = min(maximum, max_length)
        target = min(target, maximum)

    segments: list[TextSegment] = []
    for paragraph in paragraphs_of(text):
        spans = merge_fragments(pack(sentence_spans(paragraph, maximum), target), maximum)
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


def sentence_spans(paragraph: str, maximum: int) -> list[Span]:
    """The paragraph's sentences in order, those over the maximum already cut into pieces."""
    spans: list[Span] = []
    start = 0
    for end in [match.end() for match in SENTENCE_END.finditer(paragraph)] + [len(paragraph)]:
        span = stripped(paragraph, start, end)
        if span:
            spans.extend(cut_long(paragraph, span, maximum))
        start = end
    return spans


def cut_long(paragraph: str, span: Span, maximum: int) -> list[Span]:
    """Cut a sentence over the maximum after its last clause mark that fits, else at its last space, else anywhere."""
    start, end = span
    pieces: list[Span] = []
    # A mark or space so early that it would leave a tiny piece is passed over: tiny pieces run away in the model.
    shortest = max(1, min(MIN_FRAGMENT, maximum // 2))
    while end - start > maximum:
        window = paragraph[start : start + maximum]
        cut = max(window.rfind(mark) for mark in CLAUSE_MARKS) + 1
        if cut < shortest:
            # The space may sit just past the window: the piece before it still fits.
            cut = paragraph.rfind(" ", start, start + maximum + 1) - start
        if cut < shortest:
            cut = maximum
        piece = stripped(paragraph, start, start + cut)
        if piece:
            pieces.append(piece)
        start = start + cut
        while start < end and paragraph[start] == " ":
            start += 1
    if start < end:
        pieces.append((start, end))
    return pieces


def pack(spans: list[Span], target: int) -> list[Span]:
    """Join consecutive sentences of one paragraph while the result stays within the target."""
    packed: list[Span] = []
    for start, end in spans:
        if packed and end - packed[-1][0] <= target:
            packed[-1] = (packed[-1][0], end)
        else:
            packed.append((start, end))
    return packed


def merge_fragments(spans: list[Span], maximum: int) -> list[Span]:
    """Fold pieces under MIN_FRAGMENT into the previous piece, else the next, where the result fits."""
    merged: list[Span] = []
    for start, end in spans:
        if merged:
            previous_start, previous_end = merged[-1]
            # Either this piece is tiny (merge backwards) or the previous one is, having found no room before it
            # (merge forwards): both are the same join.
            tiny = end - start < MIN_FRAGMENT or previous_end - previous_start < MIN_FRAGMENT
            if tiny and end - previous_start <= maximum:
                merged[-1] = (previous_start, end)
                continue
        merged.append((start, end))
    return merged
