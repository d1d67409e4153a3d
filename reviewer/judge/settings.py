"""Which judge runs and how: the offline rules, or a model at an OpenAI-compatible endpoint."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping

from ..config import Config, Thresholds
from ..errors import ConfigError
from ..llm.endpoints import Endpoint, configured, resolve_endpoint

BACKENDS = ("auto", "rules", "llm")
DEFAULT_CONCURRENCY = 8


class JudgeConfigError(ConfigError):
    """Judge settings that cannot work; the message is for the reviewer."""


@dataclass
class JudgeSettings:
    backend: str = "rules"  # rules or llm (auto is resolved by `resolve_settings`)
    endpoint: Endpoint | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)
    prompt_version: str = "v1"


def resolve_settings(
    backend: str = "auto",
    base_url: str | None = None,
    model: str | None = None,
    profile: str | None = None,
    concurrency: int | None = None,
    timeout: float | None = None,
    config: Config | None = None,
    env: Mapping[str, str] | None = None,
) -> JudgeSettings:
    """Settings from options, then REVIEW_* variables, then the [judge] section of the config.

    `auto` uses the model when a base URL or a model is configured, else the
    offline rules. The endpoint (and which key goes where) is
    llm.endpoints.resolve_endpoint's.
    """
    config = config or Config()
    env = os.environ if env is None else env
    section = config.judge
    backend = (backend or section.get("backend") or "auto").lower()
    concurrency = concurrency or int(section.get("concurrency", DEFAULT_CONCURRENCY))
    if backend not in BACKENDS:
        raise JudgeConfigError(f"未知的评判方式 {backend!r}（可用：{', '.join(BACKENDS)}）")
    if concurrency < 1:
        raise JudgeConfigError("并发数应为正整数")
    settings = JudgeSettings(concurrency=concurrency, prices=config.prices, thresholds=config.thresholds)
    if backend == "auto":
        backend = "llm" if configured(base_url, model, section, env) else "rules"
    settings.backend = backend
    if backend == "llm":
        try:
            settings.endpoint = resolve_endpoint(base_url, model, profile, timeout, section, env)
        except ConfigError as error:
            raise JudgeConfigError(error.message) from None
    return settings
