"""Which judge runs and how: the offline rules, or a model at an OpenAI-compatible endpoint."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..config import Config, Thresholds
from ..errors import ConfigError
from ..llm.endpoints import Endpoint, configured, resolve_endpoint

BACKENDS = ("auto", "rules", "llm")
DEFAULT_CONCURRENCY = 8
# Each call in flight may hold a reply of up to 4 MiB (llm/client.py, MAX_REPLY_BYTES): 64 of them stay
# under 300 MB on an office PC, and no endpoint we know serves one client more at once.
MAX_CONCURRENCY = 64
PROMPT_VERSIONS = ("v1", "v2")
# Verdicts less firm than this are marked 待重点审核 (review_first). With the model's agreement
# measured as (k + 1) / (N + 2), a 2-of-3 split (0.6) falls below it and one sample (0.67) does not.
DEFAULT_CONFIDENCE_FLOOR = 0.65
DEFAULT_SAMPLE_TEMPERATURE = 0.3  # with --samples N > 1: small enough to stay on task, large enough to vary
MAX_SAMPLES = 15
MAX_EXAMPLES = 20  # few-shot examples: more lengthen every prompt for little gain


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
    samples: int = 1  # model samples per explanation; the majority verdict counts
    temperature: float = DEFAULT_SAMPLE_TEMPERATURE  # used only when samples > 1 (one sample runs at 0)
    confidence_floor: float = DEFAULT_CONFIDENCE_FLOOR
    # Reviewers' own past decisions shown to the model (opt-in; judge/examples.py): how many were asked
    # for, and those the caller loaded from the store (the judge stage never opens the database).
    few_shot: int = 0
    examples: tuple[Any, ...] = ()


def resolve_settings(
    backend: str = "auto",
    base_url: str | None = None,
    model: str | None = None,
    profile: str | None = None,
    concurrency: int | None = None,
    timeout: float | None = None,
    config: Config | None = None,
    env: Mapping[str, str] | None = None,
    prompt: str | None = None,
    samples: int | None = None,
    few_shot: int | None = None,
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
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise JudgeConfigError(f"并发数应为 1 到 {MAX_CONCURRENCY} 之间的整数，而不是 {concurrency}")
    settings = JudgeSettings(concurrency=concurrency, prices=config.prices, thresholds=config.thresholds,
                             prompt_version=_prompt(prompt or section.get("prompt", "v1")),
                             samples=_samples(samples if samples is not None else section.get("samples", 1)),
                             temperature=_number(section, "temperature", DEFAULT_SAMPLE_TEMPERATURE, 0, 2),
                             confidence_floor=_number(section, "confidence_floor", DEFAULT_CONFIDENCE_FLOOR, 0, 1),
                             few_shot=_few_shot(few_shot if few_shot is not None else section.get("few_shot", 0)))
    if backend == "auto":
        backend = "llm" if configured(base_url, model, section, env) else "rules"
    settings.backend = backend
    if backend == "llm":
        try:
            settings.endpoint = resolve_endpoint(base_url, model, profile, timeout, section, env)
        except ConfigError as error:
            raise JudgeConfigError(error.message) from None
    return settings


def _prompt(version: Any) -> str:
    version = str(version).strip().lower()
    if version not in PROMPT_VERSIONS:
        raise JudgeConfigError(f"未知的提示词版本 {version!r}（可用：{', '.join(PROMPT_VERSIONS)}）")
    return version


def _samples(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SAMPLES:
        raise JudgeConfigError(f"采样次数应为 1 到 {MAX_SAMPLES} 之间的整数，而不是 {value!r}")
    return value


def _number(section: Mapping[str, Any], key: str, default: float, low: float, high: float) -> float:
    """A [judge] number within [low, high]; the message names the key."""
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise JudgeConfigError(f"[judge] {key} 应为 {low:g} 到 {high:g} 之间的数值，而不是 {value!r}")
    return float(value)


def _few_shot(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_EXAMPLES:
        raise JudgeConfigError(f"[judge] few_shot 应为 0 到 {MAX_EXAMPLES} 之间的整数，而不是 {value!r}")
    return value
