"""What keeps the workbench safe on a reviewer's PC and on an office network.

One ASGI middleware (Guard) runs before every route:

- **Host check.** The Host header must name this server (loopback names, the address it binds, names
  given with --allow-host): a page on another site that rebinds its DNS name to 127.0.0.1 gets 400.
- **Session.** A cookie signed with HMAC-SHA256 under a key drawn at start (never stored), holding the
  CSRF token and whether the browser has logged in; it expires after SESSION_HOURS. Its name carries
  the port, so two workbenches on one PC do not log each other out.
- **Login.** With a password or token (`review serve --password / --token-file`), every request but the
  login page and the static files needs a logged-in session. Only scrypt hashes of the secrets are kept;
  failed attempts are limited per client (LoginLimiter).
- **CSRF.** Every POST carries the session's token (the `X-CSRF-Token` header, or a `csrf` form field),
  compared in constant time; an `Origin` or `Sec-Fetch-Site` saying another site is refused too. Bodies
  are URL-encoded forms of at most MAX_BODY bytes.
- **Read-only.** With --read-only no POST gets through but logging in and out.
- **Headers.** A CSP without inline script or style, frame-ancestors 'none' and X-Frame-Options, no
  referrer, nosniff, and no caching of pages (they hold form data); Server-Timing gives the server's time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable
from urllib.parse import parse_qs, urlencode

SESSION_HOURS = 12
MAX_BODY = 256 * 1024  # a comment, a reason: far below this
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})
PUBLIC_PATHS = ("/login", "/static/", "/favicon.ico")  # reachable before logging in
OPEN_POSTS = ("/login", "/logout")  # the only POSTs a read-only workbench takes
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


def host_name(header: str) -> str:
    """The host of a Host or Origin header, without the port, lower case: [::1]:8765 → ::1."""
    header = header.strip().lower()
    if "://" in header:
        header = header.split("://", 1)[1]
    header = header.split("/", 1)[0]
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def allowed_hosts(bind: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The names a request may address this server by: loopback, the bound address, and `extra`. A
    wildcard bind (0.0.0.0) adds this machine's own names; other names must be given (--allow-host)."""
    names = set(LOOPBACK) | {host_name(h) for h in extra if h.strip()}
    if bind not in WILDCARDS:
        names.add(host_name(bind))
    else:
        import socket

        for name in {socket.gethostname(), socket.getfqdn()}:
            names.add(name.lower())
            try:
                names.update(info[4][0] for info in socket.getaddrinfo(name, None))
            except OSError:
                pass
    return frozenset(names)


# --- the signed session ------------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """JSON payloads signed with HMAC-SHA256 under a key that lives as long as the server."""

    def __init__(self, key: bytes | None = None):
        self._key = key or secrets.token_bytes(32)

    def dumps(self, payload: dict[str, Any]) -> str:
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def loads(self, text: str | None) -> dict[str, Any] | None:
        if not text or text.count(".") != 1:
            return None
        body, signature = text.split(".")
        if not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            payload = json.loads(_unb64(body))
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())


@dataclass
class Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    auth: bool = False
    issued: float = field(default_factory=time.time)
    changed: bool = True  # set the cookie on the response

    def login(self) -> None:
        """A fresh token and start time on logging in (no session fixation)."""
        self.csrf, self.auth, self.issued, self.changed = secrets.token_urlsafe(32), True, time.time(), True

    def logout(self) -> None:
        self.csrf, self.auth, self.changed = secrets.token_urlsafe(32), False, True

    def payload(self) -> dict[str, Any]:
        return {"csrf": self.csrf, "auth": self.auth, "iat": int(self.issued)}

    @classmethod
    def from_payload(cls, payload: dict[str, Any] | None) -> "Session":
        if not payload or not isinstance(payload.get("csrf"), str) or not isinstance(payload.get("iat"), int):
            return cls()
        if time.time() - payload["iat"] > SESSION_HOURS * 3600:
            return cls()
        return cls(payload["csrf"], payload.get("auth") is True, payload["iat"], changed=False)


# --- secrets and login attempts -------------------------------------------------------------------------

def _scrypt(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, n=2 ** 14, r=8, p=1, dklen=32)


class Credentials:
    """The password and tokens a login accepts, kept only as salted scrypt hashes."""

    def __init__(self, given: Iterable[str]):
        self._salt = secrets.token_bytes(16)
        self._hashes = [_scrypt(secret, self._salt) for secret in given if secret]

    def __bool__(self) -> bool:
        return bool(self._hashes)

    def check(self, attempt: str) -> bool:
        digest = _scrypt(attempt, self._salt)
        return any(hmac.compare_digest(digest, known) for known in self._hashes)


class LoginLimiter:
    """At most `attempts` failed logins per client in `window` seconds; then refused until the window
    has passed since the oldest of them."""

    def __init__(self, attempts: int = 5, window: float = 300.0):
        self.attempts, self.window = attempts, window
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def wait(self, client: str) -> int:
        """Seconds this client must wait before trying again (0: may try now)."""
        with self._lock:
            now = time.monotonic()
            recent = [t for t in self._failures.get(client, []) if now - t < self.window]
            self._failures[client] = recent
            return int(self.window - (now - recent[0])) + 1 if len(recent) >= self.attempts else 0

    def failed(self, client: str) -> None:
        with self._lock:
            self._failures.setdefault(client, []).append(time.monotonic())

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


# --- the middleware -----------------------------------------------------------------------------------

@dataclass
class Policy:
    hosts: frozenset[str]
    credentials: Credentials
    signer: Signer
    cookie: str  # the session cookie's name
    read_only: bool = False


class Guard:
    """Host check, session, login, CSRF, read-only and security headers, before any route runs."""

    def __init__(self, app: Callable, policy: Policy):
        self.app, self.policy = app, policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        session = Session.from_payload(self.policy.signer.loads(_cookie(headers.get("cookie", ""), self.policy.cookie)))
        scope.setdefault("state", {})["session"] = session
        send = self._sending(send, session, started)
        refusal = self._refusal(scope, headers, session)
        if refusal is None and scope["method"] not in SAFE_METHODS:
            refusal, receive = await self._check_post(scope, headers, session, receive)
        if refusal is not None:
            await _plain(send, *refusal, json_wanted=_wants_json(headers))
            return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, headers: dict[str, str], session: Session) -> tuple[int, str, str] | None:
        if host_name(headers.get("host", "")) not in self.policy.hosts:
            return 400, "请求的主机名不被允许（Host 检查）。请用启动时显示的地址访问工作台。", ""
        path = scope["path"]
        if self.policy.credentials and not session.auth and not path.startswith(PUBLIC_PATHS):
            if scope["method"] in SAFE_METHODS and not _wants_json(headers):
                target = path + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else "")
                return 303, "请先登录", "/login?" + urlencode({"next": target})
            return 401, "请先登录", ""
        if self.policy.read_only and scope["method"] not in SAFE_METHODS and path not in OPEN_POSTS:
            return 403, "只读模式：不能作出决定或修改得分。", ""
        return None

    async def _check_post(self, scope: Scope, headers: dict[str, str], session: Session,
                          receive: Receive) -> tuple[tuple[int, str, str] | None, Receive]:
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return (403, "拒绝跨站请求。", ""), receive
        origin = headers.get("origin")
        if origin and origin != "null" and origin.split("://", 1)[-1].lower() != headers.get("host", "").lower():
            return (403, "拒绝跨站请求（Origin 与主机不符）。", ""), receive
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                return (413, "请求内容过大。", ""), receive
            if not message.get("more_body"):
                break
        kind = headers.get("content-type", "").split(";")[0].strip()
        if body and kind != "application/x-www-form-urlencoded":
            return (415, "只接受表单提交（application/x-www-form-urlencoded）。", ""), receive
        token = headers.get("x-csrf-token") or _field(body, "csrf")
        if session.changed or not token or not hmac.compare_digest(token, session.csrf):
            return (403, "页面已过期或请求无效（CSRF 校验失败），请刷新页面后重试。", ""), receive
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return None, replay

    def _sending(self, send: Send, session: Session, started: float) -> Send:
        async def sending(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # The server's own time (a browser's developer tools show it; bench/bench_web.py reads it).
                headers.append((b"server-timing", f"app;dur={(time.perf_counter() - started) * 1000:.1f}".encode()))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in present]
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                if session.changed:
                    cookie = (f"{self.policy.cookie}={self.policy.signer.dumps(session.payload())}; Path=/; HttpOnly; "
                              f"SameSite=Strict; Max-Age={SESSION_HOURS * 3600}")
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                message = dict(message, headers=headers)
            await send(message)

        return sending


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _field(body: bytes, name: str) -> str | None:
    try:
        values = parse_qs(body.decode("utf-8"), max_num_fields=200).get(name)
    except (UnicodeDecodeError, ValueError):
        return None
    return values[0] if values else None


def _wants_json(headers: dict[str, str]) -> bool:
    return "application/json" in headers.get("accept", "")


async def _plain(send: Send, status: int, message: str, location: str, json_wanted: bool) -> None:
    """A refusal before any route: JSON for the page's script, a short Chinese page otherwise."""
    if json_wanted:
        body = json.dumps({"ok": False, "message": message}, ensure_ascii=False).encode()
        kind = b"application/json"
    else:
        from html import escape

        body = (f'<!doctype html><meta charset="utf-8"><title>复核工作台</title>'
                f'<p>{escape(message)}</p>').encode()
        kind = b"text/html; charset=utf-8"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    if location:
        headers.append((b"location", location.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


__all__ = ["Guard", "Policy", "Signer", "Session", "Credentials", "LoginLimiter", "allowed_hosts", "host_name",
           "SESSION_HOURS", "CSP"]
