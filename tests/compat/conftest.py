"""Fixtures of the Determined compatibility suite.

The suite drives a real ``modelreg-server`` with the real ``determined==0.38.1``
Python SDK and ``det`` CLI (see ``setup_venv.sh``), plus raw ``requests`` for
the wire details the client relies on.

* ``server``: a fresh server for the whole session, on a free loopback port
  with a temporary ``--data-dir``; its log (with the access log, one line per
  request) is kept so tests can see what the client actually sent.
* ``det_env``: isolates the client's token cache (``DET_DEBUG_CONFIG_PATH``) in
  a temporary directory, sets ``DET_MASTER`` and clears ``DET_USER``/``DET_PASS``.
* ``det``: a logged-in ``client.Determined(master=URL)``.
* ``api``: raw ``requests`` with a bearer token from the default login.
* ``make_checkpoint``: creates a checkpoint through ``POST /api/v1/checkpoints``.
* ``det_cli``: runs ``det -m URL ...`` in a subprocess.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
DETERMINED_VERSION = "0.38.1"
DEFAULT_USER = "determined"
# The body the Determined client sends for the default login.
DEFAULT_LOGIN = {"username": DEFAULT_USER, "password": "", "isHashed": True}
# Every variable through which the client could pick up another user or master.
DET_ENV_VARS = ("DET_USER", "DET_PASS", "DET_USER_TOKEN", "DET_MASTER_ADDR")

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
RFC3339_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")


def parse_ts(ts: str) -> datetime.datetime:
    """Parses an RFC 3339 UTC timestamp with a ``Z`` (asserting that form), to the microsecond."""
    assert isinstance(ts, str) and RFC3339_Z.match(ts), ts
    base, _, frac = ts[:-1].partition(".")
    micros = int((frac + "000000")[:6]) if frac else 0
    parsed = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S")
    return parsed.replace(microsecond=micros, tzinfo=datetime.timezone.utc)


# --------------------------------------------------------------------------- server


def server_binary() -> Path:
    path = Path(os.environ.get("MODELREG_SERVER_BIN", "target/debug/modelreg-server"))
    return path if path.is_absolute() else REPO_ROOT / path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_RUNNING: List["Server"] = []  # servers started and not yet stopped


class Server:
    """A running modelreg-server process."""

    def __init__(self, proc: subprocess.Popen, url: str, data_dir: Path, log_path: Path):
        self.proc = proc
        self.url = url
        self.data_dir = data_dir
        self.log_path = log_path

    def log(self) -> str:
        """The server's log so far, without colours."""
        return _ANSI.sub("", self.log_path.read_text(errors="replace"))

    def requests_seen(self) -> List[str]:
        """Access-log lines so far, e.g. ``POST /api/v1/auth/login HTTP/1.1 200 2.4ms``."""
        out = []
        for line in self.log().splitlines():
            if "modelreg::access" in line:
                out.append(line.split("modelreg::access:", 1)[-1].strip())
        return out

    def count(self, method: str, path: str, status: Optional[int] = None) -> int:
        """How many requests ``METHOD path[?query]`` the server has answered (with ``status``)."""
        n = 0
        for line in self.requests_seen():
            parts = line.split()
            if len(parts) < 4 or parts[0] != method:
                continue
            if parts[1].split("?", 1)[0] != path:
                continue
            if status is not None and parts[3] != str(status):
                continue
            n += 1
        return n

    def stop(self) -> None:
        if self in _RUNNING:
            _RUNNING.remove(self)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_server(
    base_dir: Path,
    extra_args: Sequence[str] = (),
    *,
    scheme: str = "http",
    ca_file: Optional[Path] = None,
    env_extra: Optional[Dict[str, str]] = None,
) -> Server:
    """Starts a fresh server on a free port with a data dir under ``base_dir``.

    ``extra_args`` go on the command line (e.g. ``--tls-cert``/``--tls-key``,
    with ``scheme="https"`` and ``ca_file`` to check its certificate against).
    """
    binary = server_binary()
    if not binary.exists():
        pytest.exit(
            f"{binary} does not exist: run `cargo build -p modelreg-server` "
            "or set MODELREG_SERVER_BIN",
            returncode=2,
        )
    data_dir = base_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = base_dir / "server.log"
    env = dict(os.environ)
    env["MODELREG_LOG"] = "info"  # the auth tests read the access log
    env["MODELREG_ACCESS_LOG"] = "true"
    env["NO_COLOR"] = "1"
    env.update(env_extra or {})
    verify: Any = str(ca_file) if ca_file else True
    for attempt in range(3):
        port = free_port()
        url = f"{scheme}://127.0.0.1:{port}"
        log = open(log_path, "ab")
        proc = subprocess.Popen(
            [str(binary), "--bind", f"127.0.0.1:{port}", "--data-dir", str(data_dir), *extra_args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=str(base_dir),
        )
        log.close()
        server = Server(proc, url, data_dir, log_path)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            try:
                if requests.get(f"{url}/health", timeout=1, verify=verify).status_code == 200:
                    _RUNNING.append(server)
                    return server
            except requests.RequestException:
                pass
            time.sleep(0.05)
        server.stop()
        if "cannot listen" not in server.log():
            break  # not a port race: do not retry
    raise RuntimeError(f"modelreg-server did not become healthy; log:\n{server.log()[-4000:]}")


def _check_servers_alive(when: str) -> None:
    for srv in list(_RUNNING):
        rc = srv.proc.poll()
        if rc is not None:
            _RUNNING.remove(srv)
            pytest.exit(
                f"modelreg-server at {srv.url} exited with {rc} {when}; nothing in the suite "
                f"stopped it (was it killed from outside?). Last log lines:\n"
                + "\n".join(srv.log().splitlines()[-8:]),
                returncode=3,
            )


@pytest.fixture(autouse=True)
def _servers_stay_up():
    """Stops the run at once, with the reason, if a server dies under the suite
    (otherwise every client call would retry a dead port with back-off)."""
    _check_servers_alive("before this test")
    yield
    _check_servers_alive("during this test")


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("modelreg"))
    try:
        yield srv
    finally:
        srv.stop()


# ---------------------------------------------------------------- client environment


def isolate_det_env(mp: pytest.MonkeyPatch, config_dir: Path, master: str) -> None:
    """Points the Determined client at ``master`` with its own token cache."""
    config_dir.mkdir(parents=True, exist_ok=True)
    mp.setenv("DET_DEBUG_CONFIG_PATH", str(config_dir))
    mp.setenv("XDG_CONFIG_HOME", str(config_dir / "xdg"))
    mp.setenv("DET_MASTER", master)
    for var in DET_ENV_VARS:
        mp.delenv(var, raising=False)


@pytest.fixture(scope="session")
def det_env(server, tmp_path_factory) -> Iterator[Path]:
    """The session's client environment; yields the token-cache directory."""
    mp = pytest.MonkeyPatch()
    config_dir = tmp_path_factory.mktemp("det-config")
    isolate_det_env(mp, config_dir, server.url)
    try:
        yield config_dir
    finally:
        mp.undo()


@pytest.fixture
def fresh_det_env(server, tmp_path, monkeypatch) -> Path:
    """An empty token cache for one test (nothing logged in yet)."""
    config_dir = tmp_path / "det-config"
    isolate_det_env(monkeypatch, config_dir, server.url)
    return config_dir


@pytest.fixture(scope="session")
def det(det_env, server):
    """A logged-in ``client.Determined`` (default user ``determined``, blank password)."""
    from determined.experimental import client

    return client.Determined(master=server.url)


# ------------------------------------------------------------------------- raw HTTP


class Api:
    """Raw HTTP against the server, with a bearer token from the default login."""

    def __init__(self, url: str, token: Optional[str] = None):
        self.url = url
        self.http = requests.Session()
        self.token = token

    def login(self, body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        r = self.http.post(f"{self.url}/api/v1/auth/login", data=json.dumps(body or DEFAULT_LOGIN))
        assert r.status_code == 200, r.text
        out = r.json()
        self.token = out["token"]
        return out

    def headers(self, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        h = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        h.update(extra or {})
        return h

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Any = None,
        headers: Optional[Dict[str, str]] = None,
        raw: Optional[str] = None,
    ) -> requests.Response:
        """Sends like the Determined client: a JSON string body and no Content-Type."""
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return self.http.request(
            method, f"{self.url}{path}", data=data, params=params, headers=self.headers(headers)
        )

    def ok(self, method: str, path: str, body: Any = None, **kw: Any) -> Dict[str, Any]:
        r = self.request(method, path, body, **kw)
        assert r.status_code == 200, f"{method} {path}: {r.status_code} {r.text}"
        return r.json()

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def create_model(self, name: str, **fields: Any) -> Dict[str, Any]:
        return self.ok("POST", "/api/v1/models", {"name": name, **fields})["model"]

    def register(self, model: str, ckpt_uuid: str) -> Dict[str, Any]:
        return self.ok(
            "POST", f"/api/v1/models/{model}/versions", {"checkpointUuid": ckpt_uuid, "modelName": model}
        )["modelVersion"]


@pytest.fixture(scope="session")
def api(server) -> Api:
    a = Api(server.url)
    a.login()
    return a


SALT = "GubPEmmotfiK9TMD6Zdw"


def client_hash(password: str) -> str:
    """What the Determined client sends as the password (`api.salt_and_hash`)."""
    return hashlib.sha512((SALT + password).encode()).hexdigest() if password else ""


def login(url: str, body: Dict[str, Any], **kw: Any) -> requests.Response:
    """``POST /api/v1/auth/login`` as the client sends it (no Content-Type)."""
    return requests.post(f"{url}/api/v1/auth/login", data=json.dumps(body), **kw)


def login_as(url: str, username: str, password: str, **kw: Any) -> requests.Response:
    """Logs in like the client: the salted SHA-512 of the password, ``isHashed: true``."""
    return login(url, {"username": username, "password": client_hash(password), "isHashed": True}, **kw)


@pytest.fixture(scope="session")
def admin_api(server) -> Api:
    """Raw HTTP as the built-in ``admin`` (blank password on loopback)."""
    a = Api(server.url)
    a.login({"username": "admin", "password": "", "isHashed": True})
    return a


def create_checkpoint(api: Api, **fields: Any) -> Dict[str, Any]:
    """Creates a checkpoint via the native ``POST /api/v1/checkpoints``.

    ``fields`` is the Checkpoint JSON: optional ``uuid``, ``resources``,
    ``metadata``, ``training``, ``state``... Returns the checkpoint the server answered.
    """
    return api.ok("POST", "/api/v1/checkpoints", fields)["checkpoint"]


def upload_checkpoint(api: Api, files: Dict[str, bytes], **fields: Any) -> Dict[str, Any]:
    """Creates a checkpoint with files through the native upload API: create it
    ``STATE_ACTIVE``, ``PUT`` each file, then ``POST .../complete``."""
    u = create_checkpoint(api, state="STATE_ACTIVE", **fields)["uuid"]
    for path, content in files.items():
        r = api.http.put(
            f"{api.url}/api/v1/checkpoints/{u}/files/{path}",
            data=content,
            headers=api.headers({"Content-Type": "application/octet-stream"}),
        )
        assert r.status_code == 200, r.text
    return api.ok("POST", f"/api/v1/checkpoints/{u}/complete", {})["checkpoint"]


@pytest.fixture
def make_checkpoint(api):
    def make(**fields: Any) -> Dict[str, Any]:
        if fields.get("state", "STATE_COMPLETED") == "STATE_COMPLETED":
            # a record-only checkpoint: its resources are given, no files are uploaded
            fields.setdefault("resources", {"model.pt": "1234", "metadata.json": "56"})
        fields.setdefault("metadata", {"framework": "torch-2.1", "format": "pt", "steps_completed": 100})
        return create_checkpoint(api, **fields)

    return make


def unique(prefix: str = "m") -> str:
    """A model name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def name() -> str:
    return unique("compat")


# ------------------------------------------------------------------------------ CLI


def det_executable() -> str:
    exe = Path(sys.executable).parent / "det"
    found = str(exe) if exe.exists() else shutil.which("det")
    if not found:
        pytest.exit("the det CLI is not installed next to this python", returncode=2)
    return found


VERSION_WARNINGS = ("is less than", "Master not found")


class DetResult:
    def __init__(self, proc: subprocess.CompletedProcess):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.args = proc.args

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"{self.args} -> rc {self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


@pytest.fixture
def det_cli(server, det_env):
    """Runs ``det -m URL args...``; checks that the CLI printed no version warning."""

    def run(
        *args: str,
        check: bool = True,
        env: Optional[Dict[str, str]] = None,
        master: Any = True,
        input: Optional[str] = None,
    ) -> DetResult:
        """``master=False`` leaves out ``-m`` so that ``DET_MASTER`` decides; a
        string is another master URL.

        ``input`` is written to stdin. The CLI asks for passwords with
        ``getpass``, which reads the controlling terminal when there is one:
        the command runs in a new session (no terminal), so getpass falls back
        to stdin.
        """
        full_env = dict(os.environ)
        full_env.update(env or {})
        full_env.setdefault("COLUMNS", "400")
        url = master if isinstance(master, str) else server.url
        proc = subprocess.run(
            [det_executable(), *(["-m", url] if master else []), *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=full_env,
            **({"input": input} if input is not None else {"stdin": subprocess.DEVNULL}),
            start_new_session=True,
        )
        res = DetResult(proc)
        for warning in VERSION_WARNINGS:
            assert warning not in res.stderr, f"version warning from /info: {res!r}"
        assert "Traceback" not in res.stderr, repr(res)
        if check:
            assert res.returncode == 0, repr(res)
        return res

    return run
