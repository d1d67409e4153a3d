"""Structured JSON calls to any OpenAI-compatible endpoint.

One thin wrapper over `openai.AsyncOpenAI`:
endpoint profiles say which `response_format` an endpoint accepts and how to
turn thinking off; a ladder falls back json_schema → json_object → plain
text when an endpoint refuses a mode and remembers that per endpoint and
model; replies are cleaned (`<think>` blocks, code fences) and validated with
pydantic, with one repair re-ask carrying the validation error. Transport
failures (429, 5xx, timeouts, refused connections) are retried with backoff.

Nothing here knows about forms: `LLMClient.structured_call` is the generic
entry point for any feature that wants a validated JSON object from a model.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, MutableMapping, TypeVar

import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from .endpoints import LADDER, OBJECT, SCHEMA, Endpoint, Usage, profile_for

T = TypeVar("T", bound=BaseModel)


@dataclass
class StructuredResult:
    value: BaseModel
    content: str  # the raw reply the value was read from
    mode: str  # the rung that produced it
    model: str  # the model id the endpoint reported
    usage: Usage
    repaired: bool = False


class LLMCallError(Exception):
    """A call that gave no valid object: transport failure, refusal, or invalid output twice."""

    def __init__(self, kind: str, message: str, usage: Usage | None = None, content: str | None = None):
        super().__init__(message)
        self.kind = kind  # transport, status, refused, invalid
        self.usage = usage or Usage()
        self.content = content


# --- the JSON schema as endpoints want it -----------------------------------

@lru_cache(maxsize=None)
def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """Strict form: every property required, no extra keys, no defaults or titles."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: walk(v) for k, v in node.items() if k not in ("default", "title")}
            if out.get("type") == "object" and "properties" in out:
                out["additionalProperties"] = False
                out["required"] = list(out["properties"])
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(model.model_json_schema())


def response_format(mode: str, name: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    if mode == SCHEMA:
        return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}
    if mode == OBJECT:
        return {"type": "json_object"}
    return None


# --- reading replies --------------------------------------------------------

_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)


def extract_json(content: str | None) -> Any:
    """The JSON object in a reply: reasoning and fences removed, last complete object wins.

    Raises ValueError with a short reason a model can act on.
    """
    text = _THINK.sub("", content or "")
    # An unterminated <think> (budget ran out mid-thought) leaves only reasoning before any JSON.
    text = re.sub(r"</?think>", "", text, flags=re.I).strip()
    if not text:
        raise ValueError("输出为空")
    fenced = _FENCE.findall(text)
    candidates = fenced + [text] if fenced else [text]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        found = None
        pos = candidate.find("{")
        while pos != -1:
            try:
                obj, end = decoder.raw_decode(candidate, pos)
            except json.JSONDecodeError:
                pos = candidate.find("{", pos + 1)
                continue
            if isinstance(obj, dict):
                found = obj
            pos = candidate.find("{", end)
        if found is not None:
            return found
    raise ValueError("输出中没有完整的JSON对象")


def compact_error(error: ValidationError | ValueError) -> str:
    if isinstance(error, ValidationError):
        parts = [f"{'.'.join(map(str, e['loc'])) or '(根)'}: {e['msg']}" for e in error.errors()[:6]]
        return "; ".join(parts)
    return str(error)


def _usage_of(response: Any) -> Usage:
    usage = Usage(calls=1)
    raw = getattr(response, "usage", None)
    if raw is None:
        return usage
    usage.prompt_tokens = raw.prompt_tokens or 0
    usage.completion_tokens = raw.completion_tokens or 0
    details = getattr(raw, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) if details else None
    if cached is None:  # DeepSeek reports its prefix cache outside the standard fields
        cached = (getattr(raw, "model_extra", None) or {}).get("prompt_cache_hit_tokens")
    usage.cached_tokens = int(cached or 0)
    return usage


def _mode_refused(error: openai.APIStatusError) -> bool:
    text = f"{error.message} {json.dumps(error.body, ensure_ascii=False) if error.body else ''}".lower()
    return any(word in text for word in ("response_format", "json_schema", "json_object", "'json'", "json mode"))


def _next_mode(current: str, error: openai.APIStatusError, tried: set[str]) -> str | None:
    text = f"{error.message} {error.body}".lower()
    if current == OBJECT and "must be" in text and "json_schema" in text and SCHEMA not in tried:
        return SCHEMA  # LM Studio accepts only json_schema
    for mode in LADDER[LADDER.index(current) + 1:]:
        if mode not in tried:
            return mode
    return None


def _retry_delay(error: Exception, attempt: int, backoff: float) -> float:
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value:
            try:
                return min(float(value) * scale, 30.0)
            except ValueError:
                pass
    delay = min(backoff * 2 ** attempt, 8.0)
    return delay * (1 - random.random() * 0.25)


_TRANSIENT = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)


def _is_transient(error: Exception) -> bool:
    if isinstance(error, _TRANSIENT):
        return True
    return isinstance(error, openai.APIStatusError) and error.status_code in (408, 409)


class LLMClient:
    """An endpoint with its learned ladder state; use `async with` or call `aclose()`.

    `learned` maps (base_url, model) → the rung that endpoint accepted; pass a
    persistent mapping to remember downgrades across runs.
    """

    def __init__(self, endpoint: Endpoint, learned: MutableMapping[tuple[str, str], str] | None = None):
        self.endpoint = endpoint
        self.profile = profile_for(endpoint.profile)
        self.learned = learned if learned is not None else _PROCESS_LEARNED
        # No key configured for this host: send no Authorization header at all.
        self._extra_headers = {} if endpoint.api_key else {"Authorization": openai.Omit()}
        self._client = openai.AsyncOpenAI(
            base_url=endpoint.base_url,
            api_key=endpoint.api_key or "",
            admin_api_key="",  # never pick OPENAI_ADMIN_KEY up from the environment
            timeout=endpoint.timeout,
            max_retries=0,  # retries are ours, so every HTTP call is counted
        )
        # Organisation and project ids from the environment belong to OpenAI, not to this host.
        self._client.organization = None
        self._client.project = None

    async def __aenter__(self) -> "LLMClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.close()

    @property
    def _learn_key(self) -> tuple[str, str]:
        return (self.endpoint.base_url.rstrip("/"), self.endpoint.model)

    def current_mode(self) -> str:
        return self.learned.get(self._learn_key, self.profile.structured)

    async def _create(self, messages: list[dict[str, Any]], mode: str, fmt: dict[str, Any] | None,
                      max_tokens: int, usage: Usage, temperature: float = 0.0) -> Any:
        body: dict[str, Any] = {"model": self.endpoint.model, "messages": messages, "max_tokens": max_tokens}
        if self.profile.temperature:
            body["temperature"] = temperature
        body.update(self.profile.thinking_off)
        if fmt is not None:
            body["response_format"] = fmt
        options: dict[str, Any] = {"headers": self._extra_headers} if self._extra_headers else {}
        attempt = 0
        while True:
            try:
                usage.calls += 1
                # The plain POST skips the SDK's typed-parameter transform (≈3 ms per call on a judge
                # prompt, the largest client cost under concurrency); the body is the same JSON.
                response = await self._client.post("/chat/completions", cast_to=ChatCompletion, body=body,
                                                   options=options)
            except openai.APIStatusError as error:
                if _is_transient(error) and attempt < self.endpoint.max_retries:
                    await asyncio.sleep(_retry_delay(error, attempt, self.endpoint.backoff))
                    attempt += 1
                    continue
                raise
            except openai.APIConnectionError as error:
                if attempt < self.endpoint.max_retries:
                    await asyncio.sleep(_retry_delay(error, attempt, self.endpoint.backoff))
                    attempt += 1
                    continue
                raise
            found = _usage_of(response)
            usage.prompt_tokens += found.prompt_tokens
            usage.completion_tokens += found.completion_tokens
            usage.cached_tokens += found.cached_tokens
            return response

    async def _create_on_ladder(self, messages: list[dict[str, Any]], name: str, schema: dict[str, Any],
                                max_tokens: int, usage: Usage, temperature: float = 0.0) -> tuple[Any, str]:
        mode = self.current_mode()
        tried: set[str] = set()
        while True:
            tried.add(mode)
            try:
                response = await self._create(messages, mode, response_format(mode, name, schema), max_tokens, usage,
                                              temperature)
                return response, mode
            except openai.APIStatusError as error:
                if error.status_code in (400, 422) and _mode_refused(error):
                    nxt = _next_mode(mode, error, tried)
                    if nxt is not None:
                        self.learned[self._learn_key] = nxt
                        mode = nxt
                        continue
                raise

    async def structured_call(
        self,
        messages: list[dict[str, Any]],
        schema_model: type[T],
        *,
        name: str = "result",
        check: Callable[[T], None] | None = None,
        temperature: float = 0.0,
    ) -> StructuredResult:
        """One validated `schema_model` from the endpoint, or LLMCallError.

        `temperature` is sent where the profile allows one (0 by default: a judge should be
        repeatable; sampling several answers asks for a small positive value).

        The messages should already say "JSON" and show the schema (some
        endpoints require the word; every rung then reads the same prompt).
        `check` may raise ValueError to reject a parsed value (one repair re-ask).
        """
        usage = Usage()
        schema = strict_schema(schema_model)
        max_tokens = self.endpoint.max_tokens
        convo = list(messages)
        last_error = ""
        content = ""
        for attempt in range(2):  # the first answer and one repair
            try:
                response, mode = await self._create_on_ladder(convo, name, schema, max_tokens, usage, temperature)
            except openai.APIStatusError as error:
                raise LLMCallError("status", f"HTTP {error.status_code}: {_status_text(error)}", usage) from None
            except openai.APIConnectionError as error:
                kind = "timeout" if isinstance(error, openai.APITimeoutError) else "transport"
                raise LLMCallError(kind, f"{'请求超时' if kind == 'timeout' else '连接失败'}：{error}", usage) from None
            choice = response.choices[0]
            content = choice.message.content or ""
            if choice.finish_reason in ("content_filter", "sensitive"):
                raise LLMCallError("refused", f"端点拒绝输出（finish_reason={choice.finish_reason}）", usage, content)
            try:
                if choice.finish_reason == "length":
                    max_tokens *= 2
                    raise ValueError("输出被截断（finish_reason=length）")
                value = schema_model.model_validate(extract_json(content))
                if check is not None:
                    check(value)
            except (ValueError, ValidationError) as error:
                last_error = compact_error(error)
                convo = list(messages) + [
                    {"role": "assistant", "content": content or "(空)"},
                    {"role": "user", "content": f"上面的输出未通过校验：{last_error}。请只输出一个符合上述JSON Schema的JSON对象，不要其他文字。"},
                ]
                continue
            return StructuredResult(value, content, mode, getattr(response, "model", "") or "", usage, attempt > 0)
        raise LLMCallError("invalid", f"两次输出均无效：{last_error}", usage, content)


def _status_text(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:300]
    return str(error.message)[:300]


_PROCESS_LEARNED: dict[tuple[str, str], str] = {}


async def structured_call(endpoint: Endpoint, messages: list[dict[str, Any]], schema_model: type[T],
                          **kw: Any) -> StructuredResult:
    """One call with a fresh client (for occasional callers; loops should keep an LLMClient)."""
    async with LLMClient(endpoint) as client:
        return await client.structured_call(messages, schema_model, **kw)


def structured_call_sync(endpoint: Endpoint, messages: list[dict[str, Any]], schema_model: type[T],
                         **kw: Any) -> StructuredResult:
    return asyncio.run(structured_call(endpoint, messages, schema_model, **kw))
