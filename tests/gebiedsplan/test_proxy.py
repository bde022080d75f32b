"""Request bodies are limited before they are read, by uvicorn's app and by the nginx
proxy of docker-compose (deploy/nginx.conf, run here as committed), and the proxy passes
event streams unbuffered.

Servers listen on 127.0.0.1:18121 (uvicorn) and 127.0.0.1:18122 (nginx) only.
"""

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

UVICORN_PORT = 18121
NGINX_PORT = 18122
APP_LIMIT = 2 * 1024 * 1024  # IMPORT_MAX_BYTES of the uvicorn process below
MARGIN = 256 * 1024


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server on {port} exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listens on {port}:\n{log.read_text(errors='replace')[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def uvicorn_server(tmp_path_factory):
    log = tmp_path_factory.mktemp("uvicorn") / "uvicorn.log"
    env = {
        **os.environ,
        "IMPORT_MAX_BYTES": str(APP_LIMIT),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "gebiedsplan.settings",
    }
    process = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "tests.gebiedsplan.proxy_app:application",
            "--host", "127.0.0.1", "--port", str(UVICORN_PORT), "--no-access-log",
        ],
        cwd=REPO_ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    wait_for_port(UVICORN_PORT, process, log)
    yield UVICORN_PORT
    stop(process)


def nginx_binary() -> str | None:
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )


def proxy_config(tmp: Path) -> str:
    """deploy/nginx.conf with only its "test:" lines pointed at this machine."""
    text = (REPO_ROOT / "deploy/nginx.conf").read_text()
    replacements = {
        "pid": f"pid {tmp}/nginx.pid;",
        "error_log": f"error_log {tmp}/error.log warn;",
        "upstream": f"server 127.0.0.1:{UVICORN_PORT};",
        "listen": f"listen 127.0.0.1:{NGINX_PORT};",
    }
    lines = []
    for line in text.splitlines():
        match = re.search(r"#\s*test:\s*(\w+)", line)
        if match:
            indent = line[: len(line) - len(line.lstrip())]
            key = match.group(1)
            if key == "temp":
                directive = line.split()[0]
                line = f"{indent}{directive} {tmp}/{directive};"
            else:
                line = indent + replacements[key]
        lines.append(line)
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def nginx_server(uvicorn_server, tmp_path_factory):
    binary = nginx_binary()
    tmp = tmp_path_factory.mktemp("nginx")
    conf = tmp / "nginx.conf"
    conf.write_text(proxy_config(tmp))
    log = tmp / "nginx.out"
    checked = subprocess.run(
        [binary, "-t", "-c", str(conf), "-p", str(tmp)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    # As root, workers run as root here so they may write the test's temporary folder.
    user = "user root;" if os.geteuid() == 0 else ""
    process = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(tmp), "-g", f"daemon off; {user}"],
        stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    wait_for_port(NGINX_PORT, process, log)
    yield NGINX_PORT
    stop(process)


def http(port: int, head: str, body: bytes = b"", *, timeout: float = 30) -> tuple[int, str]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(head.encode() + body)
        return read_response(conn)


def read_response(conn: socket.socket) -> tuple[int, str]:
    data = b""
    while True:
        try:
            chunk = conn.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
        if b"\r\n\r\n" in data:
            head, _, rest = data.partition(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if length and len(rest) >= int(length.group(1)):
                break
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data.decode("utf-8", "replace")


def post_chunked(port: int, total: int, chunk: int = 64 * 1024) -> tuple[int, str, int]:
    """POST a chunked body of `total` bytes, stopping when the server answers."""
    head = (
        "POST /inloggen/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    piece = f"{chunk:x}\r\n".encode() + b"x" * chunk + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(head.encode())
        try:
            while sent < total:
                readable, _, _ = select.select([conn], [], [], 0)
                if readable:
                    break
                conn.sendall(piece)
                sent += chunk
            else:
                conn.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        status, text = read_response(conn)
    return status, text, sent


class TestUvicorn:
    def test_a_declared_length_over_the_limit_is_refused_unread(self, uvicorn_server):
        head = (
            "POST /inloggen/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1500000000\r\n\r\n"
        )
        status, text = http(uvicorn_server, head)  # not one byte of the body is sent
        assert status == 413
        assert "Bestand te groot" in text and "groter dan 2 MB" in text

    def test_the_refusal_speaks_the_visitors_language(self, uvicorn_server):
        head = (
            "POST /inloggen/ HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: django_language=en\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1500000000\r\n\r\n"
        )
        status, text = http(uvicorn_server, head)
        assert status == 413
        assert "Bestand te groot" not in text and 'lang="en"' in text

    def test_a_chunked_body_over_the_limit_is_cut_off(self, uvicorn_server):
        total = 200 * 1024 * 1024
        status, text, sent = post_chunked(uvicorn_server, total=total)
        assert status == 413
        assert "Bestand te groot" in text
        # Read past the limit only to discard a bounded rest (DRAIN_MAX), then answered.
        assert sent < total

    def test_a_body_under_the_limit_reaches_the_platform(self, uvicorn_server):
        status, text, _ = post_chunked(uvicorn_server, total=APP_LIMIT // 2)
        assert status == 403  # Django's CSRF check answered: the body went through

    def test_pages_are_served(self, uvicorn_server):
        status, text = http(
            uvicorn_server,
            "GET /inloggen/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        )
        assert status == 200 and "Inloggen" in text


def read_events(port: int, path: str) -> list[str]:
    """Read the stream; after the first event, release the second. Deadlocks (and times
    out) if the proxy holds the first event back."""
    events = []
    with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
        conn.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        data = b""
        released = False
        while len(events) < 2:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
            events = re.findall(rb"data: (\w+)", data)
            events = [e.decode() for e in events]
            if events and not released:
                http(port, "GET /release/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                released = True
    return events


@pytest.mark.nginx
class TestNginx:
    def test_the_committed_config_is_valid_for_debian_nginx(self, nginx_server):
        assert "client_max_body_size 41m;" in (REPO_ROOT / "deploy/nginx.conf").read_text()

    def test_an_oversized_body_gets_413_from_the_proxy(self, nginx_server):
        head = (
            "POST /cijfers/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 45000000\r\n\r\n"
        )
        status, text = http(nginx_server, head)
        assert status == 413
        assert "Bestand te groot" in text and 'lang="nl"' in text

    def test_an_oversized_chunked_body_gets_413_from_the_proxy(self, nginx_server):
        status, text, sent = post_chunked(nginx_server, total=60 * 1024 * 1024, chunk=1024 * 1024)
        assert status == 413
        assert "Bestand te groot" in text

    def test_under_the_proxy_limit_the_platforms_own_limit_holds(self, nginx_server):
        status, text, _ = post_chunked(nginx_server, total=3 * 1024 * 1024)
        assert status == 413
        assert "groter dan 2 MB" in text  # the platform's page, through the proxy

    def test_pages_pass_through(self, nginx_server):
        status, text = http(
            nginx_server, "GET /inloggen/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        assert status == 200 and "Inloggen" in text

    def test_live_event_streams_are_not_buffered(self, nginx_server):
        assert read_events(nginx_server, "/live/stream/") == ["first", "second"]

    def test_a_stream_that_says_x_accel_buffering_no_is_not_buffered(self, nginx_server):
        assert read_events(nginx_server, "/stream-with-header/") == ["first", "second"]


class TestTheAppNeverSeesMoreThanTheLimit:
    """The wrapped app (Django, which spools what it reads to disk) gets at most the limit."""

    def run(self, messages, headers=()):
        import asyncio

        from gebiedsplan.asgi_limits import BodySizeLimitMiddleware, body_limit

        seen = {"bytes": 0, "called": False}
        sent = []

        async def inner(scope, receive, send):
            seen["called"] = True
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return  # Django: RequestAborted, no answer
                seen["bytes"] += len(message["body"])
                if not message.get("more_body"):
                    break
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        queue = list(messages)

        async def receive():
            return queue.pop(0) if queue else {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/", "headers": list(headers)}
        # In a thread of its own: Playwright's sync API may own this thread's event loop.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(
                lambda: asyncio.run(BodySizeLimitMiddleware(inner)(scope, receive, send))
            ).result(timeout=30)
        return seen, sent, body_limit()

    def test_a_chunked_body_is_cut_off_at_the_limit(self, settings):
        settings.IMPORT_MAX_BYTES = 1024 * 1024
        chunk = {"type": "http.request", "body": b"x" * 65536, "more_body": True}
        seen, sent, limit = self.run([dict(chunk) for _ in range(100)])
        assert seen["bytes"] <= limit
        assert sent[0]["status"] == 413

    def test_a_declared_length_over_the_limit_never_reaches_the_app(self, settings):
        settings.IMPORT_MAX_BYTES = 1024 * 1024
        seen, sent, _ = self.run([], headers=[(b"content-length", b"1500000000")])
        assert not seen["called"]
        assert sent[0]["status"] == 413

    def test_a_body_under_the_limit_is_passed_on_whole(self, settings):
        settings.IMPORT_MAX_BYTES = 1024 * 1024
        seen, sent, _ = self.run(
            [{"type": "http.request", "body": b"x" * 1000, "more_body": False}]
        )
        assert seen["bytes"] == 1000
        assert sent[0]["status"] == 200
