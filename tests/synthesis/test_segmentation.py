import random

import pytest

from synthesis.segmentation import PAUSE_PARAGRAPH_MS, PAUSE_SENTENCE_MS, limits_for, split_text

WORDS = ["rain", "river", "letter", "morning", "quietly", "the", "and", "lantern", "over", "stone", "walked"]


def chapter(seed: int, paragraphs: int = 6) -> str:
    rng = random.Random(seed)
    return "\n\n".join(
        " ".join(
            " ".join(rng.choices(WORDS, k=rng.randint(2, 30))).capitalize() + rng.choice([".", "!", "?", "…"])
            for _ in range(rng.randint(1, 8))
        )
        for _ in range(paragraphs)
    )


def words(text: str) -> list[str]:
    return text.split()


def test_segments_are_numbered_in_reading_order():
    segments = split_text(chapter(1))

    assert [segment.index for segment in segments] == list(range(len(segments)))


@pytest.mark.parametrize("seed", range(5))
def test_no_word_is_lost_or_reordered(seed):
    text = chapter(seed)

    segments = split_text(text)

    assert words(" ".join(segment.text for segment in segments)) == words(text)


def test_a_20000_character_chapter_becomes_segments_none_over_the_limit():
    text = chapter(3, paragraphs=150)[:20_000]

    segments = split_text(text, "english")

    assert len(segments) > 60
    assert max(len(segment.text) for segment in segments) <= 300
    assert words(" ".join(segment.text for segment in segments)) == words(text)


def test_a_50000_character_chapter_works():
    text = chapter(4, paragraphs=400)[:50_000]

    assert max(len(segment.text) for segment in split_text(text)) <= 300


def test_sentences_are_packed_up_to_the_target():
    text = " ".join(["This sentence has exactly forty-seven letters."] * 12)

    segments = split_text(text, "english")

    assert all(200 <= len(segment.text) <= 250 for segment in segments[:-1])


def test_pauses_are_longer_between_paragraphs_and_none_after_the_end():
    text = ("One sentence that is long enough to stand alone. " * 6 + "\n\n") * 2

    segments = split_text(text)

    paragraph_ends = [segment for segment in segments if segment.pause_after_ms == PAUSE_PARAGRAPH_MS]
    assert len(paragraph_ends) == 1
    assert {segment.pause_after_ms for segment in segments[:-1]} == {PAUSE_SENTENCE_MS, PAUSE_PARAGRAPH_MS}
    assert segments[-1].pause_after_ms == 0


def test_segments_never_cross_a_paragraph():
    segments = split_text("The first paragraph ends here.\n\nThe second paragraph starts here.")

    assert [segment.text for segment in segments] == [
        "The first paragraph ends here.",
        "The second paragraph starts here.",
    ]


def test_a_long_sentence_is_cut_at_a_comma_then_at_a_space():
    clause = "and the lantern swayed over the wet stones"
    sentence = ", ".join([clause] * 12) + "."

    segments = split_text(sentence, "english")

    assert all(len(segment.text) <= 300 for segment in segments)
    assert segments[0].text.endswith(",")
    assert words(" ".join(segment.text for segment in segments)) == words(sentence)


def test_a_word_longer_than_the_limit_is_cut_hard():
    segments = split_text("x" * 1000)

    assert [len(segment.text) for segment in segments] == [300, 300, 300, 100]


def test_tiny_fragments_are_merged_into_a_neighbour():
    segments = split_text("Huh? " + "The rest of the paragraph goes on for a while longer. " * 6)

    assert segments[0].text.startswith("Huh? The rest")
    assert all(len(segment.text) >= 20 for segment in segments)


def test_a_paragraph_that_is_one_tiny_fragment_is_kept_on_its_own():
    segments = split_text("Chapter 1\n\nIt was a long and quiet night in the valley.")

    assert [segment.text for segment in segments] == ["Chapter 1", "It was a long and quiet night in the valley."]


def test_whitespace_only_text_gives_no_segments():
    assert split_text("  \n\n\t ") == []


def test_line_breaks_inside_a_paragraph_are_spaces():
    assert [segment.text for segment in split_text("A line\nthat wraps\r\nover lines.")] == [
        "A line that wraps over lines."
    ]


def test_chinese_gets_shorter_segments_joined_without_spaces():
    text = "雨已经下了三天，河水不断上涨。" * 40

    segments = split_text(text, "chinese")

    assert max(len(segment.text) for segment in segments) <= 150
    assert " " not in segments[0].text
    assert "".join(segment.text for segment in segments) == text


def test_auto_detects_chinese_and_japanese_text():
    assert limits_for("auto", "雨已经下了三天。河水不断上涨。") == (100, 150)
    assert limits_for("auto", "The rain had not stopped.") == (250, 300)
    assert limits_for("Japanese", "anything") == (100, 150)


def test_the_worker_limit_lowers_the_maximum():
    segments = split_text("word " * 200, max_length=50)

    assert max(len(segment.text) for segment in segments) <= 50
