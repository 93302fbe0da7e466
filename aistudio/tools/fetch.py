"""SSRF-safe fetching of caller-supplied URLs, and the address rules webhooks reuse.

A tenant hands us a URL; fetched naively, it could reach cloud metadata (169.254.169.254),
admin panels on loopback or hosts on our private network. So, on every hop:

* shape: http(s) only, a host, no userinfo, a real port;
* addresses: every address the host resolves to must be public. One private answer refuses
  the lot, so a record mixing public and private addresses cannot win by ordering;
* pinning: we connect to the address we checked. The URL is rewritten to the IP and the
  original name travels in the Host header and TLS SNI (so virtual hosts and certificate
  checks still work). That closes the DNS-rebinding window between check and connect;
* redirects are followed by hand, each one re-checked; size cap while streaming; one deadline.

Caveat for callers passing a shared `httpx.AsyncClient`: its pool is keyed by the IP, so a
TLS connection opened for one name can be reused for another name on the same IP. That is
no SSRF risk (the address was checked) but fetch_url uses its own client unless given one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import AsyncIterator, Collection
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from aistudio.errors import InputError, MediaTooLarge, UnsafeURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_URL_CHARS = 4096
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
# NAT64 gateways translate 64:ff9b::a.b.c.d to IPv4 a.b.c.d, private ranges included.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# What an IDNA-encoded name or an IP literal may contain (no %-escapes, no IPv6 zone ids).
_HOST_CHARS = re.compile(r"[A-Za-z0-9._:-]+")
# One part of an inet_aton address: 0x-hex, 0-octal or decimal (libc and browsers accept all).
_LEGACY_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")


@dataclass(frozen=True)
class Fetched:
    data: bytes
    content_type: str
    final_url: str


def check_url_shape(url: str, *, allow_http: bool = True, label: str = "URL") -> httpx.URL:
    """Parse `url` and refuse anything but a plain http(s) URL with a host."""
    if len(url) > _MAX_URL_CHARS:
        raise UnsafeURL(f"{label} is longer than {_MAX_URL_CHARS} characters")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        # httpx refuses e.g. "0177.0.0.1" as a malformed IPv4 address: refused either way.
        raise UnsafeURL(f"{label} is not a valid URL ({exc})") from exc
    schemes = ("http", "https") if allow_http else ("https",)
    if parsed.scheme not in schemes:
        scheme = parsed.scheme or "(none)"
        raise UnsafeURL(f"{label} scheme {scheme!r} is not allowed; use {' or '.join(schemes)}")
    if not parsed.raw_host:
        raise UnsafeURL(f"{label} has no host")
    if not _HOST_CHARS.fullmatch(parsed.raw_host.decode("ascii")):
        raise UnsafeURL(f"{label} host {parsed.host!r} is not a valid host name")
    if parsed.userinfo:
        raise UnsafeURL(f"{label} must not contain a user name or password")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise UnsafeURL(f"{label} port {parsed.port} is out of range")
    return parsed


def _parse_legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Read host the way inet_aton does: "2130706433", "0177.0.0.1", "0x7f.1" all mean 127.0.0.1.

    Names like these never reach DNS (libc treats them as numbers), so we must judge them as
    the address they denote, not as a name.
    """
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":  # a trailing dot: "127.0.0.1."
        parts.pop()
    if not 1 <= len(parts) <= 4 or not all(_LEGACY_PART.fullmatch(p) for p in parts):
        return None
    values = [
        int(p[2:] or "0", 16) if p[:2].lower() == "0x" else int(p, 8 if p.startswith("0") else 10)
        for p in parts
    ]
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (5 - len(values)):
        return None
    number = last
    for index, value in enumerate(head):
        number += value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def literal_ip(host: str) -> IPAddress | None:
    """The address a literal host denotes (any notation), or None for a DNS name."""
    bare = host.strip().removeprefix("[").removesuffix("]")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        return _parse_legacy_ipv4(bare)


def refusal_reason(ip: IPAddress) -> str | None:
    """Why we will not connect to `ip` (e.g. "a private address"), or None if it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv6 forms that carry an IPv4 address reach that IPv4 host: judge the inner one.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and (inner := refusal_reason(embedded)) is not None:
            return inner
    checks: list[tuple[bool, str]] = [
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address (cloud metadata lives here)"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_private, "a private address"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT, "a shared (CGNAT) address"),
        (ip.is_reserved, "a reserved address"),
        (not ip.is_global, "a non-public address"),
    ]
    return next((reason for refused, reason in checks if refused), None)


def _is_allowed(host: str, port: int, allow_hosts: Collection[str]) -> bool:
    if not allow_hosts:
        return False
    allowed = {entry.strip().lower() for entry in allow_hosts}
    # "[::1]" and "::1" name the same host ("[::1]:443" keeps its brackets).
    allowed |= {entry[1:-1] for entry in allowed if entry.startswith("[") and entry.endswith("]")}
    names = {host.lower()}
    if (ip := literal_ip(host)) is not None:
        names.add(str(ip))
    candidates = set(names)
    for name in names:
        candidates.add(f"[{name}]:{port}" if ":" in name else f"{name}:{port}")
    return not allowed.isdisjoint(candidates)


async def resolve_public(
    host: str, port: int, *, allow_hosts: Collection[str] = (), label: str = "URL"
) -> list[str]:
    """Resolve `host`; refuse if any address is non-public, unless host or host:port is allowed.

    Returns the addresses (strings) to connect to, in resolver order.
    """
    host = host.strip().removeprefix("[").removesuffix("]")
    literal = literal_ip(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
        except (socket.gaierror, UnicodeError) as exc:
            raise InputError(f"{label} host {host} could not be resolved ({exc})") from exc
        addresses = []
        for info in infos:
            ip = ipaddress.ip_address(info[4][0])
            if ip not in addresses:
                addresses.append(ip)
        if not addresses:
            raise InputError(f"{label} host {host} has no addresses")
    if not _is_allowed(host, port, allow_hosts):
        for ip in addresses:
            if (reason := refusal_reason(ip)) is not None:
                who = label if literal is not None else f"{label} host {host}"
                raise UnsafeURL(f"{who} resolves to {ip}, {reason}")
    return [str(ip) for ip in addresses]


def pin_request(url: httpx.URL, ip: str) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
    """Target `ip` while keeping the URL's name for the Host header and TLS (SNI + cert check)."""
    target = url.copy_with(host=ip)
    headers = {"Host": url.netloc.decode("ascii")}
    extensions: dict[str, Any] = {}
    if url.scheme == "https":
        extensions["sni_hostname"] = url.raw_host.decode("ascii")
    return target, headers, extensions


@asynccontextmanager
async def open_pinned(
    client: httpx.AsyncClient,
    method: str,
    url: httpx.URL,
    addresses: list[str],
    *,
    timeout_s: float,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> AsyncIterator[httpx.Response]:
    """Send to the first checked address that accepts a connection; yield the streamed response.

    Redirects are never followed here: callers re-check every Location themselves.
    """
    last_error: httpx.ConnectError | None = None
    for ip in addresses:
        target, pinned_headers, extensions = pin_request(url, ip)
        request = client.build_request(
            method,
            target,
            headers={**(headers or {}), **pinned_headers},
            content=content,
            extensions=extensions,
            timeout=timeout_s,
        )
        try:
            response = await client.send(request, stream=True, follow_redirects=False)
        except httpx.ConnectError as exc:
            last_error = exc  # e.g. "localhost" gave ::1 first but only 127.0.0.1 listens
            continue
        try:
            yield response
        finally:
            await response.aclose()
        return
    if last_error is None:
        raise InputError(f"no address to connect to for {url.host}")
    raise last_error


async def _read_capped(response: httpx.Response, max_bytes: int, label: str) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise MediaTooLarge(f"{label} is {int(declared)} bytes, over the {max_bytes}-byte limit")
    # Chunked or lying servers: count what actually arrives (decoded, so gzip bombs count too).
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise MediaTooLarge(f"{label} is larger than the {max_bytes}-byte limit")
    return bytes(body)


async def _fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int,
    timeout_s: float,
    allow_hosts: Collection[str],
    max_redirects: int,
    label: str,
) -> Fetched:
    current = check_url_shape(url, label=label)
    for _hop in range(max_redirects + 1):
        port = current.port or DEFAULT_PORTS[current.scheme]
        addresses = await resolve_public(
            current.raw_host.decode("ascii"), port, allow_hosts=allow_hosts, label=label
        )
        async with open_pinned(
            client,
            "GET",
            current,
            addresses,
            timeout_s=timeout_s,
            headers={"Accept-Encoding": "identity"},
        ) as response:
            if response.has_redirect_location:
                # Resolve relative Locations against the name, never against the pinned IP.
                # (httpx already refused an unparseable Location with RemoteProtocolError.)
                location = current.join(response.headers["location"])
                current = check_url_shape(str(location), label=label)
                continue
            if not response.is_success:
                raise InputError(f"{label} returned HTTP {response.status_code}")
            data = await _read_capped(response, max_bytes, label)
            media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            return Fetched(
                data=data,
                content_type=media_type or "application/octet-stream",
                final_url=str(current),
            )
    raise InputError(f"{label} redirected more than {max_redirects} times")


async def fetch_url(
    url: str,
    *,
    max_bytes: int,
    timeout_s: float,
    allow_hosts: Collection[str] = (),
    max_redirects: int = 3,
    client: httpx.AsyncClient | None = None,
    label: str = "URL",
) -> Fetched:
    """Download `url` with the SSRF checks above; every failure is an InputError subclass.

    `label` names the URL in messages ("reference_image_url resolves to 10.0.0.5, ...").
    """
    try:
        async with asyncio.timeout(timeout_s), AsyncExitStack() as stack:
            # One deadline covers DNS, every hop and the body.
            if client is None:
                # trust_env=False: a proxy from the environment would do its own DNS and so
                # undo the pinning.
                client = await stack.enter_async_context(httpx.AsyncClient(trust_env=False))
            return await _fetch(
                client,
                url,
                max_bytes=max_bytes,
                timeout_s=timeout_s,
                allow_hosts=allow_hosts,
                max_redirects=max_redirects,
                label=label,
            )
    except (TimeoutError, httpx.TimeoutException) as exc:
        raise InputError(f"{label} fetch timed out after {timeout_s:g}s") from exc
    except httpx.RequestError as exc:  # connect/TLS/protocol/decoding failures
        raise InputError(f"{label} could not be fetched ({type(exc).__name__}: {exc})") from exc
