#!/usr/bin/env python3
"""The read fixture of the benchmark, made through each system's own API.

modelreg:  fixture.py modelreg URL TOKEN   -> prints a completed checkpoint uuid
mlflow:    fixture.py mlflow URL
template:  fixture.py template URL TOKEN   (one model with one version, for bench-seed)

Creates FIXTURE_MODELS models named fx-{family}-{i:04} (four families, so a
family filter matches 250 models) and two versions on each of the first
LATEST_MODELS of them. Names and counts must match bench/wrk/op.lua.
Only talks to the URL given (127.0.0.1).
"""

import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

FIXTURE_MODELS = 1000
LATEST_MODELS = 100
FAMILIES4 = ["bert", "resnet", "llama", "whisper"]


def fixture_name(i):
    return "fx-%s-%04d" % (FAMILIES4[i % 4], i)


def call(url, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read() or b"{}")


def parallel(fn, items, workers=8):
    with ThreadPoolExecutor(workers) as pool:
        for _ in pool.map(fn, items):
            pass


def modelreg(url, token):
    ckpt = call(url, "POST", "/api/v1/checkpoints", {}, token)["checkpoint"]["uuid"]
    parallel(lambda i: call(url, "POST", "/api/v1/models", {"name": fixture_name(i)}, token),
             range(FIXTURE_MODELS))
    for _ in range(2):
        parallel(lambda i: call(url, "POST", "/api/v1/models/%s/versions" % fixture_name(i),
                                {"checkpointUuid": ckpt}, token),
                 range(LATEST_MODELS))
    print(ckpt)


def mlflow(url):
    api = "/api/2.0/mlflow/"
    parallel(lambda i: call(url, "POST", api + "registered-models/create", {"name": fixture_name(i)}),
             range(FIXTURE_MODELS))
    for _ in range(2):
        parallel(lambda i: call(url, "POST", api + "model-versions/create",
                                {"name": fixture_name(i), "source": "s3://bench/checkpoint"}),
                 range(LATEST_MODELS))


def template(url, token):
    ckpt = call(url, "POST", "/api/v1/checkpoints", {}, token)["checkpoint"]["uuid"]
    call(url, "POST", "/api/v1/models", {"name": "seed-template"}, token)
    call(url, "POST", "/api/v1/models/seed-template/versions", {"checkpointUuid": ckpt}, token)


if __name__ == "__main__":
    kind, url = sys.argv[1], sys.argv[2]
    if kind == "modelreg":
        modelreg(url, sys.argv[3])
    elif kind == "mlflow":
        mlflow(url)
    elif kind == "template":
        template(url, sys.argv[3])
    else:
        sys.exit("unknown kind " + kind)
