"""User management the way the Determined client does it: `det user
create|list|activate|deactivate|change-password|edit` and the SDK's user calls,
against modelreg's Determined-shaped `/api/v1/users` endpoints.

Every test runs with its own token cache (``fresh_det_env``) so that acting as
``admin`` or as a new user never changes who the other tests are.
"""

from __future__ import annotations

import pytest
from conftest import Api, login, login_as, unique
from determined.common.api import errors
from determined.experimental import client

PASSWORD = "Passw0rdX"  # the client refuses passwords without upper, lower, digit, 8+ chars
NEW_PASSWORD = "N3wPassword"
AS_ADMIN = {"DET_USER": "admin", "DET_PASS": ""}


def as_user(username: str, password: str) -> dict:
    return {"DET_USER": username, "DET_PASS": password}


def user_rows(table: str) -> dict:
    """`det user list` rows by username: {name: {"Admin": "True", "Active": "True", ...}}."""
    lines = [l for l in table.splitlines() if "|" in l]
    header = [c.strip() for c in lines[0].split("|")]
    rows = {}
    for line in lines[1:]:
        cells = dict(zip(header, (c.strip() for c in line.split("|"))))
        rows[cells["Username"]] = cells
    return rows


@pytest.fixture
def admin_det(server, fresh_det_env):
    """The SDK logged in as the built-in admin."""
    return client.Determined(master=server.url, user="admin", password="")


def create_user(admin_api: Api, prefix: str) -> str:
    """Creates a user with PASSWORD through the API, as the SDK sends it."""
    name = unique(prefix)
    body = {"user": {"username": name, "admin": False, "active": True}, "password": PASSWORD}
    admin_api.ok("POST", "/api/v1/users", body)
    return name


# ------------------------------------------------------------------------- det user


def test_det_user_create_then_list_and_log_in(server, fresh_det_env, det_cli):
    name, boss = unique("carol"), unique("boss")
    det_cli("user", "create", name, "--password", PASSWORD, env=AS_ADMIN)
    det_cli("user", "create", boss, "--password", PASSWORD, "--admin", env=AS_ADMIN)

    # `det user list` reads GET /api/v1/master, then pages GET /api/v1/users.
    rows = user_rows(det_cli("user", "list", env=AS_ADMIN).stdout)
    assert rows[name]["Admin"] == "False" and rows[name]["Active"] == "True"
    assert rows[boss]["Admin"] == "True"
    assert {"admin", "determined"} <= set(rows)

    # The new users log in with the password, as the client sends it.
    r = login_as(server.url, name, PASSWORD)
    assert r.status_code == 200, r.text
    user = r.json()["user"]
    assert (user["username"], user["admin"], user["active"]) == (name, False, True)
    assert user["role"] == "editor"  # a non-admin created through Determined's API edits
    assert login_as(server.url, boss, PASSWORD).json()["user"]["role"] == "admin"
    assert login_as(server.url, name, "Wr0ngPassword").status_code == 401

    # ... and through DET_USER/DET_PASS in the CLI.
    assert f"'{name}'" in det_cli("user", "whoami", env=as_user(name, PASSWORD)).stdout


def test_det_user_create_needs_an_admin(server, fresh_det_env, det_cli, admin_api):
    name = unique("nope")
    res = det_cli("user", "create", name, "--password", PASSWORD, check=False)  # as `determined`
    assert res.returncode == 1, res
    assert "Forbidden" in res.stderr and "admin" in res.stderr, res
    assert admin_api.get(f"/api/v1/users/{name}/by-username").status_code == 404


def test_det_user_create_duplicate_is_refused(server, fresh_det_env, det_cli, admin_api):
    name = create_user(admin_api, "dup")
    res = det_cli("user", "create", name, "--password", PASSWORD, env=AS_ADMIN, check=False)
    assert res.returncode == 1, res
    assert "already exists" in res.stderr, res


def test_det_user_deactivate_and_activate(server, fresh_det_env, det_cli, admin_api):
    name = create_user(admin_api, "dana")
    token = login_as(server.url, name, PASSWORD).json()["token"]
    dana = Api(server.url, token=token)
    assert dana.get("/api/v1/me").status_code == 200

    det_cli("user", "deactivate", name, env=AS_ADMIN)  # PATCH {"active": false}, then GET /users/{id}
    assert name not in user_rows(det_cli("user", "list", env=AS_ADMIN).stdout)  # active users only
    assert user_rows(det_cli("user", "list", "--all", env=AS_ADMIN).stdout)[name]["Active"] == "False"
    # The session stops working at once, and the user cannot log in again.
    assert dana.get("/api/v1/me").status_code == 401
    assert dana.get("/api/v1/models").status_code == 401
    assert login_as(server.url, name, PASSWORD).status_code == 401

    det_cli("user", "activate", name, env=AS_ADMIN)
    assert admin_api.ok("GET", f"/api/v1/users/{name}/by-username")["user"]["active"] is True
    assert login_as(server.url, name, PASSWORD).status_code == 200


def test_det_user_change_password_of_another_user(server, fresh_det_env, det_cli, admin_api):
    name = create_user(admin_api, "erin")
    # getpass reads the new password twice from stdin (no terminal).
    det_cli("user", "change-password", name, env=AS_ADMIN, input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert login_as(server.url, name, PASSWORD).status_code == 401
    assert login_as(server.url, name, NEW_PASSWORD).status_code == 200


def test_det_user_change_own_password(server, fresh_det_env, det_cli, admin_api):
    name = create_user(admin_api, "finn")
    # As the user: PATCH /api/v1/users/{own id} {"password": <hash>, "isHashed": true},
    # then the CLI logs in again with the new password and caches that token.
    det_cli(
        "user", "change-password", env=as_user(name, PASSWORD), input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    )
    assert login_as(server.url, name, PASSWORD).status_code == 401
    assert login_as(server.url, name, NEW_PASSWORD).status_code == 200
    assert f"'{name}'" in det_cli("user", "whoami", env=as_user(name, NEW_PASSWORD)).stdout


def test_non_admin_cannot_change_another_users_password(server, fresh_det_env, det_cli, admin_api):
    name = create_user(admin_api, "gina")
    res = det_cli(
        "user",
        "change-password",
        "admin",
        env=as_user(name, PASSWORD),
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
        check=False,
    )
    assert res.returncode == 1, res
    assert "Forbidden" in res.stderr, res
    assert login(server.url, {"username": "admin", "password": "", "isHashed": True}).status_code == 200


def test_det_user_edit(server, fresh_det_env, det_cli, admin_api):
    name = create_user(admin_api, "hal")
    det_cli("user", "edit", name, "--display-name", "Hal H", "--admin", "true", env=AS_ADMIN)
    user = admin_api.ok("GET", f"/api/v1/users/{name}/by-username")["user"]
    assert (user["displayName"], user["admin"], user["role"]) == ("Hal H", True, "admin")
    renamed = unique("hal2")
    det_cli("user", "edit", name, "--username", renamed, "--admin", "false", env=AS_ADMIN)
    assert admin_api.get(f"/api/v1/users/{name}/by-username").status_code == 404
    user = admin_api.ok("GET", f"/api/v1/users/{renamed}/by-username")["user"]
    assert (user["admin"], user["role"]) == (False, "editor")
    assert login_as(server.url, renamed, PASSWORD).status_code == 200


# ------------------------------------------------------------------------------- SDK


def test_sdk_user_calls(admin_det, server):
    name = unique("ivy")
    created = admin_det.create_user(name, admin=False, password=PASSWORD)
    assert (created.username, created.admin, created.active) == (name, False, True)
    assert created.user_id > 0

    assert admin_det.get_user_by_name(name).user_id == created.user_id
    assert admin_det.get_user_by_id(created.user_id).username == name
    listed = {u.username: u for u in admin_det.list_users()}
    assert {"admin", "determined", name} <= set(listed)

    created.change_display_name("Ivy I")
    assert admin_det.get_user_by_name(name).display_name == "Ivy I"
    created.deactivate()
    assert created.active is False
    assert name not in {u.username for u in admin_det.list_users(active=True)}
    created.activate()
    assert created.active is True

    created.change_password(NEW_PASSWORD)
    assert login_as(server.url, name, NEW_PASSWORD).status_code == 200
    # The client checks complexity itself, before sending anything.
    with pytest.raises(ValueError):
        admin_det.create_user(unique("weak"), admin=False, password="weak")
    with pytest.raises(errors.NotFoundException):
        admin_det.get_user_by_name(unique("nobody"))


def test_sdk_create_user_needs_an_admin(det):
    with pytest.raises(errors.ForbiddenException):
        det.create_user(unique("nope"), admin=False, password=PASSWORD)


def test_the_last_admin_cannot_be_deactivated(admin_api):
    # Leave admin the only active administrator (other tests create admins).
    others = [
        u
        for u in admin_api.ok("GET", "/api/v1/users")["users"]
        if u["admin"] and u["active"] and u["username"] != "admin"
    ]
    for u in others:
        admin_api.ok("PATCH", f"/api/v1/users/{u['id']}", {"active": False})
    me = admin_api.ok("GET", "/api/v1/me")["user"]
    r = admin_api.request("PATCH", f"/api/v1/users/{me['id']}", {"active": False})
    assert r.status_code == 400, r.text
    assert "administrator" in r.json()["error"]["error"]
    assert admin_api.get("/api/v1/me").status_code == 200
