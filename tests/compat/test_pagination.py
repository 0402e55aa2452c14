"""Pagination past 1,000 models, on a server of its own (so the other tests'
models do not count): the SDK gets every model, and a client walking
`offset=endIndex` with `limit=100` reaches the end.

A page holds at most 1,000 items: no `limit` (what the client sends) or
`limit=0` means a page of 1,000, and the client pages on with
`offset=endIndex`; a `limit` above 1,000 is a 400."""

from __future__ import annotations

import concurrent.futures
import json

import pytest
import requests
from conftest import Api, create_checkpoint, isolate_det_env, parse_ts, start_server
from determined.experimental import client
from determined.experimental.client import ModelSortBy, OrderBy

N_MODELS = 1050
MAX_PAGE = 1000


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """(server, api, names) with N_MODELS models created through raw HTTP."""
    srv = start_server(tmp_path_factory.mktemp("modelreg-big"))
    api = Api(srv.url)
    api.login()
    names = [f"page-{i:04d}" for i in range(N_MODELS)]

    def create(chunk):
        with requests.Session() as http:
            for n in chunk:
                r = http.post(
                    f"{srv.url}/api/v1/models",
                    data=json.dumps({"name": n}),
                    headers={"Authorization": f"Bearer {api.token}"},
                )
                assert r.status_code == 200, r.text

    chunks = [names[i::4] for i in range(4)]
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(create, chunks))
        yield srv, api, names
    finally:
        srv.stop()


def all_models(api: Api) -> list:
    """Every model, walking pages as the client does."""
    out, offset = [], 0
    while True:
        body = api.ok("GET", "/api/v1/models", params={"offset": offset})
        out += body["models"]
        p = body["pagination"]
        if p["endIndex"] >= p["total"]:
            return out
        assert p["endIndex"] > offset
        offset = p["endIndex"]


def test_sdk_get_models_returns_every_model(big, tmp_path, monkeypatch):
    srv, api, names = big
    isolate_det_env(monkeypatch, tmp_path / "det-config", srv.url)
    d = client.Determined(master=srv.url)
    models = d.get_models()
    assert [m.name for m in models] == names  # default sort: name ascending
    newest_first = d.get_models(sort_by=ModelSortBy.CREATION_TIME, order_by=OrderBy.DESC)
    assert sorted(m.model_id for m in newest_first) == sorted(m.model_id for m in models)
    # (the SDK drops fractional seconds: compare with the raw timestamps)
    created = {m["id"]: parse_ts(m["creationTime"]) for m in all_models(api)}
    keys = [(created[m.model_id], m.model_id) for m in newest_first]
    assert keys == sorted(keys, reverse=True)


@pytest.mark.parametrize("order", ["ORDER_BY_ASC", "ORDER_BY_DESC"])
def test_walk_with_limit_100_reaches_the_end(big, order):
    _, api, names = big
    seen, offsets, offset = [], [], 0
    while True:
        assert len(offsets) < 20, f"the walk does not end: offsets {offsets}"
        offsets.append(offset)
        r = api.get(
            "/api/v1/models",
            params={"limit": 100, "offset": offset, "sortBy": "SORT_BY_NAME", "orderBy": order},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        p = body["pagination"]
        assert (p["offset"], p["limit"], p["startIndex"], p["total"]) == (offset, 100, offset, N_MODELS)
        assert p["endIndex"] == min(offset + 100, N_MODELS)
        assert len(body["models"]) == p["endIndex"] - p["startIndex"]
        seen += [m["name"] for m in body["models"]]
        if p["endIndex"] >= p["total"]:
            break
        assert p["endIndex"] > offset
        offset = p["endIndex"]
    assert offsets == list(range(0, N_MODELS, 100))  # 11 pages
    assert seen == (names if order == "ORDER_BY_ASC" else names[::-1])


def test_no_limit_means_the_largest_page(big):
    _, api, names = big
    for params in ({}, {"limit": 0}, {"offset": 0}, {"limit": MAX_PAGE}):
        body = api.ok("GET", "/api/v1/models", params={**params, "sortBy": "SORT_BY_NAME"})
        assert [m["name"] for m in body["models"]] == names[:MAX_PAGE]
        p = body["pagination"]
        assert (p["startIndex"], p["endIndex"], p["total"]) == (0, MAX_PAGE, N_MODELS)
    rest = api.ok("GET", "/api/v1/models", params={"offset": MAX_PAGE, "sortBy": "SORT_BY_NAME"})
    assert [m["name"] for m in rest["models"]] == names[MAX_PAGE:]
    assert (rest["pagination"]["endIndex"], rest["pagination"]["total"]) == (N_MODELS, N_MODELS)
    ids = [m["id"] for m in all_models(api)]  # default order: by id
    assert ids == sorted(ids) and len(set(ids)) == N_MODELS


@pytest.mark.parametrize("limit", [MAX_PAGE + 1, 100000, -1])
def test_limit_out_of_range_is_400(big, limit):
    _, api, _ = big
    r = api.get("/api/v1/models", params={"limit": limit})
    assert r.status_code == 400, r.text
    assert "limit" in r.json()["error"]["error"]


def test_offset_edges(big):
    _, api, names = big
    tail = api.ok("GET", "/api/v1/models", params={"offset": -10, "sortBy": "SORT_BY_NAME"})
    assert [m["name"] for m in tail["models"]] == names[-10:]
    assert (tail["pagination"]["startIndex"], tail["pagination"]["endIndex"]) == (N_MODELS - 10, N_MODELS)
    end = api.ok("GET", "/api/v1/models", params={"offset": N_MODELS, "limit": 100})
    assert end["models"] == [] and end["pagination"]["endIndex"] == N_MODELS
    r = api.get("/api/v1/models", params={"offset": N_MODELS + 1})
    assert r.status_code == 400


def test_version_pages(big, tmp_path, monkeypatch):
    srv, api, _ = big
    name = "page-versions"
    api.create_model(name)
    for _ in range(25):
        api.register(name, create_checkpoint(api)["uuid"])
    nums, offset = [], 0
    while True:
        body = api.ok("GET", f"/api/v1/models/{name}/versions", params={"limit": 10, "offset": offset})
        nums += [v["version"] for v in body["modelVersions"]]
        p = body["pagination"]
        if p["endIndex"] >= p["total"]:
            break
        offset = p["endIndex"]
    assert nums == list(range(1, 26))
    isolate_det_env(monkeypatch, tmp_path / "det-config", srv.url)
    model = client.Determined(master=srv.url).get_model(name)
    assert [v.model_version for v in model.get_versions()] == list(range(25, 0, -1))
