"""Logging in the way the Determined client does, and its token cache."""

from __future__ import annotations

import json
import time

import pytest
import requests
from conftest import (
    DEFAULT_LOGIN,
    Api,
    client_hash,
    isolate_det_env,
    login,
    login_as,
    start_server,
    unique,
)
from determined.common.api import errors
from determined.experimental import client


def wait_for(predicate, timeout: float = 3.0) -> bool:
    """The access-log line is written just after the response: allow it a moment."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def auth_json(config_dir) -> dict:
    return json.loads((config_dir / "auth.json").read_text())


# ------------------------------------------------------------------------ raw login


def test_default_login(server):
    r = login(server.url, DEFAULT_LOGIN)  # exactly what the client sends, no Content-Type
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body["token"], str) and body["token"]
    user = body["user"]
    assert user["username"] == "determined"
    assert isinstance(user["id"], int) and user["id"] > 0  # the SDK asserts a non-zero id
    assert (user["admin"], user["active"]) == (False, True)
    assert not any("password" in k.lower() or "hash" in k.lower() for k in user)


@pytest.mark.parametrize(
    "body",
    [
        {"username": "determined", "password": "", "isHashed": False},
        {"username": "determined", "password": ""},
        {"username": "determined", "password": client_hash(""), "isHashed": True},
    ],
    ids=["plain-blank", "no-isHashed", "hash-of-blank"],
)
def test_blank_password_in_any_form(server, body):
    assert login(server.url, body).status_code == 200


def test_builtin_admin(server):
    r = login(server.url, {"username": "admin", "password": "", "isHashed": True})
    assert r.status_code == 200
    assert r.json()["user"]["admin"] is True


@pytest.mark.parametrize(
    "body",
    [
        {"username": "determined", "password": client_hash("wrong"), "isHashed": True},
        {"username": "determined", "password": "wrong", "isHashed": False},
        {"username": "nobody-here", "password": "", "isHashed": True},
    ],
    ids=["hashed", "plain", "unknown-user"],
)
def test_wrong_credentials_are_401(server, body):
    r = login(server.url, body)
    assert r.status_code == 401
    err = r.json()["error"]
    assert err["code"] == 16 and err["error"]


def test_me_accepts_a_token_and_refuses_others_with_401(server, api):
    r = api.get("/api/v1/me")
    assert r.status_code == 200
    assert r.json()["user"]["username"] == "determined"
    # 401, never 403: the client drops a stale token on 401 and logs in again.
    assert requests.get(f"{server.url}/api/v1/me").status_code == 401
    bad = requests.get(f"{server.url}/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    assert requests.get(f"{server.url}/api/v1/models").status_code == 401


def test_logout_ends_the_session(server):
    a = Api(server.url)
    a.login()
    assert a.get("/api/v1/me").status_code == 200
    assert a.ok("POST", "/api/v1/auth/logout") == {}
    assert a.get("/api/v1/me").status_code == 401


def test_token_survives_a_server_restart(tmp_path):
    first = start_server(tmp_path)
    try:
        a = Api(first.url)
        a.login()
    finally:
        first.stop()
    second = start_server(tmp_path)  # same data dir, new process
    try:
        b = Api(second.url, token=a.token)
        assert b.get("/api/v1/me").status_code == 200
    finally:
        second.stop()


# -------------------------------------------------------------------- SDK and CLI


def test_sdk_default_login_caches_the_token(server, fresh_det_env):
    logins = server.count("POST", "/api/v1/auth/login", 200)
    d = client.Determined(master=server.url)
    assert d.get_session_username() == "determined"
    assert d.whoami().username == "determined"
    assert wait_for(lambda: server.count("POST", "/api/v1/auth/login", 200) == logins + 1)
    store = auth_json(fresh_det_env)
    assert store["masters"][server.url]["tokens"]["determined"]

    # A second client in the same cache validates the token with GET /api/v1/me, no login.
    me = server.count("GET", "/api/v1/me", 200)
    d2 = client.Determined(master=server.url)
    assert d2.get_session_username() == "determined"
    assert wait_for(lambda: server.count("GET", "/api/v1/me", 200) > me)
    time.sleep(0.1)
    assert server.count("POST", "/api/v1/auth/login", 200) == logins + 1


def test_cli_reuses_the_cached_token_in_a_new_process(server, fresh_det_env, det_cli):
    logins = server.count("POST", "/api/v1/auth/login", 200)
    det_cli("model", "list")
    assert wait_for(lambda: server.count("POST", "/api/v1/auth/login", 200) == logins + 1)
    token = auth_json(fresh_det_env)["masters"][server.url]["tokens"]["determined"]

    me = server.count("GET", "/api/v1/me", 200)
    res = det_cli("user", "whoami")
    assert "determined" in res.stdout
    det_cli("model", "list")
    assert wait_for(lambda: server.count("GET", "/api/v1/me", 200) >= me + 2)
    time.sleep(0.1)
    assert server.count("POST", "/api/v1/auth/login", 200) == logins + 1, "the CLI logged in again"
    assert auth_json(fresh_det_env)["masters"][server.url]["tokens"]["determined"] == token


def test_cli_replaces_a_stale_cached_token(server, fresh_det_env, det_cli):
    fresh_det_env.mkdir(parents=True, exist_ok=True)
    (fresh_det_env / "auth.json").write_text(
        json.dumps({"version": 2, "masters": {server.url: {"tokens": {"determined": "stale-token"}}}})
    )
    rejected = server.count("GET", "/api/v1/me", 401)
    logins = server.count("POST", "/api/v1/auth/login", 200)
    det_cli("model", "list")
    assert wait_for(lambda: server.count("GET", "/api/v1/me", 401) == rejected + 1)
    assert wait_for(lambda: server.count("POST", "/api/v1/auth/login", 200) == logins + 1)
    assert auth_json(fresh_det_env)["masters"][server.url]["tokens"]["determined"] != "stale-token"


def test_sdk_logout(server, fresh_det_env):
    d = client.Determined(master=server.url)
    token = auth_json(fresh_det_env)["masters"][server.url]["tokens"]["determined"]
    d.logout()
    assert Api(server.url, token=token).get("/api/v1/me").status_code == 401


def test_det_user_and_det_pass_pick_another_user(server, fresh_det_env, monkeypatch, det_cli):
    monkeypatch.setenv("DET_USER", "admin")
    monkeypatch.setenv("DET_PASS", "")
    d = client.Determined(master=server.url)
    assert d.get_session_username() == "admin"
    model = d.create_model(unique("by-admin"))
    assert model.username == "admin"
    assert "admin" in det_cli("user", "whoami").stdout


def test_explicit_user_in_the_sdk(server, fresh_det_env):
    d = client.Determined(master=server.url, user="admin", password="")
    assert d.whoami().username == "admin"


def test_wrong_det_pass_is_refused(server, fresh_det_env, monkeypatch):
    monkeypatch.setenv("DET_USER", "determined")
    monkeypatch.setenv("DET_PASS", "not-the-password")
    with pytest.raises((errors.UnauthenticatedException, errors.ForbiddenException)):
        client.Determined(master=server.url)


def test_det_user_and_det_pass_for_a_user_with_a_password(server, fresh_det_env, monkeypatch, tmp_path):
    username, password = unique("alice"), "Passw0rdX"
    admin = client.Determined(master=server.url, user="admin", password="")
    # What `det user create` / the SDK send: POST /api/v1/users {"user": {...}, "password": <hash>, "isHashed": true}
    created = admin.create_user(username, admin=False, password=password)
    assert created.username == username

    isolate_det_env(monkeypatch, tmp_path / "alice-config", server.url)
    monkeypatch.setenv("DET_USER", username)
    monkeypatch.setenv("DET_PASS", password)
    d = client.Determined(master=server.url)
    assert d.whoami().username == username
    assert d.create_model(unique("by-alice")).username == username

    isolate_det_env(monkeypatch, tmp_path / "alice-config-2", server.url)
    monkeypatch.setenv("DET_USER", username)
    monkeypatch.setenv("DET_PASS", "Wr0ngPassword")
    with pytest.raises((errors.UnauthenticatedException, errors.ForbiddenException)):
        client.Determined(master=server.url)


# ------------------------------------------------------------- throttled guessing


def new_user(server, password: str = "Passw0rdX") -> str:
    """A user of its own (the throttle counts per username and address)."""
    admin = Api(server.url)
    admin.login({"username": "admin", "password": "", "isHashed": True})
    name = unique("target")
    body = {"user": {"username": name, "admin": False}, "password": client_hash(password), "isHashed": True}
    admin.ok("POST", "/api/v1/users", body)
    return name


def test_wrong_password_of_a_real_user_is_401(server, fresh_det_env):
    name = new_user(server)
    for body in (
        {"username": name, "password": client_hash("Wr0ngPassword"), "isHashed": True},
        {"username": name, "password": "Wr0ngPassword", "isHashed": False},
        {"username": name, "password": "", "isHashed": True},
    ):
        r = login(server.url, body)
        assert r.status_code == 401, r.text
        assert r.json()["error"] == {
            "code": 16,
            "reason": "Unauthenticated",
            "error": "invalid credentials: wrong username or password",
        }
    # Same answer for an unknown user: nothing tells who exists.
    assert login_as(server.url, unique("ghost"), "Wr0ngPassword").json() == r.json()
    with pytest.raises(errors.UnauthenticatedException):
        client.Determined(master=server.url, user=name, password="Wr0ngPassword")
    assert login_as(server.url, name, "Passw0rdX").status_code == 200  # (and resets the count)


def test_repeated_failures_are_429_with_retry_after(server, fresh_det_env):
    name = new_user(server)
    for _ in range(5):
        assert login_as(server.url, name, "Wr0ngPassword").status_code == 401
    r = login_as(server.url, name, "Passw0rdX")  # even the right password must wait now
    assert r.status_code == 429, r.text
    wait = int(r.headers["Retry-After"])
    assert 1 <= wait <= 300
    err = r.json()["error"]
    assert err["code"] == 8 and err["reason"] == "ResourceExhausted"
    assert "too many failed logins" in err["error"]
    assert "Passw0rdX" not in r.text and client_hash("Passw0rdX") not in r.text
    # The client shows it as an API error (not a crash, not "unauthenticated").
    with pytest.raises(errors.APIException) as e:
        client.Determined(master=server.url, user=name, password="Passw0rdX")
    assert e.value.status_code == 429 and "too many failed logins" in e.value.message
    # Other users from the same address are not slowed down.
    assert login(server.url, DEFAULT_LOGIN).status_code == 200
    # After the wait, the right password works and clears the count.
    time.sleep(wait + 0.2)
    assert login_as(server.url, name, "Passw0rdX").status_code == 200
    assert login_as(server.url, name, "Wr0ngPassword").status_code == 401


def test_guessing_an_unknown_user_is_throttled_too(server):
    ghost = unique("ghost")
    for _ in range(5):
        assert login_as(server.url, ghost, "Wr0ngPassword").status_code == 401
    r = login_as(server.url, ghost, "Wr0ngPassword")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
