"""A canned LLM: a scripted stand-in for `promptpo.llm.LLM` that drives the loop without a model or a network."""

from __future__ import annotations


class CannedLLM:
    """A scripted stand-in for `promptpo.llm.LLM`: unit tests of the loop, and the loop variants of the classroom.

    `script(tag, messages)` decides every reply: its text, or (text, finish_reason) to script a reply cut at the
    token limit ("length"); every call is kept in `calls` as (tag, messages).
    """

    MAX_TOKENS = 100

    def __init__(self, script):
        from promptpo.llm import Ledger

        self.script = script
        self.calls = []
        self.ledger = Ledger(model="canned")

    def chat(self, messages, *, tag):
        from promptpo.llm import ChatReply, ChatRequest, Transcript

        scripted = self.script(tag, messages)
        text, finish_reason = scripted if isinstance(scripted, tuple) else (scripted, "stop")
        self.calls.append((tag, list(messages)))
        request = ChatRequest("canned", tuple(messages), 1.0, self.MAX_TOKENS, None, 0)
        self.ledger.add(Transcript("k", tag, request, text, finish_reason, 10, 5, 0.0, "t"), from_endpoint=True)
        return ChatReply(text, finish_reason, 10, 5, True, self.MAX_TOKENS, request.key())

    def chat_many(self, calls):
        return [self.chat(messages, tag=tag) for messages, tag in calls]

    def sample(self, messages, n, *, tag):
        from dataclasses import replace

        return [self.chat(messages, tag=replace(tag, sample=i)) for i in range(n)]
