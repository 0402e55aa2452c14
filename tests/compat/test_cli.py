"""The `det` CLI (determined==0.38.1) against modelreg: `det -m URL model ...`.

Every run goes through the `det_cli` fixture, which also checks that `/info`
kept the CLI quiet (no version warning) and that nothing crashed.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from conftest import unique


def table(output: str, first_header: str) -> list:
    """The rows of the first table whose header starts with ``first_header``, as dicts
    (continuation lines of multi-line cells are skipped)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split("|")[0].strip() == first_header)
    headers = [h.strip() for h in lines[start].split("|")]
    rows = []
    for line in lines[start + 2 :]:
        if "|" not in line:
            break
        cells = [c.strip() for c in line.split("|")]
        if cells[0]:
            rows.append(dict(zip(headers, cells)))
    return rows


def names_in_table(output: str, prefix: str) -> list:
    return [r["Name"] for r in table(output, "ID") if r["Name"].startswith(prefix)]


# ---------------------------------------------------------------------------- create


def test_create(det_cli, api, name):
    res = det_cli("model", "create", name, "--description", "a character recognition model")
    out = res.stdout
    model = api.get(f"/api/v1/models/{name}").json()["model"]
    assert model["description"] == "a character recognition model"
    # The table shows the id and the workspace id the server gave.
    [row] = table(out, "ID")
    assert row["ID"] == str(model["id"]) and row["Name"] == name
    assert row["Description"] == "a character recognition model"
    assert row["Workspace ID"] == "1" and row["Metadata"] == "{}"
    assert row["Creation Time"].endswith("+00:00")


def test_create_json(det_cli, name):
    out = det_cli("model", "create", name, "--json").json()
    assert out["name"] == name
    assert out["description"] == ""  # the CLI sends description: null
    assert out["metadata"] == {}
    assert out["archived"] is False
    assert isinstance(out["id"], int)
    assert out["creation_time"] and out["last_updated_time"]


def test_create_in_the_default_workspace(det_cli, api, name):
    det_cli("model", "create", name, "-w", "Uncategorized")
    det_cli("model", "create", name + "-long", "--workspace-name", "Uncategorized")
    assert api.get(f"/api/v1/models/{name}").json()["model"]["workspaceId"] == 1


def test_create_in_an_unknown_workspace_fails_with_the_message(det_cli, api, name):
    res = det_cli("model", "create", name, "-w", "NoSuchWorkspace", check=False)
    assert res.returncode != 0
    assert "Failed to create model" in res.stderr
    assert "NoSuchWorkspace" in res.stderr
    assert api.get(f"/api/v1/models/{name}").status_code == 404


def test_create_duplicate_fails_with_the_message(det_cli, name):
    det_cli("model", "create", name)
    res = det_cli("model", "create", name, check=False)
    assert res.returncode != 0
    assert "Failed to create model" in res.stderr and name in res.stderr


# ------------------------------------------------------------------------------ list


@pytest.fixture(scope="module")
def cli_sortable(api):
    """Three models A, B, C created in that order; returns (prefix, names by letter)."""
    prefix = unique("clisort")
    spec = {"A": ("charlie", "desc 2"), "B": ("alpha", "desc 3"), "C": ("bravo", "desc 1")}
    by_letter = {}
    for letter, (suffix, description) in spec.items():
        by_letter[letter] = api.create_model(f"{prefix}-{suffix}", description=description)["name"]
        time.sleep(0.002)
    # lastUpdatedTime order: B, C, A
    for letter in "BCA":
        time.sleep(0.002)
        api.ok("PATCH", f"/api/v1/models/{by_letter[letter]}", {"metadata": {"touched": letter}})
    return prefix, by_letter


CLI_ORDERS = {
    "name": "BCA",
    "description": "CAB",
    "creation_time": "ABC",
    "last_updated_time": "BCA",
}


@pytest.mark.parametrize("order_by", ["asc", "desc"])
@pytest.mark.parametrize("sort_by", list(CLI_ORDERS))
def test_list_sorted_json(det_cli, cli_sortable, sort_by, order_by):
    prefix, by_letter = cli_sortable
    out = det_cli("model", "list", "--sort-by", sort_by, "--order-by", order_by, "--json").json()
    got = [m["name"] for m in out if m["name"].startswith(prefix)]
    expected = [by_letter[x] for x in CLI_ORDERS[sort_by]]
    assert got == (expected if order_by == "asc" else expected[::-1])


def test_list_table_default_order_is_last_updated_ascending(det_cli, cli_sortable):
    prefix, by_letter = cli_sortable
    out = det_cli("model", "list").stdout
    assert "Workspace ID" in out and "Last Updated Time" in out
    assert names_in_table(out, prefix) == [by_letter[x] for x in "BCA"]
    # `det m` is an alias and `list` is the default subcommand.
    out2 = det_cli("m", "ls", "--sort-by", "name", "--order-by", "desc").stdout
    assert names_in_table(out2, prefix) == [by_letter[x] for x in "ACB"]


def test_list_in_the_default_workspace(det_cli, cli_sortable):
    prefix, by_letter = cli_sortable
    out = det_cli("model", "list", "-w", "Uncategorized", "--sort-by", "name", "--json").json()
    assert [m["name"] for m in out if m["name"].startswith(prefix)] == [by_letter[x] for x in "BCA"]


def test_list_in_an_unknown_workspace_shows_none_of_uncategorized(det_cli, cli_sortable):
    prefix, _ = cli_sortable
    # GET /api/v1/models?workspaceNames=Elsewhere: no model lives there, so an empty list.
    assert det_cli("model", "list", "-w", "Elsewhere", "--json").json() == []
    out = det_cli("model", "list", "-w", "Elsewhere").stdout
    assert names_in_table(out, prefix) == []


# -------------------------------------------------------- register, describe, versions


@pytest.fixture
def model_with_versions(api, name, make_checkpoint):
    """A model with two versions; returns (name, [uuid1, uuid2])."""
    api.create_model(name, description="described")
    uuids = []
    for steps in (100, 200):
        u = make_checkpoint(metadata={"steps_completed": steps, "framework": "torch"})["uuid"]
        api.register(name, u)
        uuids.append(u)
    return name, uuids


def test_register_version(det_cli, api, make_checkpoint, name):
    api.create_model(name)
    u = make_checkpoint(metadata={"steps_completed": 321})["uuid"]
    out = det_cli("model", "register-version", name, u).stdout
    assert "Version #" in out and "Checkpoint UUID" in out
    [row] = table(out, "Version #")
    assert row["Version #"] == "1" and row["Checkpoint UUID"] == u
    assert row["Batch #"] == "321"  # steps_completed
    assert api.get(f"/api/v1/models/{name}/versions/1").json()["modelVersion"]["checkpoint"]["uuid"] == u


def test_register_version_json_goes_through_the_model_id(det_cli, api, make_checkpoint, name):
    model_id = api.create_model(name)["id"]
    u = make_checkpoint()["uuid"]
    out = det_cli("model", "register-version", name, u, "--json").json()
    # POST /api/v1/models/<id>/versions with only {"checkpointUuid": ...}
    mv = out["modelVersion"]
    assert (mv["version"], mv["model"]["id"], mv["model"]["name"]) == (1, model_id, name)
    assert mv["checkpoint"]["uuid"] == u


def test_register_unknown_checkpoint_fails_with_the_message(det_cli, api, name):
    api.create_model(name)
    missing = str(uuid.uuid4())
    res = det_cli("model", "register-version", name, missing, check=False)
    assert res.returncode != 0
    assert "Failed to register a new version of a model" in res.stderr
    assert missing in res.stderr


def test_describe_shows_the_latest_version(det_cli, model_with_versions):
    name, uuids = model_with_versions
    out = det_cli("model", "describe", name).stdout
    assert "described" in out
    [model_row] = table(out, "ID")
    assert model_row["Name"] == name and model_row["Description"] == "described"
    [row] = table(out, "Version #")
    assert (row["Version #"], row["Checkpoint UUID"], row["Batch #"]) == ("2", uuids[1], "200")


def test_describe_a_given_version(det_cli, model_with_versions):
    name, uuids = model_with_versions
    out = det_cli("model", "describe", name, "--version", "1").stdout
    [row] = table(out, "Version #")
    assert (row["Version #"], row["Checkpoint UUID"], row["Batch #"]) == ("1", uuids[0], "100")


def test_describe_json(det_cli, api, model_with_versions):
    name, _ = model_with_versions
    out = det_cli("model", "describe", name, "--json").json()
    assert out["name"] == name and out["description"] == "described"
    assert out["id"] == api.get(f"/api/v1/models/{name}").json()["model"]["id"]


def test_describe_missing_model_fails_with_the_servers_message(det_cli, api):
    missing = unique("nope")
    server_message = api.get(f"/api/v1/models/{missing}").json()["error"]["error"]
    res = det_cli("model", "describe", missing, check=False)
    assert res.returncode != 0
    assert f"Failed to describe model: {server_message}" in res.stderr
    assert res.stdout == ""


def test_describe_missing_version_fails(det_cli, model_with_versions):
    name, _ = model_with_versions
    res = det_cli("model", "describe", name, "--version", "9", check=False)
    assert res.returncode != 0
    assert "Failed to describe model" in res.stderr


def test_list_versions_newest_first(det_cli, model_with_versions):
    name, uuids = model_with_versions
    out = det_cli("model", "list-versions", name).stdout
    rows = table(out, "Version #")
    assert [(r["Version #"], r["Checkpoint UUID"]) for r in rows] == [("2", uuids[1]), ("1", uuids[0])]


def test_list_versions_json(det_cli, model_with_versions):
    name, uuids = model_with_versions
    # GET /api/v1/models/<id>/versions with no query: every version, by version number.
    out = det_cli("model", "list-versions", name, "--json").json()
    assert [v["version"] for v in out["modelVersions"]] == [1, 2]
    assert [v["checkpoint"]["uuid"] for v in out["modelVersions"]] == uuids
    assert out["model"]["name"] == name
    assert out["pagination"]["total"] == 2


# ---------------------------------------------------------------------- delete, move


def test_delete(det_cli, api, model_with_versions):
    name, _ = model_with_versions
    res = det_cli("model", "delete", name)
    assert res.stdout.strip() == ""
    assert api.get(f"/api/v1/models/{name}").status_code == 404


def test_delete_missing_fails(det_cli):
    res = det_cli("model", "delete", unique("nope"), check=False)
    assert res.returncode != 0 and "Failed to delete model" in res.stderr


def test_move_to_the_default_workspace(det_cli, api, name):
    api.create_model(name)
    res = det_cli("model", "move", name, "-w", "Uncategorized")
    assert res.stdout.strip() == ""
    assert api.get(f"/api/v1/models/{name}").json()["model"]["workspaceId"] == 1


def test_move_to_an_unknown_workspace_fails_with_the_message(det_cli, api, name):
    api.create_model(name)
    res = det_cli("model", "move", name, "-w", "Elsewhere", check=False)
    assert res.returncode != 0
    assert "Failed to move model to given workspace" in res.stderr
    assert "Elsewhere" in res.stderr
    assert api.get(f"/api/v1/models/{name}").json()["model"]["workspaceId"] == 1


def test_move_without_a_workspace_changes_nothing(det_cli, api, name):
    """`det model move NAME` sends {"workspaceName": null}: a no-op, never a crash."""
    before = api.get(f"/api/v1/models/{api.create_model(name)['name']}").json()["model"]
    res = det_cli("model", "move", name, check=False)
    assert "Traceback" not in res.stderr
    after = api.get(f"/api/v1/models/{name}").json()["model"]
    assert after["workspaceId"] == before["workspaceId"] == 1


# ----------------------------------------------------------------------------- info


def test_det_master_without_m(det_cli, api, server, name):
    api.create_model(name)
    out = det_cli("model", "describe", name, "--json", master=False, env={"DET_MASTER": server.url}).json()
    assert out["name"] == name
    # Without a scheme the client adds http:// (and would add :8080 without a port).
    hostport = server.url.replace("http://", "")
    out = det_cli("model", "describe", name, "--json", master=False, env={"DET_MASTER": hostport}).json()
    assert out["name"] == name


def test_describe_a_model_without_versions(det_cli, api, name):
    api.create_model(name)
    out = det_cli("model", "describe", name).stdout
    assert [r["Name"] for r in table(out, "ID")] == [name]
    assert "Version #" not in out
    assert "Version #" in det_cli("model", "list-versions", name).stdout


def test_info_keeps_the_cli_quiet(det_cli):
    res = det_cli("version")
    assert "0.38.1" in res.stdout
    assert res.stderr.strip() == ""


def test_checkpoint_describe(det_cli, make_checkpoint):
    u = make_checkpoint(metadata={"steps_completed": 77})["uuid"]
    out = det_cli("checkpoint", "describe", u).stdout
    assert u in out and "steps_completed" in out


# ----------------------------------------------------------------------- det user


def run_with_tty(argv, answer: str, timeout: float = 60.0):
    """Runs ``argv`` on a pseudo-terminal (getpass reads from the tty) and
    types ``answer`` at the first prompt; returns (exit code, output)."""
    import os
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execvp(argv[0], argv)
    out, answered, deadline = b"", False, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not select.select([fd], [], [], 0.2)[0]:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if not chunk:
                _, status = os.waitpid(pid, 0)
                return os.waitstatus_to_exitcode(status), out.decode(errors="replace")
            out += chunk
            if not answered and b"assword" in out:
                os.write(fd, answer.encode() + b"\n")
                answered = True
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise AssertionError(f"{argv} did not finish: {out!r}")
    finally:
        os.close(fd)


def test_det_user_login_and_logout(server, fresh_det_env, det_cli):
    from conftest import det_executable

    rc, out = run_with_tty([det_executable(), "-m", server.url, "user", "login", "admin"], "")
    assert rc == 0, out
    store = json.loads((fresh_det_env / "auth.json").read_text())
    assert store["masters"][server.url]["active_user"] == "admin"
    assert "logged in as user 'admin'" in det_cli("user", "whoami").stdout
    det_cli("user", "logout")
    # Logged out: the next command falls back to the default user.
    assert "logged in as user 'determined'" in det_cli("user", "whoami").stdout
