"""Checkpoint methods of the SDK beyond `get_checkpoint` (which test_sdk.py
covers): downloading through the master and checkpoint metadata."""

from __future__ import annotations

import json
import os

import pytest
from conftest import create_checkpoint, upload_checkpoint
from determined.common.api import errors
from determined.experimental.client import DownloadMode

# A storage the client cannot reach directly: AUTO mode falls back to the
# master, and MASTER mode (which still reads the key) is satisfied.
STORAGE = {"type": "shared_fs", "host_path": "/nonexistent-modelreg-storage", "storage_path": "x"}
TRAINING = {"trialId": 1, "experimentId": 1, "experimentConfig": {"checkpoint_storage": STORAGE}}
FILES = {
    "model.pt": os.urandom(300_000),
    "code/train.py": b"print('hello')\n",
    "metadata.json": json.dumps({"steps_completed": 3, "framework": "torch"}).encode(),
}


@pytest.fixture(scope="module")
def uploaded(api):
    return upload_checkpoint(api, FILES, metadata={"steps_completed": 3}, training=TRAINING)


def test_uploaded_checkpoint_reads_back_in_the_sdk(det, uploaded):
    ckpt = det.get_checkpoint(uploaded["uuid"])
    assert ckpt.state.name == "COMPLETED"
    assert ckpt.resources == {p: str(len(c)) for p, c in FILES.items()}  # int64 sizes as strings
    assert ckpt.training.trial_id == 1


@pytest.mark.parametrize("mode", [DownloadMode.MASTER, DownloadMode.AUTO], ids=["master", "auto"])
def test_download_through_the_master(det, uploaded, tmp_path, mode):
    # GET /checkpoints/{uuid} (no /api/v1), Accept: application/gzip -> a tar.gz stream
    target = tmp_path / "ckpt"
    path = det.get_checkpoint(uploaded["uuid"]).download(str(target), mode=mode)
    assert path == str(target)
    got = {
        str(p.relative_to(target)): p.read_bytes() for p in target.rglob("*") if p.is_file()
    }
    assert got == FILES


def test_model_version_checkpoint_downloads(det, api, uploaded, tmp_path, name):
    model = det.create_model(name)
    model.register_version(uploaded["uuid"])
    latest_version = model.get_version()
    path = latest_version.checkpoint.download(str(tmp_path / "v"), mode=DownloadMode.MASTER)
    assert (tmp_path / "v" / "model.pt").read_bytes() == FILES["model.pt"]
    assert path == str(tmp_path / "v")


def test_download_of_a_record_only_checkpoint_is_refused_cleanly(det, api, tmp_path):
    u = create_checkpoint(
        api, resources={"model.pt": "10"}, metadata={"steps_completed": 1}, training=TRAINING
    )["uuid"]
    with pytest.raises(errors.APIException) as e:
        det.get_checkpoint(u).download(str(tmp_path / "r"), mode=DownloadMode.MASTER)
    assert e.value.status_code == 400
    assert "no files" in e.value.message


def test_checkpoint_add_and_remove_metadata(det, api):
    u = create_checkpoint(api, resources={"model.pt": "10"}, metadata={"steps_completed": 1, "a": 1})["uuid"]
    ckpt = det.get_checkpoint(u)
    # Sends POST /api/v1/checkpoints/{uuid}/metadata
    #   {"checkpoint": {"uuid", "metadata": <whole merged dict>, "resources": {},
    #                   "state": "STATE_UNSPECIFIED", "training": {}}}
    ckpt.add_metadata({"b": 2})
    assert det.get_checkpoint(u).metadata == {"steps_completed": 1, "a": 1, "b": 2}
    ckpt.remove_metadata(["a"])
    fetched = det.get_checkpoint(u)
    assert fetched.metadata == {"steps_completed": 1, "b": 2}
    # Only the metadata changes: state and resources stay as they were.
    assert fetched.state.name == "COMPLETED"
    assert fetched.resources == {"model.pt": "10"}
