"""The LLM layer: transcript keys and files, the three modes, the ledger and retries against real HTTP faults."""

from __future__ import annotations

import socket
import time

import pytest

from promptpo import cli
from promptpo.llm import (
    LLM,
    CallTag,
    ChatRequest,
    LLMConfig,
    LLMUnavailable,
    Transcript,
    TranscriptMissing,
    TranscriptStore,
)
from promptpo.llm.client import EndpointClient, RetryPolicy
from tests.doubles import Fault, FaultyOpenAIServer

MESSAGES = [("system", "You write policies."), ("user", "Write a policy.\nUse numpy.")]
TAG = CallTag(task="noise_world_board_1", round=2, purpose="policy", sample=3)


def config(tmp_path, **overrides) -> LLMConfig:
    base = dict(model="test-model", transcripts_dir=str(tmp_path / "transcripts"), backoff_initial_s=0.01)
    return LLMConfig(**{**base, **overrides})


def request(**overrides) -> ChatRequest:
    base = dict(model="m", messages=tuple(MESSAGES), temperature=1.0, max_tokens=64, seed=0, sample_index=0)
    return ChatRequest(**{**base, **overrides})


# ---- keys and files --------------------------------------------------------------------------------------------


def test_key_is_stable_and_separates_samples_and_parameters():
    assert request().key() == request().key()
    keys = {
        request().key(),
        request(sample_index=1).key(),
        request(seed=1).key(),
        request(temperature=0.0).key(),
        request(model="other").key(),
        request(messages=(("user", "x"),)).key(),
    }
    assert len(keys) == 6


def test_a_prompt_whose_floats_differ_only_in_the_last_bits_has_the_same_key():
    # Another CPU's simulator gives 109.0753237958323 where the recording machine gave 109.07532379583233.
    def quoting(number: str) -> ChatRequest:
        return request(messages=(("user", f"Feedback: mean return {number} over 10 episodes"),))

    assert quoting("109.07532379583233").key() == quoting("109.0753237958323").key()
    assert quoting("109.07532379583233").key() != quoting("109.07539").key()  # a real difference still counts
    assert quoting("1.2345678901234e-05").key() == quoting("1.2345678901236e-05").key()
    assert quoting("109.07532379583233").messages[0][1].endswith("109.07532379583233 over 10 episodes")


def test_replay_on_another_cpu_finds_the_reply_and_a_real_miss_shows_the_differing_line(tmp_path):
    recorded = request(messages=(("user", "Round 1 return: 109.07532379583233\nWrite a better policy."),))
    store = TranscriptStore(tmp_path / "transcripts")
    store.put(Transcript(recorded.key(), TAG, recorded, "reply", "stop", 1, 1, 0.1, "t"))
    with LLM(config(tmp_path, model="m", temperature=1.0, max_tokens=64)) as llm:
        messages = [("user", "Round 1 return: 109.0753237958323\nWrite a better policy.")]
        assert llm.chat(messages, tag=TAG).text == "reply"
        with pytest.raises(TranscriptMissing) as missed:
            llm.chat([("user", "Round 1 return: 111.5\nWrite a better policy.")], tag=TAG)
    assert "-Round 1 return: 109.07532379583233\n+Round 1 return: 111.5" in str(missed.value)


def test_rekey_moves_transcripts_of_an_older_key_version_to_their_current_keys(tmp_path, capsys):
    store = TranscriptStore(tmp_path)
    old_key = "0" * 64  # what an older KEY_VERSION gave this request
    old_path = store.put(Transcript(old_key, TAG, request(), "the reply", "stop", 1, 1, 0.1, "t"))
    assert store.get(request(), TAG) is None
    cli.main(["transcripts", "--rekey", "--store", str(tmp_path)])
    assert "1 of 1 transcripts re-keyed" in capsys.readouterr().out
    found = TranscriptStore(tmp_path).get(request(), TAG)
    assert found is not None and found.reply == "the reply" and not old_path.exists() and len(store) == 1
    cli.main(["transcripts", "--rekey", "--store", str(tmp_path)])
    assert "0 of 1 transcripts re-keyed" in capsys.readouterr().out


def test_transcript_file_round_trips_exact_text_and_is_line_diffable(tmp_path):
    text = "line one\r\nline two\n\n```python\nx = 'é'\n```\n  trailing spaces  "
    asked = request(messages=(("user", text),))
    original = Transcript(
        key=asked.key(),
        tag=TAG,
        request=asked,
        reply=text,
        finish_reason="stop",
        prompt_tokens=3,
        completion_tokens=4,
        latency_s=1.23456,
        recorded_at="t",
    )
    store = TranscriptStore(tmp_path)
    path = store.put(original)
    restored = store.get(original.request, TAG)
    assert restored is not None and restored.reply == text and restored.request == original.request
    # one JSON line per text line: a changed line of a reply is a one-line diff
    assert '"line two\\n",' in path.read_text()
    assert path.name.startswith("r02_policy_s03_") and path.parent.name == TAG.task


def test_lookup_survives_a_renamed_tag(tmp_path):
    store = TranscriptStore(tmp_path)
    record = Transcript(request().key(), TAG, request(), "hi", "stop", 1, 1, 0.1, "t")
    store.put(record)
    assert TranscriptStore(tmp_path).get(request(), CallTag(task="renamed")).reply == "hi"


# ---- modes -----------------------------------------------------------------------------------------------------


def test_record_then_replay_gives_identical_replies_without_any_socket(tmp_path, monkeypatch):
    with FaultyOpenAIServer() as server:
        with LLM(config(tmp_path, llm_mode="record", base_url=server.base_url)) as llm:
            recorded = llm.sample(MESSAGES, 3, tag=TAG)
        assert len(server.requests) == 3
        assert [r["body"]["seed"] for r in sorted(server.requests, key=lambda r: r["body"]["seed"])] == [0, 1, 2]

    def no_network(*args, **kwargs):
        raise AssertionError("replay mode opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    with LLM(config(tmp_path, llm_mode="replay", base_url="http://unreachable.invalid/v1")) as llm:
        replayed = llm.sample(MESSAGES, 3, tag=TAG)
    assert [r.text for r in replayed] == [r.text for r in recorded]
    assert len({r.text for r in replayed}) == 3  # the three samples stayed distinct
    assert not any(r.from_endpoint for r in replayed) and all(r.from_endpoint for r in recorded)


def test_replay_miss_names_task_round_sample_and_how_to_record(tmp_path, monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", lambda *a: pytest.fail("replay opened a socket"))
    with LLM(config(tmp_path)) as llm, pytest.raises(TranscriptMissing) as error:
        llm.chat(MESSAGES, tag=TAG)
    message = str(error.value)
    for needle in ("noise_world_board_1", "round 2", "sample 3", "--llm-mode record", "test-model"):
        assert needle in message


def test_record_mode_repeats_no_call_and_live_mode_stores_nothing(tmp_path):
    with FaultyOpenAIServer() as server:
        for _ in range(2):  # the second run is a resumed run: everything comes from the store
            with LLM(config(tmp_path, llm_mode="record", base_url=server.base_url)) as llm:
                llm.chat(MESSAGES, tag=TAG)
        assert len(server.requests) == 1
        live_store = tmp_path / "live"
        with LLM(config(tmp_path, llm_mode="live", base_url=server.base_url, transcripts_dir=str(live_store))) as llm:
            llm.chat(MESSAGES, tag=TAG)
        assert len(server.requests) == 2 and not live_store.exists()


def test_run_folder_checkpoint_lets_a_live_run_resume_without_new_calls(tmp_path):
    run_dir = tmp_path / "run"
    with FaultyOpenAIServer() as server:
        for _ in range(2):
            with LLM(config(tmp_path, llm_mode="live", base_url=server.base_url), run_dir=run_dir) as llm:
                llm.sample(MESSAGES, 2, tag=TAG)
        assert len(server.requests) == 2
    assert len(TranscriptStore(run_dir / "llm")) == 2


def test_asking_the_same_prompt_again_draws_a_new_sample_and_resumes_identically(tmp_path):
    with FaultyOpenAIServer() as server:
        cfg = config(tmp_path, llm_mode="record", base_url=server.base_url)
        with LLM(cfg) as llm:
            first = llm.sample(MESSAGES, 2, tag=TAG)
            again = llm.sample(MESSAGES, 2, tag=TAG)  # e.g. a round without a winner repeats its prompt
            repair = llm.chat_many([(MESSAGES, TAG), ([("user", "fix this")], TAG)])
        seeds = [request["body"]["seed"] for request in server.requests]
        assert sorted(seeds) == [0, 0, 1, 2, 3, 4] and len({r.text for r in first + again + repair[:1]}) == 5
        with LLM(cfg) as llm:  # the same sequence of calls finds every reply in the store
            resumed = llm.sample(MESSAGES, 2, tag=TAG) + llm.sample(MESSAGES, 2, tag=TAG)
            resumed += llm.chat_many([(MESSAGES, TAG), ([("user", "fix this")], TAG)])
        assert len(server.requests) == 6
    assert [r.text for r in resumed] == [r.text for r in first + again + repair]


def test_api_key_is_written_nowhere(tmp_path, monkeypatch):
    secret = "sk-test-DO-NOT-LEAK-0123456789abcdef"
    monkeypatch.setenv("PROMPTPO_TEST_KEY", secret)
    run_dir = tmp_path / "run"
    with FaultyOpenAIServer() as server:
        cfg = config(tmp_path, llm_mode="record", base_url=server.base_url, api_key_env="PROMPTPO_TEST_KEY")
        with LLM(cfg, run_dir=run_dir) as llm:
            llm.sample(MESSAGES, 2, tag=TAG)
        assert server.requests[0]["headers"]["authorization"] == f"Bearer {secret}"  # it was really used
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(written) >= 4
    for path in written:
        assert secret not in path.read_text(errors="replace"), path


def test_ledger_counts_tokens_calls_and_cost(tmp_path):
    with FaultyOpenAIServer() as server:
        cfg = config(tmp_path, llm_mode="record", base_url=server.base_url, model="gpt-4o-mini")
        with LLM(cfg) as llm:
            llm.sample(MESSAGES, 2, tag=TAG)
        with LLM(cfg) as llm:  # a resumed session: its first call is answered by the store
            llm.chat(MESSAGES, tag=TAG)
            llm.sample([("user", "other prompt")], 2, tag=TAG)
            summary = llm.ledger.summary()
    assert summary["calls"] == 3 and summary["endpoint_calls"] == 2
    assert summary["prompt_tokens"] == 33 and summary["completion_tokens"] == 21
    assert summary["cost_usd"] == pytest.approx((33 * 0.15 + 21 * 0.60) / 1e6)
    assert summary["by_purpose"] == {"policy": 3}
    with LLM(config(tmp_path, model="unpriced-model")) as llm:
        assert llm.ledger.summary()["cost_usd"] is None


# ---- retries against real HTTP faults -------------------------------------------------------------------------


def client(server: FaultyOpenAIServer, sleeps: list[float], *, timeout_s: float = 5.0, retries: int = 4):
    policy = RetryPolicy(max_retries=retries, initial_s=0.05, max_s=1.0)
    return EndpointClient(server.base_url, "k", timeout_s=timeout_s, retry=policy, sleep=sleeps.append)


def test_429_honours_retry_after():
    sleeps: list[float] = []
    with FaultyOpenAIServer([Fault("status", 429, {"Retry-After": "2"})]) as server:
        completion = client(server, sleeps).complete(request())
    assert sleeps == [2.0] and completion.retries == 1 and completion.text.startswith("echo")


def test_5xx_backs_off_exponentially_then_succeeds():
    sleeps: list[float] = []
    with FaultyOpenAIServer([Fault("status", 500), Fault("status", 503), Fault("status", 502)]) as server:
        completion = client(server, sleeps).complete(request())
    assert sleeps == [0.05, 0.1, 0.2] and completion.retries == 3 and len(server.requests) == 4


def test_hung_connection_times_out_and_is_retried():
    sleeps: list[float] = []
    with FaultyOpenAIServer([Fault("hang", hang_s=3.0)]) as server:
        started = time.monotonic()
        completion = client(server, sleeps, timeout_s=0.5).complete(request())
        elapsed = time.monotonic() - started
    assert completion.retries == 1 and len(sleeps) == 1 and elapsed < 2.5


def test_malformed_json_is_retried():
    sleeps: list[float] = []
    with FaultyOpenAIServer([Fault("malformed")]) as server:
        completion = client(server, sleeps).complete(request())
    assert completion.retries == 1 and completion.text.startswith("echo")


def test_persistent_failure_and_auth_errors_raise_llm_unavailable():
    sleeps: list[float] = []
    with FaultyOpenAIServer([Fault("status", 500)] * 10) as server:
        with pytest.raises(LLMUnavailable, match="no reply after 3 attempts"):
            client(server, sleeps, retries=2).complete(request())
        assert len(server.requests) == 3
    with FaultyOpenAIServer([Fault("status", 401)]) as server:
        with pytest.raises(LLMUnavailable, match="refused"):
            client(server, sleeps).complete(request())
        assert len(server.requests) == 1  # no retry on authentication errors


def test_transcripts_no_run_used_are_listed_and_deleted_only_when_asked(tmp_path, capsys):
    store = TranscriptStore(tmp_path / "store")
    kept, stale = request(), request(sample_index=1)
    for asked in (kept, stale):
        store.put(Transcript(asked.key(), TAG, asked, "reply", "stop", 1, 1, 0.1, "t"))
    TranscriptStore(tmp_path / "runs" / "some-run" / "llm").put(
        Transcript(kept.key(), TAG, kept, "reply", "stop", 1, 1, 0.1, "t")
    )
    assert [p.name for p in store.unused(tmp_path / "runs")] == [store.path_for(stale.key(), stale, TAG).name]
    cli.main(["transcripts", "--runs", str(tmp_path / "runs"), "--store", str(tmp_path / "store")])
    assert "1 of 2 transcripts unused" in capsys.readouterr().out and len(TranscriptStore(tmp_path / "store")) == 2
    cli.main(["transcripts", "--runs", str(tmp_path / "runs"), "--store", str(tmp_path / "store"), "--delete"])
    assert "1 of 2 transcripts deleted" in capsys.readouterr().out
    assert (
        TranscriptStore(tmp_path / "store").get(kept, TAG) is not None and len(TranscriptStore(tmp_path / "store")) == 1
    )
