"""Fixtures for the Python client tests of Cognate, a Cognito-compatible identity service.

Each server is the real `cognate` binary started on 127.0.0.1:0 with its own data
directory (SQLite) or its own PostgreSQL schema, so tests never share state across
servers. The main fixtures are parametrised over both storage backends; the
PostgreSQL half needs COGNATE_TEST_PG_URL and is skipped (with the reason) without it.
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials
import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
COGNATE_BIN = Path(os.environ.get("COGNATE_BIN") or REPO_ROOT / "target" / "debug" / "cognate")

ADMIN_ACCESS_KEY_ID = "AKIDPYTEST"
ADMIN_SECRET_ACCESS_KEY = "pytest-secret"
REGION = "us-east-1"

START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10
LISTEN_PREFIX = "cognate listening on "

PG_URL_ENV = "COGNATE_TEST_PG_URL"
BACKENDS = ["sqlite", "postgres"]

# Fail fast instead of retrying: a retried request hides server errors and slows the suite.
BOTO_CONFIG = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})


_SESSION: boto3.session.Session | None = None


def _boto_session() -> boto3.session.Session:
    # One session for the whole run: building a session reloads the service models (~0.3 s).
    global _SESSION
    if _SESSION is None:
        _SESSION = boto3.session.Session()
    return _SESSION


def pg_url() -> str | None:
    return os.environ.get(PG_URL_ENV) or None


def _psql(url: str, sql: str) -> None:
    subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    )


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-c%20search_path%3D{schema}"


class CognateServer:
    """One `cognate serve` process; `restart()` keeps its data dir and database."""

    def __init__(
        self,
        backend: str,
        data_dir: Path,
        *,
        admin_keys: bool = True,
        config_text: str | None = None,
        env: dict[str, str] | None = None,
    ):
        self.backend = backend
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.admin_keys = admin_keys
        self.extra_env = dict(env or {})
        self.config_path: Path | None = None
        if config_text is not None:
            self.write_config(config_text)
        self.database: str | None = None
        self.schema: str | None = None
        if backend == "postgres":
            url = pg_url()
            assert url, f"{PG_URL_ENV} must be set for the postgres backend"
            self.schema = f"t_{uuid.uuid4().hex}"
            _psql(url, f"CREATE SCHEMA {self.schema}")
            self.database = _with_search_path(url, self.schema)
        self.proc: subprocess.Popen | None = None
        self.url: str = ""
        self.starts = 0
        self.start()

    # -- lifecycle -----------------------------------------------------------

    def write_config(self, text: str) -> None:
        self.config_path = self.data_dir.parent / f"{self.data_dir.name}-config.toml"
        self.config_path.write_text(text)

    def _command(self) -> list[str]:
        cmd = [str(COGNATE_BIN), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(self.data_dir)]
        if self.database:
            cmd += ["--database", self.database]
        if self.config_path:
            cmd += ["--config", str(self.config_path)]
        return cmd

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COGNATE_")}
        env.setdefault("RUST_BACKTRACE", "1")
        if self.admin_keys:
            env["COGNATE_ADMIN_ACCESS_KEY_ID"] = ADMIN_ACCESS_KEY_ID
            env["COGNATE_ADMIN_SECRET_ACCESS_KEY"] = ADMIN_SECRET_ACCESS_KEY
        env.update(self.extra_env)
        return env

    def stderr_text(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def start(self) -> None:
        assert COGNATE_BIN.exists(), (
            f"cognate binary not found at {COGNATE_BIN}; run `cargo build --bin cognate` or set COGNATE_BIN"
        )
        self.starts += 1
        self.stderr_path = self.data_dir.parent / f"{self.data_dir.name}-stderr-{self.starts}.log"
        stderr = open(self.stderr_path, "wb")
        try:
            self.proc = subprocess.Popen(
                self._command(),
                stdout=subprocess.PIPE,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                env=self._env(),
            )
        finally:
            stderr.close()
        line = self._read_listen_line()
        assert line.startswith(LISTEN_PREFIX), f"unexpected first stdout line {line!r}"
        self.url = line[len(LISTEN_PREFIX):].strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url
        # Keep draining stdout so the server can never block on a full pipe.
        threading.Thread(target=self._drain_stdout, daemon=True).start()

    def _read_listen_line(self) -> str:
        assert self.proc and self.proc.stdout
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        buf = b""
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            while b"\n" not in buf:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.proc.kill()
                    self.proc.wait()
                    pytest.fail(
                        f"cognate did not print its listen line within {START_TIMEOUT_S}s; "
                        f"stdout so far {buf!r}; stderr:\n{self.stderr_text()}"
                    )
                if sel.select(timeout=min(remaining, 0.5)):
                    chunk = os.read(self.proc.stdout.fileno(), 4096)
                    if not chunk:
                        rc = self.proc.wait(timeout=5)
                        pytest.fail(
                            f"cognate exited (status {rc}) before it was ready; "
                            f"stdout {buf!r}; stderr:\n{self.stderr_text()}"
                        )
                    buf += chunk
                elif self.proc.poll() is not None:
                    pytest.fail(
                        f"cognate exited (status {self.proc.returncode}) before it was ready; "
                        f"stderr:\n{self.stderr_text()}"
                    )
        finally:
            sel.close()
        first, _, rest = buf.partition(b"\n")
        assert not rest.strip(), f"cognate printed more than one stdout line at start: {buf!r}"
        return first.decode()

    def _drain_stdout(self) -> None:
        proc = self.proc
        try:
            while proc and proc.stdout and proc.stdout.read(4096):
                pass
        except (OSError, ValueError):
            pass

    def stop(self) -> int:
        """SIGTERM, then require a graceful exit with status 0 within STOP_TIMEOUT_S."""
        proc, self.proc = self.proc, None
        if proc is None:
            return 0
        if proc.poll() is not None:
            pytest.fail(f"cognate had already exited with {proc.returncode}; stderr:\n{self.stderr_text()}")
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"cognate did not exit within {STOP_TIMEOUT_S}s of SIGTERM; stderr:\n{self.stderr_text()}")
        assert rc == 0, f"cognate exited with status {rc} after SIGTERM; stderr:\n{self.stderr_text()}"
        return rc

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        """Kill (without asserting) and drop the PostgreSQL schema."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        if self.schema:
            try:
                _psql(pg_url() or "", f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            except Exception:  # noqa: BLE001 - best effort
                pass

    # -- clients ------------------------------------------------------------

    def client(
        self,
        region: str = REGION,
        access_key: str = ADMIN_ACCESS_KEY_ID,
        secret_key: str = ADMIN_SECRET_ACCESS_KEY,
        config: botocore.config.Config | None = None,
    ):
        """A boto3 `cognito-idp` client pointed at this server (built fresh: the URL changes on restart)."""
        cfg = BOTO_CONFIG if config is None else BOTO_CONFIG.merge(config)
        return _boto_session().client(
            "cognito-idp",
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=cfg,
        )


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> str:
    if request.param == "postgres" and not pg_url():
        pytest.skip(f"PostgreSQL backend: set {PG_URL_ENV} (e.g. postgres://postgres@127.0.0.1:5432/test) to run")
    return request.param


class _Factory:
    def __init__(self, backend: str, base: Path):
        self.backend = backend
        self.base = base
        self.servers: list[CognateServer] = []

    def __call__(self, **kwargs) -> CognateServer:
        data_dir = self.base / f"srv{len(self.servers)}"
        srv = CognateServer(kwargs.pop("backend", self.backend), data_dir, **kwargs)
        self.servers.append(srv)
        return srv

    def finish(self) -> None:
        errors = []
        for srv in self.servers:
            try:
                if srv.proc is not None:
                    srv.stop()
            except BaseException as e:  # noqa: BLE001 - report after cleaning up every server
                errors.append(e)
            finally:
                srv.cleanup()
        if errors:
            raise errors[0]


@pytest.fixture
def server_factory(backend, tmp_path):
    """`server_factory(admin_keys=True, config_text=None, env=None)` -> a started CognateServer."""
    factory = _Factory(backend, tmp_path)
    yield factory
    factory.finish()


@pytest.fixture(scope="module")
def server(backend, tmp_path_factory):
    """A server shared by one test module (per backend), with admin keys configured."""
    factory = _Factory(backend, tmp_path_factory.mktemp(f"cognate-{backend}"))
    yield factory()
    factory.finish()


@pytest.fixture(scope="module")
def open_server(backend, tmp_path_factory):
    """A server shared by one test module with no admin keys (any signature, loopback only)."""
    factory = _Factory(backend, tmp_path_factory.mktemp(f"cognate-open-{backend}"))
    yield factory(admin_keys=False)
    factory.finish()


@pytest.fixture
def idp(server):
    return server.client()


def unique(prefix: str = "pool") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def aws_cli():
    """Path of the AWS CLI executable (required: the CLI is part of the test environment)."""
    path = shutil.which("aws")
    assert path, "the AWS CLI (`aws`, v1) must be installed: pip install awscli"
    return path


# -- outbox (messages recorded when no email/SMS transport is configured) ------

CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def signed_get(server: CognateServer, path_and_query: str, *, sign: bool | None = None) -> requests.Response:
    """GET on the server, SigV4-signed for `cognito-idp` with the admin key (like an admin
    operation) unless `sign=False`; by default signs only when the server has admin keys."""
    url = server.url + path_and_query
    headers: dict[str, str] = {}
    if sign is None:
        sign = server.admin_keys
    if sign:
        req = botocore.awsrequest.AWSRequest(method="GET", url=url)
        creds = botocore.credentials.Credentials(ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY)
        botocore.auth.SigV4Auth(creds, "cognito-idp", REGION).add_auth(req)
        headers = dict(req.headers.items())
    return requests.get(url, headers=headers, timeout=10)


def outbox_messages(
    server: CognateServer, pool_id: str | None = None, username: str | None = None, limit: int | None = None
) -> list[dict]:
    """`GET /_cognate/messages` (newest first)."""
    from urllib.parse import urlencode

    query = {k: v for k, v in {"pool_id": pool_id, "username": username, "limit": limit}.items() if v is not None}
    path = "/_cognate/messages" + (f"?{urlencode(query)}" if query else "")
    r = signed_get(server, path)
    assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text}"
    return r.json()["messages"]


def extract_code(text: str) -> str:
    codes = CODE_RE.findall(text)
    assert len(codes) == 1, f"expected exactly one 6-digit code in {text!r}"
    return codes[0]


def newest_code(server: CognateServer, pool_id: str, username: str) -> str:
    """The 6-digit code in the newest outbox message for a user (the pool's Username)."""
    msgs = outbox_messages(server, pool_id, username, limit=1)
    assert msgs, f"no outbox message for {username!r} in {pool_id}"
    return extract_code(msgs[0]["body"])
