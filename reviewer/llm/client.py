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

Hostile or broken endpoints (README, "Limits"):

- Deadlines. `Endpoint.timeout` (`--timeout`) is the total time of one call:
  the request, its transport retries, mode downgrades and the repair re-ask
  all happen before it runs out. Each request gets what is left (however
  slowly its reply drips in), and a retry is made only when its back-off
  fits in what is left; retries never multiply the deadline.
- Size. A reply body over MAX_REPLY_BYTES (4 MiB; Content-Length or counted
  while it streams, after decompression) is abandoned before it is parsed or
  cached. JSON extraction is linear in the reply; the repair re-ask quotes
  at most REPAIR_EXCERPT characters of the bad reply.
- Secrets. Every text that came from the endpoint (error bodies, transport
  errors) is redacted (secrets.py) before it is put in an error.
- Format. A reply that is not a chat completion (an HTML page, no JSON, no
  choices) is an LLMCallError of kind "format", never an exception of the SDK.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, MutableMapping, TypeVar

import httpx2
import openai
from pydantic import BaseModel, ValidationError

from .endpoints import LADDER, OBJECT, SCHEMA, Endpoint, Usage, profile_for
from .secrets import basic_auth, redact

MAX_REPLY_BYTES = 4 * 2**20  # a judge verdict is ~1 KB and an imported form ~30 KB; more is not an answer
REPAIR_EXCERPT = 4000  # characters of a bad reply quoted back in the repair re-ask
ERROR_TEXT = 300  # characters of an endpoint's error text kept in a message

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
    """A call that gave no valid object: transport failure, refusal, or invalid output twice.
    The message is redacted and bounded: it may be shown and stored."""

    def __init__(self, kind: str, message: str, usage: Usage | None = None, content: str | None = None):
        super().__init__(message)
        self.kind = kind  # transport, timeout, status, refused, format, too_large, invalid
        self.usage = usage or Usage()
        self.content = content


class ReplyTooLarge(Exception):
    """The reply body passed MAX_REPLY_BYTES (raised while it streams in, or by its Content-Length)."""


# --- the HTTP client: a bounded reply body -------------------------------------

class _BoundedHttpClient(openai.DefaultAsyncHttpxClient):
    """The SDK's HTTP client (proxies from the environment and all), reading every reply body itself:
    refused by its Content-Length, else counted as it arrives (after decompression, so a gzip bomb
    counts inflated) and abandoned at `cap` bytes, before anything parses or keeps it."""

    def __init__(self, cap: int = MAX_REPLY_BYTES, **kwargs: Any):
        super().__init__(**kwargs)
        self.cap = cap

    async def send(self, request: httpx2.Request, *, stream: bool = False, **kwargs: Any) -> httpx2.Response:
        response = await super().send(request, stream=True, **kwargs)
        try:
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > self.cap:
                raise ReplyTooLarge(f"回复超过 {self.cap // 2**20} MiB")
            chunks: list[bytes] = []
            seen = 0
            async for chunk in response.aiter_bytes():
                seen += len(chunk)
                if seen > self.cap:
                    raise ReplyTooLarge(f"回复超过 {self.cap // 2**20} MiB")
                chunks.append(chunk)
        finally:
            await response.aclose()
        response._content = b"".join(chunks)  # what Response.aread() sets: the body, read
        return response


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

_FENCE = re.compile(r"```(?:json|JSON)?[ \t]*\n?")
_THINK_TAG = re.compile(r"</?think>", re.I)


def _without_thinking(text: str) -> str:
    """Complete <think>…</think> blocks removed, then any stray tag: one pass over the text."""
    out: list[str] = []
    pos = 0
    lower = text.lower()
    while True:
        start = lower.find("<think>", pos)
        if start == -1:
            break
        end = lower.find("</think>", start + 7)
        if end == -1:
            break  # unterminated: the thinking ran out; only its tag goes (below)
        out.append(text[pos:start])
        pos = end + 8
    out.append(text[pos:])
    return _THINK_TAG.sub("", "".join(out))


MAX_CANDIDATES = 32
_TOKEN = re.compile(r'[{}"]')
_IN_STRING = re.compile(r'["\\]')


def _object_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the outermost balanced {…} (strings and escapes respected), found in one pass over
    the braces, quotes and backslashes: linear in the text. An object that never closes does not
    hide the complete ones inside it."""
    closed: list[tuple[int, int]] = []
    opened: list[int] = []
    in_string = False
    pos = 0
    while True:
        # Inside a string only its end or an escape matters: the scan jumps there (braces in a long
        # string cost nothing).
        m = (_IN_STRING if in_string else _TOKEN).search(text, pos)
        if m is None:
            break
        i = m.start()
        c = m.group()
        pos = i + 1
        if in_string:
            if c == "\\":
                pos = i + 2  # the escaped character
            else:
                in_string = False
        elif c == "{":
            opened.append(i)
        elif not opened:
            continue  # quotes and braces in prose before any object
        elif c == '"':
            in_string = True
        elif c == "}":
            closed.append((opened.pop(), i + 1))
    closed.sort()
    outermost: list[tuple[int, int]] = []
    for start, end in closed:
        if not outermost or start >= outermost[-1][1]:
            outermost.append((start, end))
    return outermost


def extract_json(content: str | None) -> Any:
    """The JSON object in a reply: reasoning and fences removed, last complete object wins.
    Linear in the reply (every character is scanned a bounded number of times).

    Raises ValueError with a short reason a model can act on.
    """
    text = _without_thinking(content or "").strip()
    if not text:
        raise ValueError("输出为空")
    text = _FENCE.sub("", text)  # fences only wrap the JSON; the brace scan finds it inside
    # The last complete object wins; only the last MAX_CANDIDATES are tried (a reply of a million
    # "{}" would otherwise cost a million parses).
    for start, end in reversed(_object_spans(text)[-MAX_CANDIDATES:]):
        try:
            obj = json.loads(text[start:end])
        except (json.JSONDecodeError, RecursionError):
            continue
        if isinstance(obj, dict):
            return obj
    raise ValueError("输出中没有完整的JSON对象")


def compact_error(error: ValidationError | ValueError) -> str:
    if isinstance(error, ValidationError):
        parts = [f"{'.'.join(map(str, e['loc'])) or '(根)'}: {e['msg']}" for e in error.errors()[:6]]
        return "; ".join(parts)
    return str(error)


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _usage_of(raw: Any) -> Usage:
    """Token counts of a completion's `usage` object (absent or odd fields count 0)."""
    usage = Usage(calls=1)
    if not isinstance(raw, dict):
        return usage
    usage.prompt_tokens = _count(raw.get("prompt_tokens"))
    usage.completion_tokens = _count(raw.get("completion_tokens"))
    details = raw.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    if cached is None:  # DeepSeek reports its prefix cache outside the standard fields
        cached = raw.get("prompt_cache_hit_tokens")
    usage.cached_tokens = _count(cached)
    return usage


@dataclass
class Completion:
    """What we read of a chat completion."""

    content: str
    finish_reason: str
    model: str
    usage: Usage


def _not_a_completion(response: httpx2.Response, why: str) -> LLMCallError:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()[:40] or "未注明类型"
    what = "HTML 页面" if "html" in kind or response.content[:200].lstrip()[:1] == b"<" else kind
    return LLMCallError("format", f"端点的回复不是 OpenAI 兼容的格式（{why}；{what}），"
                                  "请检查 base URL 是否指向 …/v1 接口")


def read_completion(response: httpx2.Response) -> Completion:
    """The first choice of a chat completion body; LLMCallError("format") for anything else."""
    try:
        data = json.loads(response.content)
    except (ValueError, RecursionError):
        raise _not_a_completion(response, "不是 JSON") from None
    if not isinstance(data, dict):
        raise _not_a_completion(response, "不是 JSON 对象")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise _not_a_completion(response, "没有 choices")
    choice = choices[0]
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, list):  # content parts, as some servers send them
        content = "".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    if content is not None and not isinstance(content, str):
        raise _not_a_completion(response, "message.content 不是文字")
    model = data.get("model")
    return Completion(content or "", str(choice.get("finish_reason") or ""),
                      model[:200] if isinstance(model, str) else "", _usage_of(data.get("usage")))


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
    persistent mapping to remember downgrades across runs. The base URL in it never
    holds credentials (Endpoint takes them out).
    """

    def __init__(self, endpoint: Endpoint, learned: MutableMapping[tuple[str, str], str] | None = None):
        self.endpoint = endpoint
        self.profile = profile_for(endpoint.profile)
        self.learned = learned if learned is not None else _PROCESS_LEARNED
        self.secrets = endpoint.secrets
        # The key goes as Bearer; credentials from the base URL as basic auth; nothing else: no
        # Authorization header at all when neither is configured.
        # Basic auth goes in the client's default headers, never in a request's options (which the
        # SDK's debug log prints).
        headers: dict[str, str] = {"Accept-Encoding": "identity"}  # counted as they arrive: MAX_REPLY_BYTES
        self._extra_headers: dict[str, Any] = {}
        if not endpoint.api_key and (endpoint.url_user or endpoint.url_password):
            headers["Authorization"] = basic_auth(endpoint.url_user, endpoint.url_password)
        elif not endpoint.api_key:
            self._extra_headers = {"Authorization": openai.Omit()}
        self._client = openai.AsyncOpenAI(
            base_url=endpoint.base_url,
            api_key=endpoint.api_key or "",
            admin_api_key="",  # never pick OPENAI_ADMIN_KEY up from the environment
            timeout=endpoint.timeout,
            max_retries=0,  # retries are ours, so every HTTP call is counted and the deadline holds
            default_headers=headers,
            http_client=_BoundedHttpClient(),
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

    def _redact(self, text: str, limit: int = ERROR_TEXT) -> str:
        """Redacted, then cut (the other way round a cut could leave the start of a key). The text is
        at most a bounded reply body (MAX_REPLY_BYTES)."""
        return redact(str(text), self.secrets)[:limit]

    async def _create(self, messages: list[dict[str, Any]], mode: str, fmt: dict[str, Any] | None,
                      max_tokens: int, usage: Usage, deadline: float, temperature: float = 0.0) -> Completion:
        body: dict[str, Any] = {"model": self.endpoint.model, "messages": messages, "max_tokens": max_tokens}
        if self.profile.temperature:
            body["temperature"] = temperature
        body.update(self.profile.thinking_off)
        if fmt is not None:
            body["response_format"] = fmt
        options: dict[str, Any] = {"headers": self._extra_headers} if self._extra_headers else {}
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            try:
                usage.calls += 1
                # The plain POST skips the SDK's typed-parameter transform (≈3 ms per call on a judge
                # prompt, the largest client cost under concurrency); the body is the same JSON. The raw
                # response is read here (read_completion): an odd body is our error, not the SDK's.
                async with asyncio.timeout_at(deadline):
                    response = await self._client.post("/chat/completions", cast_to=httpx2.Response, body=body,
                                                       options=options)
            except openai.APIStatusError as error:
                if _is_transient(error) and attempt < self.endpoint.max_retries:
                    delay = _retry_delay(error, attempt, self.endpoint.backoff)
                    if loop.time() + delay < deadline:
                        await asyncio.sleep(delay)
                        attempt += 1
                        continue
                raise
            except openai.APIConnectionError as error:
                if isinstance(error.__cause__, ReplyTooLarge):
                    raise error.__cause__ from None
                if attempt < self.endpoint.max_retries and not isinstance(error, openai.APITimeoutError):
                    delay = _retry_delay(error, attempt, self.endpoint.backoff)
                    if loop.time() + delay < deadline:
                        await asyncio.sleep(delay)
                        attempt += 1
                        continue
                raise
            completion = read_completion(response)
            usage.prompt_tokens += completion.usage.prompt_tokens
            usage.completion_tokens += completion.usage.completion_tokens
            usage.cached_tokens += completion.usage.cached_tokens
            return completion

    async def _create_on_ladder(self, messages: list[dict[str, Any]], name: str, schema: dict[str, Any],
                                max_tokens: int, usage: Usage, deadline: float,
                                temperature: float = 0.0) -> tuple[Completion, str]:
        mode = self.current_mode()
        tried: set[str] = set()
        while True:
            tried.add(mode)
            try:
                response = await self._create(messages, mode, response_format(mode, name, schema), max_tokens, usage,
                                              deadline, temperature)
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
        """One validated `schema_model` from the endpoint, or LLMCallError, within `endpoint.timeout`
        seconds in all (see "Deadlines" above).

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
        timeout = self.endpoint.timeout
        deadline = asyncio.get_running_loop().time() + timeout
        for attempt in range(2):  # the first answer and one repair
            try:
                completion, mode = await self._create_on_ladder(convo, name, schema, max_tokens, usage, deadline,
                                                                temperature)
            except openai.APIStatusError as error:
                raise LLMCallError("status", f"HTTP {error.status_code}: {self._redact(_status_text(error))}",
                                   usage) from None
            except (TimeoutError, openai.APITimeoutError):
                raise LLMCallError("timeout", f"请求超时（{timeout:g} 秒内没有得到完整回复）", usage) from None
            except openai.APIConnectionError as error:
                cause = error.__cause__ or error
                raise LLMCallError("transport", f"连接失败：{self._redact(f'{type(cause).__name__}: {cause}')}",
                                   usage) from None
            except ReplyTooLarge as error:
                raise LLMCallError("too_large", f"{error}，未读取", usage) from None
            except LLMCallError as error:
                error.usage = usage
                raise
            content = redact(completion.content, self.secrets)
            if completion.finish_reason in ("content_filter", "sensitive"):
                raise LLMCallError("refused", f"端点拒绝输出（finish_reason={completion.finish_reason[:40]}）",
                                   usage, content)
            try:
                if completion.finish_reason == "length":
                    max_tokens *= 2
                    raise ValueError("输出被截断（finish_reason=length）")
                value = schema_model.model_validate(extract_json(content))
                if check is not None:
                    check(value)
            except (ValueError, ValidationError) as error:
                last_error = self._redact(compact_error(error))
                convo = list(messages) + [
                    {"role": "assistant", "content": excerpt(content) or "(空)"},
                    {"role": "user", "content": f"上面的输出未通过校验：{last_error}。请只输出一个符合上述JSON Schema的JSON对象，不要其他文字。"},
                ]
                continue
            return StructuredResult(value, content, mode, completion.model, usage, attempt > 0)
        raise LLMCallError("invalid", f"两次输出均无效：{self._redact(last_error)}", usage, excerpt(content))


def excerpt(content: str, limit: int = REPAIR_EXCERPT) -> str:
    """At most `limit` characters of a reply: its start and its end, where a JSON object usually is."""
    if len(content) <= limit:
        return content
    half = limit // 2
    return f"{content[:half]}\n……（中间省略 {len(content) - 2 * half} 个字符）……\n{content[-half:]}"


def _status_text(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])  # cut only after redaction: a cut may fall inside a key
    return str(error.message)


_PROCESS_LEARNED: dict[tuple[str, str], str] = {}


async def structured_call(endpoint: Endpoint, messages: list[dict[str, Any]], schema_model: type[T],
                          **kw: Any) -> StructuredResult:
    """One call with a fresh client (for occasional callers; loops should keep an LLMClient)."""
    async with LLMClient(endpoint) as client:
        return await client.structured_call(messages, schema_model, **kw)


def structured_call_sync(endpoint: Endpoint, messages: list[dict[str, Any]], schema_model: type[T],
                         **kw: Any) -> StructuredResult:
    return asyncio.run(structured_call(endpoint, messages, schema_model, **kw))
