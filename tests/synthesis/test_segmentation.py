import itertools
import random
import time

import pytest

from synthesis.segmentation import (
    ALPHABETIC_LIMITS,
    MIN_FRAGMENT,
    PAUSE_PARAGRAPH_MS,
    PAUSE_SENTENCE_MS,
    TextSegment,
    limits_at,
    limits_for,
    split_text,
)

WORDS = ["rain", "river", "letter", "morning", "quietly", "the", "and", "lantern", "over", "stone", "walked", "a"]
CHINESE_PHRASES = ["雨已经下了三天", "河水不断上涨", "她把信放在桌上", "灯笼在风中摇晃", "没有人说话", "我们明天再走"]


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choices(WORDS, k=words)).capitalize()
    if words > 6 and rng.random() < 0.5:
        text = text.replace(" ", ", ", 1)
    text += rng.choice([".", "!", "?", "…", "...", "?!"])
    if rng.random() < 0.2:
        text = f"“{text}”"
    return text


def chapter_paragraphs(seed: int, count: int = 8, long_words: bool = True) -> list[str]:
    """Prose with the awkward parts of real chapters: wrapped lines, tiny sentences, run-ons, very long words."""
    rng = random.Random(seed)
    paragraphs = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.1:
            paragraphs.append(rng.choice(["Huh?", "No.", "Chapter 3", "***"]))
        elif kind < 0.15:
            paragraphs.append(" ".join(rng.choices(WORDS, k=rng.randint(60, 150))))  # a run-on, no full stop
        elif kind < 0.18 and long_words:
            paragraphs.append("a" * rng.randint(301, 900) + " " + sentence(rng, 5))
        else:
            sentences = [sentence(rng, rng.choice([1, 2, 3, rng.randint(4, 40)])) for _ in range(rng.randint(1, 10))]
            separators = rng.choices([" ", " ", " ", "\n", "  ", "\t"], k=len(sentences))
            paragraphs.append("".join(text + separator for text, separator in zip(sentences, separators, strict=True)))
    return paragraphs


def chapter(seed: int, count: int = 8, long_words: bool = True) -> str:
    rng = random.Random(-seed)
    return "".join(
        paragraph + rng.choice(["\n\n", "\n\n\n", "\r\n\r\n", "\n  \n"])
        for paragraph in chapter_paragraphs(seed, count, long_words)
    )


def chinese_chapter(seed: int, paragraphs: int = 6) -> str:
    rng = random.Random(seed)
    built = []
    for _ in range(paragraphs):
        sentences = [
            "，".join(rng.choices(CHINESE_PHRASES, k=rng.randint(1, 4))) + rng.choice(["。", "！", "？"])
            for _ in range(rng.randint(1, 12))
        ]
        built.append("".join(sentences))
    built.append("".join(rng.choices(CHINESE_PHRASES, k=40)))  # 200+ characters with no mark at all
    return "\n\n".join(built)


def paragraphs_of_segments(segments: list[TextSegment]) -> list[list[str]]:
    paragraphs: list[list[str]] = [[]]
    for segment in segments:
        paragraphs[-1].append(segment.text)
        if segment.pause_after_ms != PAUSE_SENTENCE_MS:
            paragraphs.append([])
    return paragraphs[:-1]


# Two one-sentence paragraphs: a job's first and second segments, so what follows is full size.
OPENING = "The first paragraph opens the chapter.\n\nThe second one follows it closely.\n\n"


def after_opening(text: str, language: str = "english") -> list[str]:
    segments = split_text(OPENING + text, language)
    assert [segment.text for segment in segments[:2]] == OPENING.split("\n\n")[:2]
    return [segment.text for segment in segments[2:]]


def without_spaces(text: str) -> str:
    return "".join(text.split())


def assert_well_formed(segments: list[TextSegment], maximum: int) -> None:
    assert [segment.index for segment in segments] == list(range(len(segments)))
    assert all(segment.text and segment.text == segment.text.strip() for segment in segments)
    assert all(len(segment.text) <= maximum for segment in segments), max(len(s.text) for s in segments)
    assert all(segment.pause_after_ms in (PAUSE_SENTENCE_MS, PAUSE_PARAGRAPH_MS) for segment in segments[:-1])
    assert segments[-1].pause_after_ms == 0


def test_segments_are_numbered_from_zero_in_reading_order():
    text = "First comes the morning, grey and wet. " * 10 + "Then the river rose over the old stones. " * 10

    segments = split_text(text)

    assert [segment.index for segment in segments] == list(range(len(segments)))
    assert len(segments) >= 3
    assert segments[0].text.startswith("First comes the morning")
    assert segments[-1].text.endswith("over the old stones.")
    assert " ".join(segment.text for segment in segments) == " ".join(text.split())


def test_a_20000_character_chapter_becomes_ordered_segments_none_over_the_limit():
    text = chapter(3, count=200, long_words=False)[:20_000]

    segments = split_text(text, "english")

    assert len(segments) > 60
    assert_well_formed(segments, 300)
    assert without_spaces("".join(segment.text for segment in segments)) == without_spaces(text)


@pytest.mark.parametrize("seed", range(6))
def test_no_text_is_lost_or_reordered_paragraph_by_paragraph(seed):
    paragraphs = chapter_paragraphs(seed, count=30)

    segments = split_text(chapter(seed, count=30))

    assert_well_formed(segments, 300)
    spoken = paragraphs_of_segments(segments)
    assert len(spoken) == len(paragraphs)
    for texts, paragraph in zip(spoken, paragraphs, strict=True):
        if max(len(word) for word in paragraph.split()) <= 300:
            assert " ".join(texts) == " ".join(paragraph.split())
        else:  # a word over the maximum is cut hard, so only its letters survive unchanged
            assert without_spaces("".join(texts)) == without_spaces(paragraph)


@pytest.mark.parametrize("seed", range(6))
def test_a_fragment_under_twenty_characters_remains_only_when_no_neighbour_has_room(seed):
    segments = split_text(chapter(seed, count=20))

    def maximum(index: int) -> int:
        return limits_at(index, ALPHABETIC_LIMITS)[1]

    for index, segment in enumerate(segments):
        if len(segment.text) < MIN_FRAGMENT:
            # Joined to the one before, the fragment would take that segment's place; to the one after, its own.
            if index > 0 and segments[index - 1].pause_after_ms == PAUSE_SENTENCE_MS:
                assert len(segments[index - 1].text) + 1 + len(segment.text) > maximum(index - 1), segment
            if segment.pause_after_ms == PAUSE_SENTENCE_MS:
                assert len(segment.text) + 1 + len(segments[index + 1].text) > maximum(index), segment


@pytest.mark.parametrize("seed", range(4))
def test_no_chinese_segment_is_over_150_characters_and_none_is_lost(seed):
    text = chinese_chapter(seed)

    segments = split_text(text, "chinese")

    assert_well_formed(segments, 150)
    assert ["".join(texts) for texts in paragraphs_of_segments(segments)] == text.split("\n\n")


def test_chinese_sentences_are_packed_without_spaces_first_short_then_up_to_the_target():
    text = "雨已经下了三天，河水不断上涨。" * 40  # 15 characters each

    segments = split_text(text, "chinese")

    assert all(" " not in segment.text for segment in segments)
    assert all(segment.text.endswith("。") for segment in segments)
    # The first sentence is a fragment, so it takes the next; then up to 60, then up to 100.
    assert [len(segment.text) for segment in segments] == [30, 60] + [90] * 5 + [60]
    assert "".join(segment.text for segment in segments) == text


def test_sentences_are_packed_up_to_the_target_but_not_past_it():
    text = " ".join(["The lantern swayed over the wet stones again."] * 12)  # 45 characters each

    segments = split_text(text, "english")

    # The first segment is one sentence; the second takes three (137), as a fourth would pass its
    # target of 150; then five sentences and their four spaces make 229, as a sixth would pass 250.
    assert [len(segment.text) for segment in segments] == [45, 137, 229, 137]


def test_pauses_are_short_between_sentences_long_between_paragraphs_and_none_after_the_end():
    paragraphs = [f"{name} sentence that is long enough to stand alone in a segment, surely. " * 4 for name in
                  ("One", "Two", "Three")]  # fmt: skip
    text = f"{paragraphs[0]}\n\n{paragraphs[1]}\n\n\n{paragraphs[2]}"

    segments = split_text(text)

    owners = [next(i for i, paragraph in enumerate(paragraphs) if s.text in paragraph) for s in segments]
    assert owners == sorted(owners)
    assert len(segments) > len(paragraphs)
    expected = [PAUSE_SENTENCE_MS if owner == following else PAUSE_PARAGRAPH_MS for owner, following in
                itertools.pairwise(owners)] + [0]  # fmt: skip
    assert [segment.pause_after_ms for segment in segments] == expected


def test_segments_never_cross_a_paragraph_break_but_do_cross_a_single_line_break():
    text = "The first paragraph ends here.\n\nThe second paragraph\nwraps onto a second line.\r\n\r\nA third one."

    segments = split_text(text)

    assert [segment.text for segment in segments] == [
        "The first paragraph ends here.",
        "The second paragraph wraps onto a second line.",
        "A third one.",
    ]
    assert [segment.pause_after_ms for segment in segments] == [PAUSE_PARAGRAPH_MS, PAUSE_PARAGRAPH_MS, 0]


def test_whitespace_inside_a_paragraph_collapses_to_single_spaces():
    segments = split_text("  A line\t\tthat   wraps\r\nover\n  lines.  ")

    assert [segment.text for segment in segments] == ["A line that wraps over lines."]


def test_closing_quotes_and_brackets_stay_with_their_sentence():
    text = "“Stop it!” she said, and he stopped at once. (He always did.) 'Good,' she said. " * 8

    segments = split_text(text, "english", max_length=60)

    assert " ".join(segment.text for segment in segments) == " ".join(text.split())
    assert not any(segment.text.startswith(("”", ")")) for segment in segments)
    assert all(segment.text.count("“") == segment.text.count("”") for segment in segments)
    assert all(segment.text.count("(") == segment.text.count(")") for segment in segments)


def test_a_long_sentence_is_cut_after_its_last_comma_that_fits():
    clause = "and the lantern swayed over the wet stones"  # 42 characters
    sentence = ", ".join([clause] * 12) + "."

    segments = split_text(sentence, "english")

    assert all(len(segment.text) <= 300 for segment in segments)
    assert all(segment.text.endswith(",") for segment in segments[:-1])
    # Each cut at the last comma within its maximum: two clauses of the 120 of a first segment, four
    # of the 200 of a second, and the six left (263) within 300.
    assert [len(segment.text) for segment in segments] == [87, 175, 263]
    assert " ".join(segment.text for segment in segments) == sentence


def test_a_long_sentence_without_commas_is_cut_at_its_last_space_that_fits():
    sentence = " ".join(["lantern"] * 100) + "."  # 800 characters

    segments = split_text(sentence, "english")

    # At the last space within 120, 200, then 300 characters.
    assert [len(segment.text) for segment in segments] == [119, 199, 295, 184]
    assert all(set(segment.text.rstrip(".").split()) == {"lantern"} for segment in segments)
    assert " ".join(segment.text for segment in segments) == sentence


def test_a_word_longer_than_the_maximum_is_cut_hard_at_the_maximum():
    word = "".join(random.Random(1).choices("abcdefghij", k=1000))

    segments = split_text(word)

    assert [len(segment.text) for segment in segments] == [120, 200, 300, 300, 80]
    assert "".join(segment.text for segment in segments) == word


def test_a_clause_mark_too_early_to_make_a_useful_piece_is_passed_over_for_a_space():
    sentence = "So, " + " ".join(["lantern"] * 60) + "."

    segments = split_text(sentence, "english")

    assert segments[0].text.startswith("So, lantern lantern")
    assert all(len(segment.text) >= MIN_FRAGMENT for segment in segments)


def test_tiny_fragments_are_merged_into_the_previous_segment_of_the_paragraph():
    filler = "The rest of the paragraph goes on for a while longer and longer. " * 3
    segments = split_text(filler + "Huh? " + filler)

    assert segments[1].text.endswith("longer and longer. Huh?")
    assert all(len(segment.text) >= MIN_FRAGMENT for segment in segments)


def test_a_tiny_fragment_opening_a_paragraph_is_merged_into_the_next_segment():
    segments = split_text("Huh? " + "The rest of the paragraph goes on for a while longer. " * 6)

    assert segments[0].text.startswith("Huh? The rest")
    assert all(len(segment.text) >= MIN_FRAGMENT for segment in segments)


def test_a_tiny_fragment_with_no_room_beside_it_stays_its_own_segment():
    # The neighbour is 300 characters: "Oh." cannot join it without passing the maximum.
    assert after_opening("a" * 300 + " Oh.") == ["a" * 300, "Oh."]


def test_a_paragraph_that_is_one_tiny_fragment_is_kept_on_its_own():
    segments = split_text("Chapter 1\n\nIt was a long and quiet night in the valley.\n\nNo.")

    assert [segment.text for segment in segments] == [
        "Chapter 1",
        "It was a long and quiet night in the valley.",
        "No.",
    ]


@pytest.mark.parametrize("text", ["", " ", "\n\n\n", "  \r\n\r\n\t \u3000 "])
def test_empty_or_whitespace_only_text_gives_no_segments(text):
    assert split_text(text) == []


def test_auto_detects_chinese_and_japanese_by_ideographs_and_kana():
    assert limits_for("auto", "雨已经下了三天。河水不断上涨。") == (100, 150)
    assert limits_for("auto", "きょうは あめが ふっています。") == (100, 150)
    assert limits_for("auto", "The rain had not stopped.") == (250, 300)
    # One ideograph among many letters is a quotation, not Chinese text.
    assert limits_for("auto", "The sign read 雨 and nothing more.") == (250, 300)


def test_auto_detection_needs_more_than_a_third_of_the_non_space_characters():
    assert limits_for("auto", "雨雨雨 a b c d e f") == (250, 300)
    assert limits_for("auto", "雨雨雨 a b c d e") == (100, 150)


def test_named_languages_are_case_insensitive():
    assert limits_for("Japanese", "anything") == (100, 150)
    assert limits_for("CHINESE", "anything") == (100, 150)
    assert limits_for("English", "The rain had not stopped.") == (250, 300)


def test_auto_splits_chinese_text_with_the_chinese_limits():
    segments = split_text(chinese_chapter(9))

    assert_well_formed(segments, 150)
    assert max(len(segment.text) for segment in segments) > 100  # the run with no marks is cut at 150


def test_the_worker_limit_lowers_the_maximum_and_the_target():
    text = ("Short words here. " * 40).strip()

    segments = split_text(text, "english", max_length=60)

    assert_well_formed(segments, 60)
    # The first segment is a fragment and the sentence after it; then three sentences each.
    assert [len(segment.text) for segment in segments[:-1]] == [35] + [53] * (len(segments) - 2)
    assert " ".join(segment.text for segment in segments) == text


def test_a_worker_limit_above_the_default_does_not_raise_the_maximum():
    segments = split_text("word " * 500, "english", max_length=5000)

    assert max(len(segment.text) for segment in segments) <= 300


def test_a_worker_limit_below_one_is_refused():
    with pytest.raises(ValueError, match="max_length"):
        split_text("Some text.", max_length=0)


def test_a_50000_character_chapter_segments_well_under_a_second():
    text = chapter(4, count=600)[:50_000]
    assert len(text) == 50_000

    started = time.perf_counter()
    segments = split_text(text)
    elapsed = time.perf_counter() - started

    assert elapsed < 1.0
    assert_well_formed(segments, 300)
    assert without_spaces("".join(segment.text for segment in segments)) == without_spaces(text)


# Each sentence holds an abbreviation or initials where a naive splitter would end it.
ABBREVIATED_SENTENCES = [
    "Mr. Holloway opened the door and looked out at the rain.",
    "She went to see Dr. Hale about the cough that would not go away.",
    "Bring something warm, e.g. a coat or a heavy scarf, for the walk.",
    "The U.S. embassy stood at the end of the long grey street.",
    "The train left at 9 p.m. and did not stop until the morning came.",
    "J. R. R. Tolkien wrote most of it by hand in the evenings.",
]


@pytest.mark.parametrize("sentence", ABBREVIATED_SENTENCES)
def test_a_jobs_first_segment_is_its_first_sentence_whole_across_abbreviations_and_initials(sentence):
    segments = split_text(f"{sentence} Nobody answered for a long while after that. It rained on.", "english")

    assert segments[0].text == sentence


def test_no_sentence_boundary_falls_after_an_abbreviation_anywhere_in_a_chapter():
    text = " ".join(ABBREVIATED_SENTENCES * 10)

    segments = split_text(text, "english")

    assert " ".join(segment.text for segment in segments) == text
    assert all(segment.text.endswith(".") for segment in segments)
    starts = {sentence.split()[0] for sentence in ABBREVIATED_SENTENCES}
    assert all(segment.text.split()[0] in starts for segment in segments)


def test_the_first_segment_is_short_the_second_a_little_longer_then_full_size():
    text = chapter(7, count=40, long_words=False)
    # The chapter's first sentence is long: the test is about sizes.
    text = "Over the valley the rain had fallen for three days and nights without a pause, " * 3 + text

    segments = split_text(text, "english")

    lengths = [len(segment.text) for segment in segments]
    assert lengths[0] <= 120
    assert lengths[1] <= 200
    assert lengths[0] < lengths[1] < max(lengths[2:]) <= 300
    assert segments[0].text.endswith(",")  # a clause of the first sentence
    assert without_spaces("".join(segment.text for segment in segments)) == without_spaces(text)


@pytest.mark.parametrize("seed", range(6))
def test_the_opening_limits_hold_and_no_text_is_lost_in_any_chapter(seed):
    text = chapter(seed, count=30)

    segments = split_text(text, "english")

    assert_well_formed(segments, 300)
    assert [len(segment.text) <= limit for segment, limit in zip(segments, (120, 200), strict=False)] == [True] * 2
    assert without_spaces("".join(segment.text for segment in segments)) == without_spaces(text)


def test_a_chinese_jobs_first_segment_is_its_first_sentence_then_longer_ones():
    first = "雨已经下了三天，河水不断上涨，村里的人都很担心。"
    text = first + "她把信放在桌上，然后走了出去，没有回头看一眼。" * 12

    segments = split_text(text, "chinese")

    assert segments[0].text == first
    assert [len(segment.text) <= limit for segment, limit in zip(segments, (50, 80), strict=False)] == [True] * 2
    assert max(len(segment.text) for segment in segments[2:]) > 80
    assert "".join(segment.text for segment in segments) == text


def test_a_japanese_jobs_first_segment_is_its_first_sentence_detected_by_its_kana():
    first = "きょうは朝から雨がふっていて、川の水がふえています。"

    segments = split_text(first + "あしたは晴れるでしょう。" * 10, "auto")

    assert segments[0].text == first


def test_sentences_in_parentheses_are_split_only_at_their_marks():
    text = "He stopped at once. (He always did, in the end.) 'Good,' she said to nobody at all. " * 6

    segments = split_text(text, "english", max_length=60)

    assert all(segment.text.endswith((".", ".)")) for segment in segments)
    assert " ".join(segment.text for segment in segments) == " ".join(text.split())


def assert_spans_point_at_the_original(text: str, segments: list[TextSegment]) -> None:
    previous_end = 0
    for segment in segments:
        original = text[segment.start : segment.end]
        assert " ".join(original.split()) == segment.text
        assert original == original.strip()
        assert previous_end <= segment.start < segment.end
        assert text[previous_end : segment.start].strip() == ""
        previous_end = segment.end
    assert text[previous_end:].strip() == ""


@pytest.mark.parametrize("seed", range(6))
def test_each_segment_knows_its_span_in_the_original_text(seed):
    text = chapter(seed, count=30)

    assert_spans_point_at_the_original(text, split_text(text, "english"))


def test_spans_count_the_original_whitespace_however_it_was_written():
    text = "  Windows lines\r\nwrap here.\r\n\r\n\tA tab-indented   paragraph,\ran old Mac one.\n \n Last. "

    segments = split_text(text, "english")

    assert [segment.text for segment in segments] == [
        "Windows lines wrap here.",
        "A tab-indented paragraph, an old Mac one.",
        "Last.",
    ]
    assert_spans_point_at_the_original(text, segments)
    assert text[segments[1].start : segments[1].end] == "A tab-indented   paragraph,\ran old Mac one."


def test_chinese_spans_point_at_the_original_characters():
    text = chinese_chapter(2)

    assert_spans_point_at_the_original(text, split_text(text, "chinese"))
