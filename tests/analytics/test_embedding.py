"""Sentence embeddings: the encoder in numpy, the static table distilled from it, and its cache.

The full table takes about half a minute to build on one core, so the tests that judge meaning
build it once per checkout into pytest's cache directory (xdist workers share it: the build holds
a lock, the others wait and read it). The cache's own mechanics are tested on a table of a few
dozen tokens in `tmp_path`, which builds in about a second."""

import os
from pathlib import Path

import numpy as np
import pytest

from humanadd.analytics.concepts import CONCEPTS, FRAME_WORDS
from humanadd.analytics.embedding import (
    DIMENSIONS,
    Embedder,
    Encoder,
    build_table,
    model_dir,
    table_path,
)
from humanadd.analytics.topics import SAME_MEANING

HOURS = ["What are your hours?", "When are you open?", "what time do you close"]
PAYMENT_PLANS = ["Can I pay in installments?", "Do you offer payment plans?"]
UNRELATED = [
    "is there parking",
    "my furnace is making a banging noise is that dangerous",
    "do you take insurance",
    "how much is a consultation with a divorce lawyer",
]


@pytest.fixture(scope="session")
def embedder(pytestconfig: pytest.Config) -> Embedder:
    return Embedder(pytestconfig.cache.mkdir("humanadd-models"))


def _similarities(embedder: Embedder, texts: list[str]) -> np.ndarray:
    vectors = embedder.encode(texts)
    return vectors @ vectors.T


def test_each_paraphrase_is_nearer_its_paraphrases_than_any_unrelated_question(
    embedder: Embedder,
) -> None:
    texts = HOURS + PAYMENT_PLANS + UNRELATED
    similarity = _similarities(embedder, texts)
    unrelated = range(len(HOURS + PAYMENT_PLANS), len(texts))

    for group in (range(0, 3), range(3, 5)):
        for a in group:
            nearest_unrelated = max(similarity[a, b] for b in unrelated)
            for b in group:
                assert similarity[a, b] > nearest_unrelated, (texts[a], texts[b])
    # Questions about different things are not alike at all (no "all questions look alike"
    # collapse: the centring takes out what every caller question shares).
    off_topic = similarity[np.ix_(unrelated, unrelated)][np.triu_indices(len(UNRELATED), 1)]
    assert off_topic.max() < SAME_MEANING


def test_speech_to_text_wording_stays_near_the_written_one(embedder: Embedder) -> None:
    similarity = _similarities(
        embedder, ["What time do you close?", "um so uh what time do you guys close tonight"]
    )

    assert similarity[0, 1] >= SAME_MEANING


def test_vectors_are_unit_length_and_an_empty_text_matches_nothing(embedder: Embedder) -> None:
    vectors = embedder.encode(["Do you take walk ins?", "", "?!"])

    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0, abs=1e-5)
    assert not vectors[1].any()
    assert embedder.encode([]).shape == (0, DIMENSIONS)


def test_the_table_is_built_once_and_then_read_from_the_cache(tmp_path: Path) -> None:
    encoder = Encoder()
    words = " ".join(HOURS + PAYMENT_PLANS)
    tokens = encoder.tokenizer.encode(words, add_special_tokens=False).ids
    cache = tmp_path / "models"

    path = build_table(cache, tokens=tokens)
    built = path.stat().st_mtime_ns

    assert path == table_path(cache)
    assert build_table(cache, tokens=tokens) == path
    assert path.stat().st_mtime_ns == built
    assert [entry.name for entry in cache.iterdir() if entry.suffix != ".lock"] == [path.name]

    # The embedder reads whatever the cache holds: give it a table whose every row is one
    # direction, and every question comes out as that direction (less the stored centre).
    with np.load(path) as stored:
        rows = stored["table"].shape[0]
    table = np.zeros((rows, DIMENSIONS), dtype=np.float16)
    table[:, 0] = 1.0
    np.savez(path, table=table, centre=np.zeros(DIMENSIONS, dtype=np.float32))
    os.utime(path, ns=(built, built))
    vectors = Embedder(cache).encode(["What are your hours?"])

    assert path.stat().st_mtime_ns == built
    assert vectors[0, 0] == pytest.approx(1.0)
    assert np.abs(vectors[0, 1:]).max() == 0.0


def test_a_concept_word_is_one_row_even_when_the_vocabulary_splits_it(
    embedder: Embedder,
) -> None:
    # "gluten" is "g", "##lu", "##ten" to the vocabulary; as those pieces it would mean nothing.
    similarity = _similarities(
        embedder,
        ["is the pasta gluten free", "do you have vegan dishes", "is the pasta fresh"],
    )

    assert similarity[0, 1] >= SAME_MEANING
    assert similarity[0, 1] > similarity[1, 2]


def test_every_concept_word_is_in_one_group_only() -> None:
    words = [word for group in CONCEPTS for word in group]

    assert len(words) == len(set(words))
    assert not set(words) & set(FRAME_WORDS)


def test_the_encoder_ignores_padding_so_a_batch_does_not_change_a_vector() -> None:
    encoder = Encoder(model_dir())
    alone = encoder.encode(["hi"])
    batched = encoder.encode(["hi", "a much longer question about your opening hours on sunday"])

    assert alone.shape == (1, 384)
    assert np.abs(alone[0] - batched[0]).max() < 1e-5
    similarity = encoder.encode(HOURS[:2] + UNRELATED[:1])
    assert similarity[0] @ similarity[1] > similarity[0] @ similarity[2]


def test_a_new_table_removes_those_of_earlier_recipes(tmp_path: Path) -> None:
    cache = tmp_path / "models"
    cache.mkdir()
    older = cache / f"minilm-l6-static{DIMENSIONS}-v0.npz"
    older.write_bytes(b"an earlier recipe's table")
    (cache / (older.name + ".lock")).touch()
    tokens = Encoder().tokenizer.encode(" ".join(HOURS), add_special_tokens=False).ids

    path = build_table(cache, tokens=tokens)

    assert sorted(entry.name for entry in cache.iterdir()) == [path.name, path.name + ".lock"]
