"""Endpoint settings and profiles: plain data, so choosing a judge never imports the SDK.

The openai package takes about half a second to import; only a model call
(reviewer/llm/client.py) needs it. `resolve_endpoint` reads the settings the
judge and `review import --llm` share: options, then REVIEW_* variables, then
the [judge] section of the config file.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import ConfigError
from .secrets import split_credentials

SCHEMA, OBJECT, TEXT = "json_schema", "json_object", "text"
LADDER = (SCHEMA, OBJECT, TEXT)


@dataclass(frozen=True)
class Profile:
    """What one kind of endpoint accepts (README, "Judging deviation explanations")."""

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


_ALIASES = {"dashscope": "qwen", "bailian": "qwen"}


def profile_name(name: str | None) -> str:
    """The canonical profile a name gives (dashscope and bailian are qwen); ConfigError when unknown."""
    key = (name or "generic").strip().lower()
    key = _ALIASES.get(key, key)
    if key not in PROFILES:
        raise ConfigError(f"未知的端点类型 {name!r}（可用：{', '.join(PROFILES)}）")
    return key


def profile_for(name: str | None) -> Profile:
    return PROFILES[profile_name(name)]


@dataclass(frozen=True)
class Endpoint:
    """Where and how to call a model. The key is never shown (repr) nor stored.

    Credentials written into the base URL (`http://user:KEY@host/v1`) are taken out of it here:
    `base_url` is always the bare URL (what may be stored or shown), and the client sends them
    as HTTP basic auth. `timeout` bounds one whole model call (client.py, "Deadlines")."""

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    profile: str = "generic"
    timeout: float = 60.0
    max_retries: int = 2  # transport retries per call (429, 5xx, refused connections), within `timeout`
    backoff: float = 0.5  # first retry delay in seconds; doubles, capped at 8 s
    max_tokens: int = 1024
    url_user: str | None = field(default=None, repr=False)
    url_password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        clean, user, password = split_credentials(self.base_url)
        if clean != self.base_url:
            object.__setattr__(self, "base_url", clean)
            object.__setattr__(self, "url_user", user)
            object.__setattr__(self, "url_password", password)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Everything that must never be shown: the key and the URL's credentials."""
        return tuple(s for s in (self.api_key, self.url_password, self.url_user if self.url_password is None else None) if s)


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


DEFAULT_TIMEOUT = 60.0
OPENAI_URL = "https://api.openai.com/v1"


def resolve_endpoint(
    base_url: str | None = None,
    model: str | None = None,
    profile: str | None = None,
    timeout: float | None = None,
    section: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Endpoint:
    """The endpoint from options, then REVIEW_* variables, then the [judge] section of the config.

    The key comes from REVIEW_API_KEY; OPENAI_API_KEY only when no base URL is
    set (the request then goes to OpenAI itself), so a key never reaches a
    host it was not meant for. ConfigError when no model is named.
    """
    section = section or {}
    env = os.environ if env is None else env
    base_url = base_url or env.get("REVIEW_BASE_URL") or section.get("base_url")
    model = model or env.get("REVIEW_MODEL") or section.get("model")
    profile = profile or env.get("REVIEW_PROFILE") or section.get("profile")
    timeout = timeout or float(section.get("timeout", DEFAULT_TIMEOUT))
    if not model:
        raise ConfigError("使用模型评判需指定模型（--model 或 REVIEW_MODEL）")
    if base_url:
        key = env.get("REVIEW_API_KEY")
    else:
        key = env.get("REVIEW_API_KEY") or env.get("OPENAI_API_KEY")
        base_url = OPENAI_URL
        profile = profile or "openai"
    return Endpoint(base_url=base_url, model=model, api_key=key or None, profile=profile_name(profile),
                    timeout=timeout, max_retries=int(section.get("max_retries", 2)))


def configured(base_url: str | None = None, model: str | None = None, section: Mapping[str, Any] | None = None,
               env: Mapping[str, str] | None = None) -> bool:
    """Whether a base URL or a model is set anywhere: `--judge auto` then uses the model."""
    section = section or {}
    env = os.environ if env is None else env
    return bool(base_url or model or env.get("REVIEW_BASE_URL") or section.get("base_url")
                or env.get("REVIEW_MODEL") or section.get("model"))


def normalize_base_url(base_url: str) -> str:
    """Scheme and host lower-cased, default port and trailing slashes dropped: one server, one spelling."""
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    try:
        port = parts.port
    except ValueError:  # not a number: keep the spelling as given
        return base_url.strip().rstrip("/")
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path.rstrip("/"), parts.query, ""))
