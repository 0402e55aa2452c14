"""Before a server leaves loopback: it refuses to listen on other addresses while
users have blank passwords, and the ways it names to set them work with the
Determined client (`DET_USER`/`DET_PASS`)."""

from __future__ import annotations

import os
import subprocess

import pytest
from conftest import isolate_det_env, login, login_as, server_binary, start_server
from determined.common.api import errors
from determined.experimental import client

PASSWORD = "Adm1nPassword"


def run_binary(*args: str, env_extra: dict = None, timeout: float = 30) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1", **(env_extra or {}))
    return subprocess.run(
        [str(server_binary()), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def test_refuses_a_non_loopback_address_with_blank_passwords(tmp_path):
    # The check runs before the socket is bound: nothing listens, even for a moment.
    res = run_binary("--bind", "0.0.0.0:0", "--data-dir", str(tmp_path / "data"))
    assert res.returncode != 0
    assert "refusing to listen on 0.0.0.0:0" in res.stderr
    assert "admin, determined" in res.stderr
    # It says how to fix it.
    for hint in ("admin set-password", "MODELREG_INITIAL_ADMIN_PASSWORD", "--allow-blank-passwords"):
        assert hint in res.stderr, res.stderr


def test_offline_set_password_then_det_user_and_det_pass(tmp_path, monkeypatch):
    data = tmp_path / "data"
    res = run_binary(
        "--data-dir", str(data), "admin", "set-password", "admin", env_extra={"MODELREG_NEW_PASSWORD": PASSWORD}
    )
    assert res.returncode == 0, res.stderr
    assert PASSWORD not in res.stdout + res.stderr
    listed = run_binary("--data-dir", str(data), "admin", "list-users")
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[1]: line for line in listed.stdout.splitlines() if line.strip()}
    assert "password set" in lines["admin"] and "blank password" in lines["determined"]

    srv = start_server(tmp_path)  # same data dir
    try:
        assert login(srv.url, {"username": "admin", "password": "", "isHashed": True}).status_code == 401
        assert login_as(srv.url, "admin", PASSWORD).status_code == 200
        isolate_det_env(monkeypatch, tmp_path / "det-config", srv.url)
        monkeypatch.setenv("DET_USER", "admin")
        monkeypatch.setenv("DET_PASS", PASSWORD)
        assert client.Determined(master=srv.url).whoami().username == "admin"
        isolate_det_env(monkeypatch, tmp_path / "det-config-2", srv.url)  # no cached token
        with pytest.raises(errors.UnauthenticatedException):
            client.Determined(master=srv.url, user="admin", password="")
    finally:
        srv.stop()
    assert PASSWORD not in srv.log()


def test_initial_admin_password_from_the_environment(tmp_path):
    srv = start_server(tmp_path, env_extra={"MODELREG_INITIAL_ADMIN_PASSWORD": PASSWORD})
    try:
        assert login(srv.url, {"username": "admin", "password": "", "isHashed": True}).status_code == 401
        assert login_as(srv.url, "admin", PASSWORD).status_code == 200
    finally:
        srv.stop()
    assert PASSWORD not in srv.log()
