"""Wire details the Determined client relies on, checked with raw `requests`
sending exactly what the client sends (JSON string bodies, no Content-Type)."""

from __future__ import annotations

import datetime
import json
import time
import uuid

import pytest
import requests
from conftest import create_checkpoint, parse_ts, unique

# Keys the 0.38.1 bindings index directly (a missing one is a KeyError in the client).
MODEL_REQUIRED = {
    "archived", "creationTime", "id", "lastUpdatedTime", "metadata", "name",
    "numVersions", "userId", "username", "workspaceId",
}  # fmt: skip
VERSION_REQUIRED = {"checkpoint", "creationTime", "id", "lastUpdatedTime", "model", "version"}
CHECKPOINT_REQUIRED = {"metadata", "resources", "state", "training", "uuid"}


# ------------------------------------------------------------------------- bodies


def test_body_without_content_type(api, name):
    req = requests.Request(
        "POST",
        f"{api.url}/api/v1/models",
        data=json.dumps({"name": name}),
        headers=api.headers(),
    ).prepare()
    assert "Content-Type" not in req.headers  # as the client sends it
    r = requests.Session().send(req)
    assert r.status_code == 200, r.text
    assert r.json()["model"]["name"] == name


def test_body_with_another_content_type(api, name):
    r = api.request("POST", "/api/v1/models", {"name": name}, headers={"Content-Type": "text/plain"})
    assert r.status_code == 200, r.text


def test_explicit_nulls_on_create_mean_not_given(api, name):
    # What create_model() sends when only a name is given (`det model create` sends description null too).
    body = {
        "name": name, "description": None, "labels": None, "metadata": None,
        "notes": None, "workspaceName": None,
    }  # fmt: skip
    model = api.ok("POST", "/api/v1/models", body)["model"]
    assert (model["description"], model["metadata"], model["labels"]) == ("", {}, [])
    assert model["notes"] == "" and model["workspaceId"] == 1
    assert model["archived"] is False and model["numVersions"] == 0


def test_unknown_fields_are_ignored(api, name):
    assert api.ok("POST", "/api/v1/models", {"name": name, "somethingNew": 1})["model"]["name"] == name


def test_patch_with_nulls_changes_only_what_is_given(api, name):
    api.create_model(name, description="keep", metadata={"a": 1}, labels=["x"], notes="n")
    before = api.get(f"/api/v1/models/{name}").json()["model"]
    time.sleep(0.01)
    patched = api.ok(
        "PATCH",
        f"/api/v1/models/{name}",
        {"description": None, "metadata": None, "labels": ["y", "y", "z"], "notes": None, "name": None},
    )["model"]
    assert patched["description"] == "keep" and patched["metadata"] == {"a": 1}
    assert patched["notes"] == "n"
    assert patched["labels"] == ["y", "z"]  # deduplicated, order kept
    assert parse_ts(patched["lastUpdatedTime"]) > parse_ts(before["lastUpdatedTime"])
    assert patched["creationTime"] == before["creationTime"]
    # metadata replaces wholesale; {} clears it (how remove_metadata removes the last key)
    assert api.ok("PATCH", f"/api/v1/models/{name}", {"metadata": {"b": 2}})["model"]["metadata"] == {"b": 2}
    assert api.ok("PATCH", f"/api/v1/models/{name}", {"metadata": {}})["model"]["metadata"] == {}


def test_patch_version_with_nulls(api, name):
    api.create_model(name)
    api.register(name, create_checkpoint(api)["uuid"])
    path = f"/api/v1/models/{name}/versions/1"
    api.ok("PATCH", path, {"name": "v", "notes": "n", "comment": "c", "labels": ["l"], "metadata": {"k": 1}})
    mv = api.ok("PATCH", path, {"name": None, "notes": "n2", "metadata": None})["modelVersion"]
    assert (mv["name"], mv["notes"], mv["comment"], mv["labels"], mv["metadata"]) == (
        "v", "n2", "c", ["l"], {"k": 1},
    )  # fmt: skip


def test_empty_bodies_with_content_length_zero(api, name):
    api.create_model(name)
    for action in ("archive", "unarchive"):
        r = api.request("POST", f"/api/v1/models/{name}/{action}", headers={"Content-Length": "0"})
        assert r.status_code == 200 and r.json() == {}
    r = api.request("DELETE", f"/api/v1/models/{name}", headers={"Content-Length": "0"})
    assert r.status_code == 200 and r.json() == {}


def test_rename_a_model(api, name):
    api.create_model(name)
    new = name + "-renamed"
    assert api.ok("PATCH", f"/api/v1/models/{name}", {"name": new})["model"]["name"] == new
    assert api.get(f"/api/v1/models/{new}").status_code == 200
    assert api.get(f"/api/v1/models/{name}").status_code == 404


def test_version_register_body_extras(api, name):
    api.create_model(name)
    u = create_checkpoint(api)["uuid"]
    mv = api.ok(
        "POST",
        f"/api/v1/models/{name}/versions",
        {"checkpointUuid": u, "modelName": name, "name": "n", "comment": "c", "metadata": {"m": 1},
         "labels": ["a"], "notes": "x"},
    )["modelVersion"]  # fmt: skip
    assert (mv["name"], mv["comment"], mv["metadata"], mv["labels"], mv["notes"]) == (
        "n", "c", {"m": 1}, ["a"], "x",
    )  # fmt: skip


# -------------------------------------------------------------------- query strings


@pytest.fixture(scope="module")
def three(api):
    """Models <p>-b, <p>-c, <p>-a created in that order; returns the prefix."""
    prefix = unique("q")
    for suffix in "bca":
        api.create_model(f"{prefix}-{suffix}", labels=[f"{prefix}-{suffix}-label"])
    api.ok("POST", f"/api/v1/models/{prefix}-c/archive")
    return prefix


def listed(api, **params) -> list:
    r = api.get("/api/v1/models", params=params)
    assert r.status_code == 200, r.text
    return [m["name"] for m in r.json()["models"]]


@pytest.mark.parametrize(
    "params",
    [
        {"sortBy": "SORT_BY_NAME", "orderBy": "ORDER_BY_DESC"},
        {"sort_by": "SORT_BY_NAME", "order_by": "ORDER_BY_DESC"},
        {"sortBy": "1", "orderBy": "2"},
        {"sort_by": "1", "order_by": "ORDER_BY_DESC"},
    ],
    ids=["camel-names", "snake-names", "camel-numbers", "snake-mixed"],
)
def test_query_names_and_enum_spellings(api, three, params):
    assert listed(api, name=three, **params) == [f"{three}-{s}" for s in "cba"]


def test_default_and_unspecified_sort_is_by_id(api, three):
    expected = [f"{three}-{s}" for s in "bca"]
    assert listed(api, name=three) == expected
    assert listed(api, name=three, sortBy="SORT_BY_UNSPECIFIED", orderBy="ORDER_BY_UNSPECIFIED") == expected
    assert listed(api, name=three, sortBy="0", orderBy="0") == expected
    assert listed(api, name=three, orderBy="ORDER_BY_DESC") == expected[::-1]


def test_unknown_enum_is_400(api):
    r = api.get("/api/v1/models", params={"sortBy": "SORT_BY_COLOR"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == 3


def test_filters_labels_archived_id_users(api, three):
    p = three
    assert sorted(listed(api, labels=[f"{p}-a-label", f"{p}-b-label"])) == [f"{p}-a", f"{p}-b"]
    assert listed(api, name=p, archived="true") == [f"{p}-c"]
    assert listed(api, name=p, archived="false") == [f"{p}-b", f"{p}-a"]
    model_id = api.get(f"/api/v1/models/{p}-a").json()["model"]["id"]
    assert listed(api, id=str(model_id)) == [f"{p}-a"]
    assert listed(api, name=p, id="0") == [f"{p}-b", f"{p}-c", f"{p}-a"]  # id=0: no filter
    assert listed(api, name=p, users="determined") == [f"{p}-b", f"{p}-c", f"{p}-a"]
    assert listed(api, name=p, users="admin") == []


def test_workspace_filters(api, three):
    p = three
    everything = [f"{p}-b", f"{p}-c", f"{p}-a"]
    # The client sends workspaceNames/workspaceIds as repeated keys.
    assert listed(api, name=p, workspaceNames="Uncategorized") == everything
    assert listed(api, name=p, workspaceIds=["1"]) == everything


def test_name_filter_is_case_insensitive_and_literal(api):
    tag = uuid.uuid4().hex[:8]
    for n in (f"{tag}-A%B", f"{tag}-axb", f"{tag}-a_b"):
        api.create_model(n)
    assert listed(api, name=f"{tag}-a%b") == [f"{tag}-A%B"]
    assert listed(api, name=f"{tag}-a_b") == [f"{tag}-a_b"]
    assert sorted(listed(api, name=f"{tag}-A")) == sorted([f"{tag}-A%B", f"{tag}-axb", f"{tag}-a_b"])


def test_versions_query(api, name):
    api.create_model(name)
    for _ in range(3):
        api.register(name, create_checkpoint(api)["uuid"])

    def nums(**params):
        r = api.get(f"/api/v1/models/{name}/versions", params=params)
        assert r.status_code == 200, r.text
        return [v["version"] for v in r.json()["modelVersions"]]

    assert nums() == [1, 2, 3]  # no query at all (det model list-versions --json)
    assert nums(offset=0, orderBy="ORDER_BY_DESC") == [3, 2, 1]  # list_versions()
    assert nums(limit=1, orderBy="ORDER_BY_DESC", sortBy="SORT_BY_VERSION") == [3]  # get_version()
    assert nums(limit="1", order_by="2", sort_by="3") == [3]
    assert nums(sortBy="SORT_BY_CREATION_TIME", orderBy="ORDER_BY_DESC") == [3, 2, 1]
    assert nums(sortBy="4", orderBy="1") == [1, 2, 3]


# ---------------------------------------------------------------- path segments


def test_model_id_or_name_in_the_path(api, name):
    model = api.create_model(name)
    mid = model["id"]
    assert api.ok("GET", f"/api/v1/models/{mid}")["model"]["name"] == name
    assert api.ok("GET", f"/api/v1/models/{name}")["model"]["id"] == mid
    # det model register-version --json: by id, body without modelName
    u = create_checkpoint(api)["uuid"]
    mv = api.ok("POST", f"/api/v1/models/{mid}/versions", {"checkpointUuid": u})["modelVersion"]
    assert (mv["version"], mv["model"]["name"]) == (1, name)
    assert api.ok("GET", f"/api/v1/models/{mid}/versions/1")["modelVersion"]["checkpoint"]["uuid"] == u
    assert api.ok("PATCH", f"/api/v1/models/{mid}", {"description": "by id"})["model"]["description"] == "by id"
    assert api.ok("PATCH", f"/api/v1/models/{mid}/versions/1", {"name": "v"})["modelVersion"]["name"] == "v"
    assert api.ok("POST", f"/api/v1/models/{mid}/archive") == {}
    assert api.ok("POST", f"/api/v1/models/{mid}/unarchive") == {}
    assert api.ok("DELETE", f"/api/v1/models/{mid}/versions/1") == {}
    assert api.ok("DELETE", f"/api/v1/models/{mid}") == {}
    assert api.get(f"/api/v1/models/{name}").status_code == 404


def test_percent_encoded_names_and_trailing_slashes(api):
    name = unique("with space") + " and more"
    api.create_model(name)
    # urllib.parse.quote, as the client does: spaces become %20
    assert api.ok("GET", f"/api/v1/models/{requests.utils.quote(name)}")["model"]["name"] == name
    assert api.ok("GET", f"/api/v1/models/{requests.utils.quote(name)}/")["model"]["name"] == name
    assert api.get("/api/v1/models/", params={"name": name}).json()["models"][0]["name"] == name


def test_labels_endpoint_is_singular(api):
    r = api.get("/api/v1/model/labels")
    assert r.status_code == 200 and isinstance(r.json()["labels"], list)


def test_move_endpoint(api, name):
    api.create_model(name)
    assert api.ok("POST", f"/api/v1/models/{name}/move", {"destinationWorkspaceId": 1, "modelName": name}) == {}
    r = api.request("POST", f"/api/v1/models/{name}/move", {"destinationWorkspaceId": 42, "modelName": name})
    assert r.status_code == 404
    assert api.ok("PATCH", f"/api/v1/models/{name}", {"workspaceId": 1})["model"]["workspaceId"] == 1


# ------------------------------------------------------------------ value formats


def test_int64_sizes_are_strings(api, name):
    big = 9007199254740993  # 2**53 + 1: not exact as a float
    u = create_checkpoint(
        api, resources={"huge.bin": str(big), "big.bin": 5_000_000_000, "small.txt": 7}
    )["uuid"]
    ckpt = api.ok("GET", f"/api/v1/checkpoints/{u}")["checkpoint"]
    assert ckpt["resources"] == {"huge.bin": str(big), "big.bin": "5000000000", "small.txt": "7"}
    api.create_model(name)
    mv = api.register(name, u)
    assert mv["checkpoint"]["resources"]["huge.bin"] == str(big)


def test_timestamps_are_rfc3339_utc_with_z(api, name):
    now = datetime.datetime.now(datetime.timezone.utc)
    model = api.create_model(name)
    u = create_checkpoint(api)["uuid"]
    mv = api.register(name, u)
    stamps = [
        model["creationTime"], model["lastUpdatedTime"],
        mv["creationTime"], mv["lastUpdatedTime"], mv["model"]["creationTime"],
        mv["checkpoint"]["reportTime"],
    ]  # fmt: skip
    for ts in stamps:
        assert abs(parse_ts(ts) - now) < datetime.timedelta(minutes=5), ts


def test_explicit_report_time_round_trips(api):
    u = create_checkpoint(api, reportTime="2024-03-01T12:30:45.123456Z")["uuid"]
    assert api.ok("GET", f"/api/v1/checkpoints/{u}")["checkpoint"]["reportTime"] == "2024-03-01T12:30:45.123456Z"


def test_every_required_key_is_present(api, name):
    model = api.create_model(name)
    assert MODEL_REQUIRED <= model.keys()
    assert isinstance(model["userId"], int) and model["userId"] > 0
    u = create_checkpoint(api)["uuid"]
    mv = api.register(name, u)
    assert VERSION_REQUIRED <= mv.keys()
    assert MODEL_REQUIRED <= mv["model"].keys()
    assert CHECKPOINT_REQUIRED <= mv["checkpoint"].keys()
    assert mv["checkpoint"]["state"] == "STATE_COMPLETED"
    assert isinstance(mv["checkpoint"]["training"], dict)
    versions = api.ok("GET", f"/api/v1/models/{name}/versions")
    assert {"model", "modelVersions", "pagination"} <= versions.keys()
    assert {"endIndex", "total"} <= versions["pagination"].keys()
    assert api.get(f"/api/v1/models/{name}").json()["model"]["numVersions"] == 1


def test_unset_training_ids_are_omitted_and_set_ones_kept(api):
    bare = create_checkpoint(api)
    assert "trialId" not in bare["training"] and "experimentId" not in bare["training"]
    full = create_checkpoint(
        api, training={"trialId": 4, "experimentId": 2, "experimentConfig": {"x": 1}, "searcherMetric": 0.5}
    )
    assert (full["training"]["trialId"], full["training"]["experimentId"]) == (4, 2)
    assert full["training"]["searcherMetric"] == 0.5


def test_trial_without_experiment_is_refused(api):
    r = api.request("POST", "/api/v1/checkpoints", {"training": {"trialId": 4}})
    assert r.status_code == 400


# --------------------------------------------------------------------------- errors


def test_error_bodies(api, name):
    r = api.get(f"/api/v1/models/{name}")
    assert r.status_code == 404
    body = r.json()
    assert body["error"]["code"] == 5 and body["error"]["reason"]
    assert name in body["error"]["error"] and body["message"] == body["error"]["error"]

    api.create_model(name)
    r = api.request("POST", "/api/v1/models", {"name": name})
    assert r.status_code == 409 and r.json()["error"]["code"] == 6

    r = api.request("POST", "/api/v1/models", {"name": "123"})
    assert r.status_code == 400 and r.json()["error"]["code"] == 3

    r = api.request("POST", "/api/v1/models", raw="{not json")
    assert r.status_code == 400 and isinstance(r.json()["error"], dict)

    r = api.request("POST", "/api/v1/models", {"description": "no name"})
    assert r.status_code == 400


def test_info_is_open_and_says_0_38_1(server):
    r = requests.get(f"{server.url}/info")
    assert r.status_code == 200
    info = r.json()
    assert info["version"] == "0.38.1"
    assert {"master_id", "cluster_id", "cluster_name"} <= info.keys()
