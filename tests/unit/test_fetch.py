"""SSRF-safe fetch against real loopback servers: allowed by allow-list, refused otherwise."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from aistudio.errors import InputError, MediaTooLarge, UnsafeURL
from aistudio.tools.fetch import (
    check_url_shape,
    fetch_url,
    literal_ip,
    pin_request,
    refusal_reason,
    resolve_public,
)
from tests.unit._loopback import LoopbackHTTP, Reply, replies

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
KIB = 1024


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def localhost_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate valid for the name "localhost" only (no IP address SAN)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    new_key = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    subject = ("-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost")
    files = ("-keyout", str(key), "-out", str(cert))
    subprocess.run(
        [openssl, "req", "-x509", "-days", "1", *new_key, *subject, *files],
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_https_pins_the_ip_but_sends_sni_and_checks_the_cert_for_the_name(
    localhost_cert: tuple[Path, Path],
) -> None:
    cert, key = localhost_cert
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    sni_seen: list[str | None] = []

    def record_sni(_sock: object, name: str | None, _ctx: ssl.SSLContext) -> None:
        sni_seen.append(name)

    server_tls.sni_callback = record_sni
    client_tls = ssl.create_default_context(cafile=str(cert))
    async with (
        LoopbackHTTP(replies(Reply(body=PNG)), tls=server_tls) as server,
        httpx.AsyncClient(verify=client_tls) as client,
    ):
        got = await fetch_url(
            f"https://localhost:{server.port}/a.png",
            max_bytes=KIB,
            timeout_s=5,
            allow_hosts=("localhost",),
            client=client,
        )
        assert got.data == PNG
        assert sni_seen == ["localhost"]
        assert server.requests[0].headers["host"] == f"localhost:{server.port}"
        # The certificate does not cover the bare IP: proof the check above used the name.
        with pytest.raises(InputError, match="could not be fetched"):
            await fetch_url(
                server.url("/a.png"),
                max_bytes=KIB,
                timeout_s=5,
                allow_hosts=(server.netloc,),
                client=client,
            )


async def test_happy_path_with_allow_listed_loopback() -> None:
    reply = Reply(headers={"Content-Type": "image/PNG; charset=binary"}, body=PNG)
    async with LoopbackHTTP(replies(reply)) as server:
        got = await fetch_url(
            server.url("/a.png?x=1"), max_bytes=KIB, timeout_s=5, allow_hosts=(server.netloc,)
        )
    assert got.data == PNG
    assert got.content_type == "image/png"
    assert got.final_url == server.url("/a.png?x=1")
    seen = server.requests[0]
    assert (seen.method, seen.path, seen.headers["host"]) == ("GET", "/a.png?x=1", server.netloc)


async def test_allow_list_by_bare_host_and_name_is_kept_in_host_header() -> None:
    # "localhost" resolves via /etc/hosts; we connect to the checked IP, Host keeps the name.
    async with LoopbackHTTP(replies(Reply(body=b"ok"))) as server:
        url = f"http://localhost:{server.port}/x"
        got = await fetch_url(url, max_bytes=KIB, timeout_s=5, allow_hosts=("LOCALHOST",))
    assert got.data == b"ok"
    assert server.requests[0].headers["host"] == f"localhost:{server.port}"


async def test_relative_redirect_within_allowed_host_is_followed() -> None:
    handler = replies(Reply(302, {"Location": "/final.png"}), Reply(body=PNG))
    async with LoopbackHTTP(handler) as server:
        got = await fetch_url(
            server.url("/start"), max_bytes=KIB, timeout_s=5, allow_hosts=(server.netloc,)
        )
    assert got.final_url == server.url("/final.png")
    assert [s.path for s in server.requests] == ["/start", "/final.png"]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1/", "127.0.0.1, a loopback"),
        ("http://10.0.0.1/", "10.0.0.1, a private"),
        ("http://192.168.1.1/", "192.168.1.1, a private"),
        ("http://172.16.0.1/", "172.16.0.1, a private"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, a link-local"),
        ("http://[::1]:8080/", "::1, a loopback"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1, a loopback"),
        ("http://[::ffff:169.254.169.254]/", "link-local"),
        ("http://[64:ff9b::a00:1]/", "a private"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fc00::1]/", "a private"),
        ("http://2130706433/", "127.0.0.1, a loopback"),
        ("http://0x7f.1/", "127.0.0.1, a loopback"),
        ("http://0x7f000001/", "127.0.0.1, a loopback"),
        ("http://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://0/", "0.0.0.0, an unspecified"),
        ("http://100.64.0.1/", "CGNAT"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "240.0.0.1, a"),
        ("http://localhost/", "resolves to"),
        ("https://127.0.0.1./", "loopback"),
    ],
)
async def test_non_public_addresses_are_refused(url: str, shown: str) -> None:
    with pytest.raises(UnsafeURL) as info:
        await fetch_url(url, max_bytes=KIB, timeout_s=5, label="reference_image_url")
    assert info.value.message.startswith("reference_image_url ")
    assert shown in info.value.message
    assert info.value.http_status == 422


async def test_octal_notation_is_refused_whichever_layer_sees_it() -> None:
    # httpx itself rejects "0177.0.0.1"; resolve_public also reads it as 127.0.0.1.
    with pytest.raises(UnsafeURL):
        await fetch_url("http://0177.0.0.1/", max_bytes=KIB, timeout_s=5)
    with pytest.raises(UnsafeURL, match=r"127\.0\.0\.1, a loopback"):
        await resolve_public("0177.0.0.1", 80)
    assert literal_ip("0177.0.0.1") == ipaddress.ip_address("127.0.0.1")
    assert literal_ip("017700000001") == ipaddress.ip_address("127.0.0.1")
    assert literal_ip("example.com") is None
    assert literal_ip("1.2.3.4.5") is None
    assert literal_ip("256.1.1.1") is None
    assert literal_ip("08.1.1.1") is None  # 08 is not octal: a (bad) name, left to DNS


async def test_resolve_public_allow_list_forms() -> None:
    assert await resolve_public("127.0.0.1", 81, allow_hosts=("127.0.0.1:81",)) == ["127.0.0.1"]
    assert await resolve_public("::1", 81, allow_hosts=("[::1]:81",)) == ["::1"]
    assert await resolve_public("[::1]", 81, allow_hosts=("::1",)) == ["::1"]
    assert await resolve_public("::1", 81, allow_hosts=("[::1]",)) == ["::1"]
    assert await resolve_public("2130706433", 81, allow_hosts=("127.0.0.1",)) == ["127.0.0.1"]
    with pytest.raises(UnsafeURL):
        await resolve_public("127.0.0.1", 82, allow_hosts=("127.0.0.1:81",))
    assert await resolve_public("8.8.8.8", 443) == ["8.8.8.8"]
    assert refusal_reason(ipaddress.ip_address("2606:4700::1111")) is None
    assert refusal_reason(ipaddress.ip_address("2002:a00:1::")) == "a private address"  # 6to4


async def test_unresolvable_host_is_an_input_error() -> None:
    with pytest.raises(InputError, match="could not be resolved") as info:
        await resolve_public("no-such-host.invalid", 80)
    assert not isinstance(info.value, UnsafeURL)


async def test_redirect_to_metadata_is_refused_on_the_hop() -> None:
    handler = replies(Reply(302, {"Location": "http://169.254.169.254/latest/meta-data/"}))
    async with LoopbackHTTP(handler) as server:
        with pytest.raises(UnsafeURL, match=r"169\.254\.169\.254"):
            await fetch_url(server.url(), max_bytes=KIB, timeout_s=5, allow_hosts=(server.netloc,))
    assert len(server.requests) == 1


async def test_redirect_to_other_loopback_port_is_refused_on_the_hop() -> None:
    async with LoopbackHTTP(replies(Reply(body=b"secret"))) as inner:
        handler = replies(Reply(301, {"Location": inner.url("/admin")}))
        async with LoopbackHTTP(handler) as outer:
            with pytest.raises(UnsafeURL, match="loopback"):
                await fetch_url(
                    outer.url(), max_bytes=KIB, timeout_s=5, allow_hosts=(outer.netloc,)
                )
    assert inner.requests == []


async def test_redirect_to_bad_scheme_and_too_many_redirects() -> None:
    async with LoopbackHTTP(replies(Reply(302, {"Location": "file:///etc/passwd"}))) as server:
        with pytest.raises(UnsafeURL, match="scheme 'file'"):
            await fetch_url(server.url(), max_bytes=KIB, timeout_s=5, allow_hosts=(server.netloc,))
    async with LoopbackHTTP(replies(Reply(302, {"Location": "/again"}))) as server:
        with pytest.raises(InputError, match="redirected more than 2 times"):
            await fetch_url(
                server.url(),
                max_bytes=KIB,
                timeout_s=5,
                allow_hosts=(server.netloc,),
                max_redirects=2,
            )
    assert len(server.requests) == 3


async def test_invalid_redirect_location_is_refused() -> None:
    async with LoopbackHTTP(replies(Reply(302, {"Location": "http://[::1"}))) as server:
        with pytest.raises(InputError, match="Invalid URL in location header"):
            await fetch_url(server.url(), max_bytes=KIB, timeout_s=5, allow_hosts=(server.netloc,))


async def test_undecodable_body_is_an_input_error() -> None:
    reply = Reply(headers={"Content-Encoding": "gzip"}, body=b"not gzip at all")
    async with LoopbackHTTP(replies(reply)) as server:
        with pytest.raises(InputError, match="could not be fetched"):
            await fetch_url(server.url(), max_bytes=KIB, timeout_s=5, allow_hosts=(server.netloc,))


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body=b"x" * 5000),  # honest Content-Length
        Reply(body=b"x" * 5000, chunked=True),  # no length, chunked
        Reply(body=b"x" * 5000, close_delimited=True),  # no length, ends at close
        Reply(body=b"x" * 10, headers={"Content-Length": "999999"}),  # refused from the header
    ],
    ids=["content-length", "chunked", "close-delimited", "declared-only"],
)
async def test_too_large_bodies(reply: Reply) -> None:
    async with LoopbackHTTP(replies(reply)) as server:
        with pytest.raises(MediaTooLarge) as info:
            await fetch_url(
                server.url(), max_bytes=4 * KIB, timeout_s=5, allow_hosts=(server.netloc,)
            )
    assert info.value.http_status == 413
    assert "4096-byte limit" in info.value.message


async def test_body_at_exactly_the_cap_is_accepted() -> None:
    async with LoopbackHTTP(replies(Reply(body=b"x" * 4096, chunked=True))) as server:
        got = await fetch_url(
            server.url(), max_bytes=4 * KIB, timeout_s=5, allow_hosts=(server.netloc,)
        )
    assert len(got.data) == 4096


@pytest.mark.parametrize(
    "reply",
    [Reply(body=PNG, delay_s=10), Reply(body=b"x" * 3000, chunked=True, stall_s=10)],
    ids=["slow-headers", "stalled-body"],
)
async def test_slow_server_times_out(reply: Reply) -> None:
    async with LoopbackHTTP(replies(reply)) as server:
        started = time.monotonic()
        with pytest.raises(InputError, match=r"timed out after 0\.3s"):
            await fetch_url(
                server.url(), max_bytes=64 * KIB, timeout_s=0.3, allow_hosts=(server.netloc,)
            )
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("status", [500, 404, 304])
async def test_non_2xx_is_an_input_error(status: int) -> None:
    async with LoopbackHTTP(replies(Reply(status, body=b"boom"))) as server:
        with pytest.raises(InputError, match=f"returned HTTP {status}"):
            await fetch_url(server.url(), max_bytes=KIB, timeout_s=5, allow_hosts=(server.netloc,))


async def test_connection_refused_is_an_input_error(closed_port: int) -> None:
    netloc = f"127.0.0.1:{closed_port}"
    with pytest.raises(InputError, match="could not be fetched"):
        await fetch_url(f"http://{netloc}/", max_bytes=KIB, timeout_s=5, allow_hosts=(netloc,))


async def test_caller_supplied_client_is_used_and_left_open() -> None:
    async with LoopbackHTTP(replies(Reply(body=b"ok"))) as server, httpx.AsyncClient() as client:
        got = await fetch_url(
            server.url(), max_bytes=KIB, timeout_s=5, allow_hosts=(server.netloc,), client=client
        )
        assert got.data == b"ok"
        assert not client.is_closed


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.com/a.png", "scheme 'ftp'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("gopher://example.com/", "scheme 'gopher'"),
        ("example.com/a.png", "scheme"),
        ("http:///a.png", "no host"),
        ("http://user:pass@example.com/a.png", "user name or password"),
        ("http://user@example.com/a.png", "user name or password"),
        ("http://example.com:0/", "port 0"),
        ("http://example.com:99999/", "port 99999"),
        ("http://exa mple.com/", "not a valid host name"),
        ("http://[fe80::1%25eth0]/", "not a valid"),
        ("https://example.com/" + "a" * 5000, "longer than"),
    ],
)
def test_bad_shapes_are_refused(url: str, why: str) -> None:
    with pytest.raises(UnsafeURL, match=why):
        check_url_shape(url)


def test_shape_check_returns_url_and_can_require_https() -> None:
    parsed = check_url_shape("https://Example.COM/a.png")
    assert isinstance(parsed, httpx.URL)
    assert parsed.host == "example.com"
    with pytest.raises(UnsafeURL, match="use https"):
        check_url_shape("http://example.com/", allow_http=False)


def test_pinning_rewrites_to_ip_and_keeps_name_for_host_and_sni() -> None:
    target, headers, extensions = pin_request(httpx.URL("https://bücher.example:8443/p?q=1"), "::1")
    assert str(target) == "https://[::1]:8443/p?q=1"
    assert headers == {"Host": "xn--bcher-kva.example:8443"}
    assert extensions == {"sni_hostname": "xn--bcher-kva.example"}
    _, headers, extensions = pin_request(httpx.URL("http://example.com/"), "93.184.215.14")
    assert headers == {"Host": "example.com"}
    assert extensions == {}
