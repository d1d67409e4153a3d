"""Endpoint settings and profiles: plain data, so choosing a judge never imports the SDK.

The openai package takes about half a second to import; only a model call
(reviewer/llm_client.py) needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA, OBJECT, TEXT = "json_schema", "json_object", "text"
LADDER = (SCHEMA, OBJECT, TEXT)


@dataclass(frozen=True)
class Profile:
    """What one kind of endpoint accepts (shared/llm-endpoints.md §1)."""

    name: str
    structured: str  # the first rung tried: json_schema, json_object or text
    thinking_off: dict[str, Any] = field(default_factory=dict)  # extra_body that disables reasoning
    temperature: bool = True  # False where the endpoint fixes it (a value other than the default is a 400)


PROFILES: dict[str, Profile] = {
    "openai": Profile("openai", SCHEMA),
    # DeepSeek rejects json_schema outright and thinks by default on V4.
    "deepseek": Profile("deepseek", OBJECT, {"thinking": {"type": "disabled"}}),
    # DashScope: json_schema only on some models, and JSON mode is refused while thinking.
    "qwen": Profile("qwen", OBJECT, {"enable_thinking": False}),
    "vllm": Profile("vllm", SCHEMA, {"chat_template_kwargs": {"enable_thinking": False}}),
    # Ollama's think=false breaks `format` on some versions; <think> blocks are stripped instead.
    "ollama": Profile("ollama", SCHEMA),
    # Unknown server: try the strictest mode and learn from its 400.
    "generic": Profile("generic", SCHEMA),
}


def profile_for(name: str | None) -> Profile:
    key = (name or "generic").lower()
    if key in ("dashscope", "bailian"):
        key = "qwen"
    if key not in PROFILES:
        raise ValueError(f"未知的端点类型 {name!r}（可用：{', '.join(PROFILES)}）")
    return PROFILES[key]


@dataclass(frozen=True)
class Endpoint:
    """Where and how to call a model. The key is never shown (repr) nor stored."""

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    profile: str = "generic"
    timeout: float = 60.0
    max_retries: int = 2  # transport retries per request (429, 5xx, timeouts)
    backoff: float = 0.5  # first retry delay in seconds; doubles, capped at 8 s
    max_tokens: int = 1024


@dataclass
class Usage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    def add(self, other: "Usage") -> None:
        self.calls += other.calls
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cached_tokens += other.cached_tokens

    def as_dict(self) -> dict[str, int]:
        return {"calls": self.calls, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "cached_tokens": self.cached_tokens}
