"""Keeping credentials out of everything we keep or show.

A provider's error text may quote the request (some echo the Authorization
header back in a 401), so every text that came from an endpoint passes
through `redact` before it reaches a finding, the database, the cache, a
report or stderr. Credentials written into a base URL
(`http://user:KEY@host/v1`) are taken out of it by `split_credentials`: the
client sends them as HTTP basic auth and only the bare URL is stored.
"""

from __future__ import annotations

import base64
import re
from typing import Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

MASK = "***"
MIN_SECRET = 4  # shorter "keys" would mask ordinary words; such a key protects nothing anyway

# Scheme credentials and key-like tokens, whatever key was configured: the text may hold another one.
_PATTERNS = (
    # Authorization: Bearer xxx / Basic xxx (also when quoted in JSON or a Python repr)
    re.compile(r"(?i)(\b(?:proxy-)?authorization\b[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic|token|digest)\s+)?[^\s\"',;}]+"),
    re.compile(r"(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{4,}"),
    # api_key=…, api-key: …, "apiKey": "…", x-api-key, access_token, password, secret
    re.compile(r"(?i)(\b(?:x-)?(?:api[_-]?key|apikey|access[_-]?token|secret|password|passwd)\b[\"']?\s*[:=]\s*[\"']?)"
               r"[^\s\"',;&}]+"),
    # sk-…, sk-proj-…, key-… style tokens of the major providers
    re.compile(r"\b((?:sk|pk|rk)-(?:[A-Za-z0-9_]+-)*)[A-Za-z0-9_]{8,}"),
    # user:password@ in any URL
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/\s@]+@"),
)


def redact(text: str | None, secrets: Iterable[str | None] = ()) -> str:
    """The text with the given secrets (and their URL-quoted and basic-auth forms) and anything
    credential-shaped replaced by ***."""
    if not text:
        return text or ""
    for secret in secrets:
        for form in _forms(secret):
            text = text.replace(form, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def _forms(secret: str | None) -> list[str]:
    if not secret or len(secret) < MIN_SECRET:
        return []
    forms = {secret, unquote(secret)}
    forms.add(base64.b64encode(secret.encode()).decode())
    return sorted((f for f in forms if len(f) >= MIN_SECRET), key=len, reverse=True)


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """(the URL without user info, user, password); user and password are URL-decoded, None when absent."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None, None
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, hostport, parts.path, parts.query, parts.fragment))
    return clean, unquote(user) or None, unquote(password) if colon else None


def strip_credentials(url: str) -> str:
    """The URL without user info: what may be stored or shown."""
    return split_credentials(url)[0]


def basic_auth(user: str | None, password: str | None) -> str:
    token = base64.b64encode(f"{user or ''}:{password or ''}".encode()).decode()
    return f"Basic {token}"
