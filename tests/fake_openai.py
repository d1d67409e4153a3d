"""A loopback OpenAI-compatible server for tests and the judge benchmark.

Speaks just enough of `POST /v1/chat/completions` for the real `openai`
client: each request takes the next scripted reply (or the default reply when
the script is used up), may be delayed, and is recorded with its headers and
JSON body so tests can assert what actually went over the wire.

    with FakeOpenAI([reply_json({...}), reply_error(429)]) as server:
        client = AsyncOpenAI(base_url=server.base_url, ...)
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

# Loopback traffic must never go through a proxy from the environment.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

# Real error bodies (DeepSeek and DashScope replies, as documented by the vendors).
DEEPSEEK_400 = {"error": {"message": "This response_format type is unavailable now",
                          "type": "invalid_request_error", "param": None, "code": "invalid_request_error"}}
DEEPSEEK_422 = {"error": {"message": "Failed to deserialize the JSON body into the target type: response_format: "
                                     "response_format.type `json_schema` is unavailable now at line 1 column 912",
                          "type": "invalid_request_error", "param": None, "code": "invalid_request_error"}}
DASHSCOPE_JSON_WORD_400 = {"error": {"message": "<400> InternalError.Algo.InvalidParameter: 'messages' must contain the "
                                                "word 'json' in some form, to use 'response_format' of type 'json_object'.",
                                     "type": "invalid_request_error", "code": "invalid_parameter_error"}}
SERVER_500 = {"error": {"message": "The server had an error while processing your request.", "type": "server_error"}}
RATE_429 = {"error": {"message": "Rate limit reached for requests", "type": "rate_limit_error", "code": "rate_limit"}}


@dataclass
class Reply:
    status: int = 200
    content: str | None = None  # assistant message content for a 200
    body: dict[str, Any] | None = None  # the whole JSON body (errors, or a custom completion)
    delay: float = 0.0
    finish_reason: str = "stop"
    usage: dict[str, Any] = field(default_factory=lambda: {"prompt_tokens": 1200, "completion_tokens": 150})
    headers: dict[str, str] = field(default_factory=dict)
    # Hostile replies: the body bytes as sent (no completion around them), their content type, and
    # a drip (the body sent `drip_bytes` at a time, `drip` seconds apart).
    raw: bytes | None = None
    content_type: str = "application/json"
    drip: float = 0.0
    drip_bytes: int = 1
    send_length: bool = True  # False: no Content-Length (the body ends when the connection closes)


def reply_raw(data: bytes, content_type: str = "application/json", **kw: Any) -> Reply:
    """A body that is no chat completion: an HTML page, plain text, a truncated JSON."""
    return Reply(raw=data, content_type=content_type, **kw)


def reply_dripped(obj: dict[str, Any], every: float = 0.5, **kw: Any) -> Reply:
    """A valid completion sent one byte every `every` seconds."""
    return Reply(content=json.dumps(obj, ensure_ascii=False), drip=every, **kw)


def echo_authorization(recorded: "Recorded") -> Reply:
    """A 401 whose error text quotes the Authorization header it got (as some gateways do)."""
    auth = recorded.headers.get("authorization", "(none)")
    return reply_error(401, {"error": {"message": f"Incorrect API key provided: {auth}. Header was "
                                                  f"'Authorization: {auth}'", "type": "invalid_request_error",
                                       "code": "invalid_api_key"}})


def reply_content(text: str, **kw: Any) -> Reply:
    return Reply(content=text, **kw)


def reply_json(obj: dict[str, Any], **kw: Any) -> Reply:
    return Reply(content=json.dumps(obj, ensure_ascii=False), **kw)


def reply_error(status: int, body: dict[str, Any] | None = None, **kw: Any) -> Reply:
    defaults = {429: RATE_429, 400: DEEPSEEK_400, 422: DEEPSEEK_422}
    body = body or defaults.get(status, SERVER_500)
    headers = kw.pop("headers", {})
    if status == 429:
        headers.setdefault("retry-after-ms", "10")
    return Reply(status=status, body=body, headers=headers, **kw)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes = b""  # the request body exactly as received

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def text(self) -> str:
        """All message contents, joined: what the model was shown."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


class FakeOpenAI:
    """A threaded loopback server; use as a context manager."""

    def __init__(self, script: list[Reply] | None = None, default: Reply | Callable[[Recorded], Reply] | None = None):
        self.script = list(script or [])
        self.default = default
        self.requests: list[Recorded] = []
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests the server held at once
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def add(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def _next(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            if self.script:
                return self.script.pop(0)
        if callable(self.default):
            return self.default(recorded)
        if self.default is not None:
            return self.default
        return reply_error(500, {"error": {"message": "fake server: script exhausted", "type": "server_error"}})

    def __enter__(self) -> "FakeOpenAI":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms delayed-ACK stall

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - /stats, for a server run in another process
                data = json.dumps({"requests": len(fake.requests), "max_in_flight": fake.max_in_flight}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length", 0))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                recorded = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body, raw)
                reply = fake._next(recorded)
                with fake._lock:
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                if reply.delay:
                    time.sleep(reply.delay)
                with fake._lock:
                    fake.in_flight -= 1
                if reply.raw is not None:
                    data = reply.raw
                else:
                    payload = reply.body if reply.body is not None else completion(body.get("model", "fake"), reply)
                    data = json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", reply.content_type)
                    if reply.send_length:
                        self.send_header("content-length", str(len(data)))
                    else:
                        self.send_header("connection", "close")
                        self.close_connection = True
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    if reply.drip:
                        for i in range(0, len(data), reply.drip_bytes):
                            self.wfile.write(data[i:i + reply.drip_bytes])
                            self.wfile.flush()
                            time.sleep(reply.drip)
                    else:
                        view = memoryview(data)
                        for i in range(0, len(data), 1 << 20):
                            self.wfile.write(view[i:i + (1 << 20)])
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass  # the client gave up (timeout and size tests)

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self._server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


_counter = 0


def completion(model: str, reply: Reply) -> dict[str, Any]:
    global _counter
    _counter += 1
    usage = dict(reply.usage)
    usage.setdefault("total_tokens", usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0))
    return {
        "id": f"chatcmpl-fake-{_counter}",
        "object": "chat.completion",
        "created": 1767225600,
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": reply.content},
            "finish_reason": reply.finish_reason,
        }],
        "usage": usage,
    }


def junk_completion(size: int) -> bytes:
    """A chat completion whose content is `size` bytes of malformed JSON: an unterminated string of
    braces (the old extraction tried every brace and read on to the end from each: quadratic)."""
    content = '{"verdict": "' + "{" * max(size - 13, 0)
    return json.dumps(completion("fake", Reply(content=content))).encode()


def main() -> None:
    """Serve one fixed reply in its own process: prints the base URL, runs until stdin closes."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--reply", default='{"ok": true}', help="assistant content (JSON text)")
    parser.add_argument("--junk-mb", type=float, default=0.0, help="reply with this many MB of malformed JSON")
    parser.add_argument("--drip", type=float, default=0.0, help="send the reply one byte every DRIP seconds")
    parser.add_argument("--no-length", action="store_true", help="no Content-Length: the body ends with the connection")
    args = parser.parse_args()
    if args.junk_mb:
        reply = reply_raw(junk_completion(int(args.junk_mb * 10**6)), delay=args.delay, send_length=not args.no_length)
    else:
        reply = reply_content(args.reply, delay=args.delay, drip=args.drip)
    with FakeOpenAI(default=reply) as server:
        print(server.base_url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
