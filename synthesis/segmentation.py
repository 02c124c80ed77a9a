"""Splitting a chapter into the segments a TTS model speaks, one generation call each.

Qwen3-TTS drifts in long single generations and runs away on very short inputs, so text is cut
at paragraph and sentence boundaries into pieces of about 150-300 characters (shorter for
Chinese and Japanese, where a character carries more speech), and tiny fragments are merged
into a neighbour. Pure Python: no Django, so it is easy to test and to reason about.
"""

import re
from dataclasses import dataclass

PAUSE_SENTENCE_MS = 250
PAUSE_PARAGRAPH_MS = 600
MIN_FRAGMENT = 20

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|(?<=[。！？])[\"'”’」』）]*\s*")
CLAUSE_BREAK = re.compile(r"[,;:，；：、]")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_OR_MARK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass(frozen=True)
class TextSegment:
    index: int
    text: str
    pause_after_ms: int


def limits_for(language: str, text: str) -> tuple[int, int]:
    """(target, maximum) characters per segment."""
    language = language.strip().lower()
    if language in ("chinese", "japanese"):
        return 100, 150
    if language in ("auto", ""):
        letters = re.sub(r"\s", "", text)
        if letters and len(CJK.findall(letters)) * 3 > len(letters):
            return 100, 150
    return 250, 300


def joined(first: str, second: str) -> str:
    # Chinese and Japanese put no space between sentences.
    separator = "" if CJK_OR_MARK.match(first[-1]) and CJK_OR_MARK.match(second[0]) else " "
    return f"{first}{separator}{second}"


def split_long(sentence: str, maximum: int) -> list[str]:
    """Cut a sentence longer than the maximum at clause marks, else spaces, else anywhere."""
    pieces = []
    while len(sentence) > maximum:
        window = sentence[: maximum + 1]
        cut = max((match.end() for match in CLAUSE_BREAK.finditer(window) if match.end() <= maximum), default=0)
        if not cut:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = maximum
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    if sentence:
        pieces.append(sentence)
    return [piece for piece in pieces if piece]


def sentences_of(paragraph: str, maximum: int) -> list[str]:
    sentences = []
    for sentence in SENTENCE_END.split(paragraph):
        sentence = sentence.strip()
        if sentence:
            sentences.extend(split_long(sentence, maximum))
    return sentences


def pack(sentences: list[str], target: int, maximum: int) -> list[str]:
    """Join consecutive sentences up to the target length, never over the maximum."""
    chunks: list[str] = []
    for sentence in sentences:
        if chunks and len(joined(chunks[-1], sentence)) <= target:
            chunks[-1] = joined(chunks[-1], sentence)
        else:
            chunks.append(sentence)
    return merge_fragments(chunks, maximum)


def merge_fragments(chunks: list[str], maximum: int) -> list[str]:
    """Fold pieces too short to speak reliably into a neighbour, when the result still fits."""
    merged: list[str] = []
    for chunk in chunks:
        tiny = merged and (len(chunk) < MIN_FRAGMENT or len(merged[-1]) < MIN_FRAGMENT)
        if tiny and len(joined(merged[-1], chunk)) <= maximum:
            merged[-1] = joined(merged[-1], chunk)
        else:
            merged.append(chunk)
    return merged


def split_text(text: str, language: str = "auto", max_length: int | None = None) -> list[TextSegment]:
    target, maximum = limits_for(language, text)
    if max_length is not None:
        maximum = min(maximum, max_length)
        target = min(target, maximum)
    paragraphs = [
        " ".join(paragraph.split())
        for paragraph in PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").replace("\r", "\n"))
    ]
    chunked = [pack(sentences_of(paragraph, maximum), target, maximum) for paragraph in paragraphs if paragraph]
    segments = []
    for chunks in chunked:
        for position, chunk in enumerate(chunks):
            last_in_paragraph = position == len(chunks) - 1
            pause = PAUSE_PARAGRAPH_MS if last_in_paragraph else PAUSE_SENTENCE_MS
            segments.append(TextSegment(len(segments), chunk, pause))
    if segments:
        last = segments[-1]
        segments[-1] = TextSegment(last.index, last.text, 0)
    return segments
