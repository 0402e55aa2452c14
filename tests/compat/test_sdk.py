"""The Python SDK (determined==0.38.1) against modelreg: every example of the
model-registry guide, and the errors a real master gives."""

from __future__ import annotations

import datetime
import time
import uuid

import pytest
from conftest import create_checkpoint, unique
from determined.common.api import errors
from determined.experimental import client
from determined.experimental.client import (
    CheckpointState,
    ModelOrderBy,
    ModelSortBy,
    OrderBy,
)


def names(models) -> list:
    return [m.name for m in models]


def versions(model_versions) -> list:
    return [v.model_version for v in model_versions]


# ----------------------------------------------------------------- creating models


def test_determined_without_arguments_uses_det_master(det_env, server, name):
    """`Determined()` as the guide writes it: the master comes from DET_MASTER."""
    d = client.Determined()
    assert d.create_model(name).name == name
    assert client.Determined().get_model(name).name == name


def test_create_model_with_description_and_metadata(det, name):
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    model = det.create_model(
        name,
        description="optional description",
        metadata={"optional": "JSON serializable dictionary"},
    )
    assert isinstance(model, client.Model)
    assert model.name == name
    assert isinstance(model.model_id, int) and model.model_id > 0
    assert model.description == "optional description"
    assert model.metadata == {"optional": "JSON serializable dictionary"}
    assert model.labels == []
    assert model.archived is False
    assert model.workspace_id == 1
    assert model.username == "determined"
    assert model.creation_time.tzinfo is not None
    assert before <= model.creation_time <= before + datetime.timedelta(minutes=5)
    assert model.last_updated_time >= model.creation_time

    again = det.get_model(name)
    assert (again.model_id, again.description, again.metadata) == (
        model.model_id,
        "optional description",
        {"optional": "JSON serializable dictionary"},
    )


def test_create_model_with_defaults_and_labels(det, name):
    model = det.create_model(name)  # description "" and nulls for the rest
    assert (model.description, model.metadata, model.labels) == ("", {}, [])
    other = det.create_model(unique("labelled"), labels=["vision", "prod"], workspace_name="Uncategorized")
    assert other.labels == ["vision", "prod"]
    assert other.workspace_id == 1


# ------------------------------------------------------------------ querying models


def test_get_models_returns_every_model(det, name):
    created = {det.create_model(f"{name}-{i}").model_id for i in range(3)}
    all_models = det.get_models()
    assert created <= {m.model_id for m in all_models}
    assert len({m.model_id for m in all_models}) == len(all_models), "duplicates in get_models()"
    # list_models() is the non-deprecated spelling of the same call.
    assert {m.model_id for m in det.list_models()} == {m.model_id for m in all_models}
    # The default order is by name, ascending.
    ours = [m.name for m in all_models if m.name.startswith(name)]
    assert ours == [f"{name}-0", f"{name}-1", f"{name}-2"]


@pytest.fixture(scope="module")
def sortable(det, api):
    """Four models A, B, C, D (created in that order) whose every sort key
    gives a different order; returns (prefix, {letter: name})."""
    prefix = unique("sort")
    spec = {
        # letter: (name suffix, description, number of versions)
        "A": ("delta", "desc 2", 2),
        "B": ("alpha", "desc 3", 0),
        "C": ("charlie", "desc 1", 3),
        "D": ("bravo", "desc 4", 1),
    }
    models = {}
    for letter, (suffix, description, _) in spec.items():
        models[letter] = det.create_model(f"{prefix}-{suffix}", description=description)
        time.sleep(0.002)
    for letter, (_, _, n) in spec.items():
        for _ in range(n):
            models[letter].register_version(create_checkpoint(api)["uuid"])
    # lastUpdatedTime order: C, A, D, B
    for i, letter in enumerate("CADB"):
        time.sleep(0.002)
        models[letter].add_metadata({"touched": i})
    return prefix, {letter: m.name for letter, m in models.items()}


SORT_ORDERS = {
    ModelSortBy.NAME: "BDCA",
    ModelSortBy.DESCRIPTION: "CABD",
    ModelSortBy.CREATION_TIME: "ABCD",
    ModelSortBy.LAST_UPDATED_TIME: "CADB",
    ModelSortBy.NUM_VERSIONS: "BDAC",
    # One workspace: ties break on id, in the same direction.
    ModelSortBy.WORKSPACE: "ABCD",
}


@pytest.mark.parametrize("order_by", [OrderBy.ASC, OrderBy.DESC], ids=["asc", "desc"])
@pytest.mark.parametrize("sort_by", list(ModelSortBy), ids=[s.name for s in ModelSortBy])
def test_get_models_sorted(det, sortable, sort_by, order_by):
    prefix, by_letter = sortable
    expected = [by_letter[x] for x in SORT_ORDERS[sort_by]]
    if order_by == OrderBy.DESC:
        expected.reverse()
    got = names(det.get_models(sort_by=sort_by, order_by=order_by, name=prefix))
    assert got == expected


def test_get_models_guide_spellings(det, sortable):
    """`ModelOrderBy` (deprecated) and ASCENDING/DESCENDING as the guide imports them."""
    prefix, by_letter = sortable
    chronological = names(det.get_models(sort_by=ModelSortBy.CREATION_TIME, name=prefix))
    assert chronological == [by_letter[x] for x in "ABCD"]
    newest_first = names(
        det.get_models(sort_by=ModelSortBy.CREATION_TIME, order_by=ModelOrderBy.DESC, name=prefix)
    )
    assert newest_first == [by_letter[x] for x in "DCBA"]
    by_name = names(det.get_models(sort_by=ModelSortBy.NAME, order_by=OrderBy.DESCENDING, name=prefix))
    assert by_name == [by_letter[x] for x in "ACDB"]


def test_get_models_by_name_substring(det):
    tag = uuid.uuid4().hex[:8]
    wanted = [f"mnist_pytorch-{tag}", f"mnist_cnn-{tag}", f"{tag}-mnist", f"{tag}-MNIST-caps"]
    for n in wanted + [f"{tag}-resnet", f"{tag}-mnis-t"]:
        det.create_model(n)
    mnist_models = det.get_models(name="mnist")
    assert all("mnist" in m.name.lower() for m in mnist_models), names(mnist_models)
    assert sorted(n for n in names(mnist_models) if tag in n) == sorted(wanted)


def test_get_models_by_description_substring(det):
    tag = uuid.uuid4().hex[:8]
    det.create_model(f"{tag}-a", description="OCR for invoices")
    det.create_model(f"{tag}-b", description="handwriting ocr model")
    det.create_model(f"{tag}-c", description="speech recognition")
    ocr_models = det.get_models(description="ocr")
    assert all("ocr" in m.description.lower() for m in ocr_models)
    assert sorted(n for n in names(ocr_models) if tag in n) == [f"{tag}-a", f"{tag}-b"]
    both = det.get_models(name=tag, description="OCR")
    assert names(both) == [f"{tag}-a", f"{tag}-b"]


def test_get_models_by_id(det, name):
    model = det.create_model(name)
    assert names(det.get_models(model_id=model.model_id)) == [name]


def test_get_model_by_name_and_by_id(det, name):
    model = det.create_model(name, description="d")
    by_name = det.get_model(name)
    by_id = det.get_model(model.model_id)
    by_id_str = det.get_model(str(model.model_id))
    deprecated = det.get_model_by_id(model.model_id)
    for m in (by_name, by_id, by_id_str, deprecated):
        assert (m.model_id, m.name, m.description) == (model.model_id, name, "d")


# ---------------------------------------------------------------- model metadata


def test_add_and_remove_metadata_as_in_the_guide(det, name):
    det.create_model(name)
    model = det.get_model(name)

    model.add_metadata({"key": "value"})
    model.add_metadata({"metrics": {"test_set_loss": 0.091}})
    expected = {"key": "value", "metrics": {"test_set_loss": 0.091}}
    assert model.metadata == expected
    assert det.get_model(name).metadata == expected

    # Only top-level keys are merged.
    model.add_metadata({"metrics": {"test_set_acc": 0.97}})
    expected = {"key": "value", "metrics": {"test_set_acc": 0.97}}
    assert det.get_model(name).metadata == expected

    model.remove_metadata(["key"])
    assert det.get_model(name).metadata == {"metrics": {"test_set_acc": 0.97}}

    # Removing the last key clears the metadata (the client sends {"metadata": {}}).
    model.remove_metadata(["metrics"])
    assert det.get_model(name).metadata == {}


# --------------------------------------------------------------- labels, description


def test_set_labels_and_get_model_labels(det):
    tag = uuid.uuid4().hex[:8]
    popular, middle, rare = f"{tag}-popular", f"{tag}-middle", f"{tag}-rare"
    a = det.create_model(f"{tag}-a")
    b = det.create_model(f"{tag}-b")
    c = det.create_model(f"{tag}-c")
    a.set_labels([rare, popular, middle])
    b.set_labels([popular, middle])
    c.set_labels([popular])
    assert det.get_model(a.name).labels == [rare, popular, middle]
    labels = det.get_model_labels()
    assert labels.index(popular) < labels.index(middle) < labels.index(rare)
    assert len(labels) == len(set(labels))

    c.set_labels([])
    assert det.get_model(c.name).labels == []


def test_set_description(det, name):
    model = det.create_model(name, description="before")
    model.set_description("after")
    assert model.description == "after"
    assert det.get_model(name).description == "after"
    # Other fields are untouched by a description-only PATCH.
    assert det.get_model(name).metadata == {}


# ------------------------------------------------------- archive, unarchive, delete


def test_archive_and_unarchive(det, name):
    model = det.create_model(name)
    model.archive()
    assert det.get_model(name).archived is True
    # The SDK sends no archived filter: archived models are still listed.
    listed = det.get_models(name=name)
    assert names(listed) == [name] and listed[0].archived is True
    model.unarchive()
    assert det.get_model(name).archived is False


def test_delete_model(det, api, name):
    model = det.create_model(name)
    model.register_version(create_checkpoint(api)["uuid"])
    model.delete()
    with pytest.raises(errors.NotFoundException):
        det.get_model(name)
    assert api.get(f"/api/v1/models/{model.model_id}/versions").status_code == 404
    assert names(det.get_models(name=name)) == []


# -------------------------------------------------------------------- workspaces


def test_default_workspace_by_name_and_move(det, name):
    model = det.create_model(name, workspace_name="Uncategorized")
    assert model.workspace_id == 1
    model.move_to_workspace("Uncategorized")  # PATCH {"workspaceName": "Uncategorized"}
    assert det.get_model(name).workspace_id == 1
    ours = det.list_models(name=name, workspace_names=["Uncategorized"], workspace_ids=[1])
    assert names(ours) == [name]


def test_unknown_workspace_is_not_found(det, name):
    with pytest.raises(errors.NotFoundException) as e:
        det.create_model(name, workspace_name="Elsewhere")
    assert "Elsewhere" in e.value.message
    model = det.create_model(name)
    with pytest.raises(errors.NotFoundException):
        model.move_to_workspace("Elsewhere")
    assert det.get_model(name).workspace_id == 1


@pytest.mark.parametrize(
    "kwargs,found",
    [
        ({"workspace_names": ["Elsewhere"]}, False),
        ({"workspace_ids": [2]}, False),
        ({"workspace_names": ["Uncategorized"]}, True),
        ({"workspace_ids": [1]}, True),
        ({"workspace_names": ["Elsewhere", "Uncategorized"]}, True),  # any of them
        ({"workspace_ids": [2, 1]}, True),
    ],
    ids=["other-name", "other-id", "default-name", "default-id", "names-any-of", "ids-any-of"],
)
def test_listing_by_workspace(det, name, kwargs, found):
    # GET /api/v1/models?workspaceNames=...&workspaceNames=... (or workspaceIds=...)
    det.create_model(name)
    assert names(det.list_models(name=name, **kwargs)) == ([name] if found else [])


# --------------------------------------------------------------------- versions


def test_register_version_and_get_versions(det, make_checkpoint, name):
    model = det.create_model(name)
    assert model.get_version() is None  # no versions yet: latest is None
    ckpts = [make_checkpoint()["uuid"] for _ in range(3)]

    registered = [model.register_version(u) for u in ckpts]
    assert versions(registered) == [1, 2, 3]
    for mv, u in zip(registered, ckpts):
        assert isinstance(mv, client.ModelVersion)
        assert mv.model_name == name
        assert mv.model_id == model.model_id
        assert mv.checkpoint.uuid == u
        assert mv.checkpoint.state == CheckpointState.COMPLETED

    specific_version = model.get_version(3)
    assert (specific_version.model_version, specific_version.checkpoint.uuid) == (3, ckpts[2])
    assert model.get_version(1).checkpoint.uuid == ckpts[0]
    latest_version = model.get_version()
    assert (latest_version.model_version, latest_version.checkpoint.uuid) == (3, ckpts[2])

    # Newest first by default; ascending on request.
    assert versions(model.get_versions()) == [3, 2, 1]
    assert versions(model.list_versions()) == [3, 2, 1]
    assert versions(model.get_versions(order_by=OrderBy.ASC)) == [1, 2, 3]
    assert [v.checkpoint.uuid for v in model.get_versions()] == ckpts[::-1]


def test_register_version_by_model_id_object(det, make_checkpoint, name):
    """A Model fetched by id registers through its name, like one fetched by name."""
    created = det.create_model(name)
    model = det.get_model(created.model_id)
    assert model.register_version(make_checkpoint()["uuid"]).model_version == 1


def test_the_same_checkpoint_in_two_models(det, make_checkpoint):
    u = make_checkpoint()["uuid"]
    a, b = det.create_model(unique("share")), det.create_model(unique("share"))
    assert a.register_version(u).checkpoint.uuid == u
    assert b.register_version(u).checkpoint.uuid == u


def test_model_version_set_name_set_notes_and_delete(det, make_checkpoint, name):
    model = det.create_model(name)
    v1 = model.register_version(make_checkpoint()["uuid"])
    v2 = model.register_version(make_checkpoint()["uuid"])

    v1.set_name("first")
    v1.set_notes("# Readme\ntrained on mnist")
    fetched = model.get_version(1)
    assert fetched.name == "first"
    assert fetched.notes == "# Readme\ntrained on mnist"
    assert model.get_version(2).name in ("", None)

    v2.delete()
    with pytest.raises(errors.NotFoundException):
        model.get_version(2)
    assert versions(model.get_versions()) == [1]
    assert model.get_version().model_version == 1
    # A deleted version's number is not handed out again.
    assert model.register_version(make_checkpoint()["uuid"]).model_version == 3


def test_version_reload(det, make_checkpoint, name):
    model = det.create_model(name)
    mv = model.register_version(make_checkpoint()["uuid"])
    det.get_model(name).get_version(1).set_name("renamed")
    mv.reload()
    assert mv.name == "renamed"


# --------------------------------------------------------------------- checkpoints


def test_get_checkpoint_with_training_metadata(det, api):
    u = str(uuid.uuid4())
    create_checkpoint(
        api,
        uuid=u,
        resources={"model.pt": "123456", "code/train.py": 789},
        metadata={"framework": "torch-2.1", "format": "pt", "steps_completed": 500},
        training={
            "trialId": 7,
            "experimentId": 3,
            "experimentConfig": {"name": "mnist", "searcher": {"metric": "val_loss"}},
            "hparams": {"lr": 0.01, "layers": 2},
            "trainingMetrics": {"avgMetrics": {"loss": 0.2}, "batchMetrics": []},
            "validationMetrics": {"avgMetrics": {"val_loss": 0.25}, "batchMetrics": []},
            "searcherMetric": 0.25,
        },
    )
    ckpt = det.get_checkpoint(u)
    assert isinstance(ckpt, client.Checkpoint)
    assert ckpt.uuid == u
    assert ckpt.state == CheckpointState.COMPLETED
    assert ckpt.resources == {"model.pt": "123456", "code/train.py": "789"}
    assert ckpt.metadata == {"framework": "torch-2.1", "format": "pt", "steps_completed": 500}
    assert ckpt.report_time and ckpt.report_time.endswith("Z")
    assert ckpt.training is not None
    assert ckpt.training.trial_id == 7
    assert ckpt.training.experiment_id == 3
    assert ckpt.training.experiment_config == {"name": "mnist", "searcher": {"metric": "val_loss"}}
    assert ckpt.training.hparams == {"lr": 0.01, "layers": 2}
    assert ckpt.training.validation_metrics["avgMetrics"] == {"val_loss": 0.25}


def test_get_checkpoint_without_training(det, make_checkpoint):
    u = make_checkpoint()["uuid"]
    ckpt = det.get_checkpoint(u)
    assert ckpt.training is None  # no trial: a non-training checkpoint
    assert ckpt.metadata["steps_completed"] == 100


def test_model_version_carries_the_full_checkpoint(det, api, name):
    u = create_checkpoint(
        api,
        resources={"w.bin": "42"},
        metadata={"steps_completed": 9},
        training={"trialId": 1, "experimentId": 1, "experimentConfig": {"a": 1}},
    )["uuid"]
    mv = det.create_model(name).register_version(u)
    assert mv.checkpoint.resources == {"w.bin": "42"}
    assert mv.checkpoint.metadata == {"steps_completed": 9}
    assert mv.checkpoint.training.trial_id == 1


# ------------------------------------------------------------------------- errors


def test_duplicate_name_is_already_exists(det, name):
    det.create_model(name)
    with pytest.raises(errors.APIException) as e:
        det.create_model(name)
    assert not isinstance(e.value, errors.NotFoundException)
    assert e.value.status_code == 409
    assert name in e.value.message and "exist" in e.value.message


@pytest.mark.parametrize(
    "bad_name, message",
    [
        ("12345", "model names cannot be only numbers"),
        ("a/b", "model names cannot have slashes"),
        ("a\\b", "model names cannot have slashes"),
        ("   ", "model names cannot be blank"),
        ("two  spaces", "model names cannot have excessive spacing"),
    ],
    ids=["digits", "slash", "backslash", "blank", "spacing"],
)
def test_invalid_names_are_invalid_argument(det, bad_name, message):
    with pytest.raises(errors.APIException) as e:
        det.create_model(bad_name)
    assert e.value.status_code == 400
    assert e.value.message == message


def test_rename_to_invalid_name_is_refused(api, name):
    api.create_model(name)
    r = api.request("PATCH", f"/api/v1/models/{name}", {"name": "999"})
    assert r.status_code == 400
    assert r.json()["error"]["error"] == "model names cannot be only numbers"


@pytest.mark.parametrize("dots", [".", ".."])
def test_dot_names_are_refused(det, api, name, dots):
    # The client's urllib3 removes dot segments from paths, so a model named "." could never
    # be read back (GET /api/v1/models/. becomes GET /api/v1/models/): refused like slashes.
    with pytest.raises(errors.APIException) as e:
        det.create_model(dots)
    assert e.value.status_code == 400
    assert e.value.message == "model names cannot be . or .."
    det.create_model(name)
    r = api.request("PATCH", f"/api/v1/models/{name}", {"name": dots})
    assert r.status_code == 400, r.text
    # Dots inside a name are fine.
    dotted = f"{name}.v1..x"
    assert det.create_model(dotted).name == dotted
    assert det.get_model(dotted).name == dotted


def test_unknown_model_is_not_found(det):
    missing = unique("missing")
    with pytest.raises(errors.NotFoundException) as e:
        det.get_model(missing)
    assert missing in e.value.message
    with pytest.raises(errors.NotFoundException):
        det.get_model(987654321)
    with pytest.raises(errors.NotFoundException):
        det.get_model("has/slash")  # the client does not escape "/"


def test_unknown_version_is_not_found(det, name):
    model = det.create_model(name)
    with pytest.raises(errors.NotFoundException):
        model.get_version(99)


def test_unknown_checkpoint_is_not_found(det, name):
    missing = str(uuid.uuid4())
    with pytest.raises(errors.NotFoundException):
        det.get_checkpoint(missing)
    model = det.create_model(name)
    with pytest.raises(errors.NotFoundException) as e:
        model.register_version(missing)
    assert missing in e.value.message


def test_registering_on_an_archived_model_is_refused(det, make_checkpoint, name):
    model = det.create_model(name)
    model.archive()
    with pytest.raises(errors.APIException) as e:
        model.register_version(make_checkpoint()["uuid"])
    assert e.value.status_code == 400  # FailedPrecondition, not a 500
    assert "archived" in e.value.message
    model.unarchive()
    assert model.register_version(make_checkpoint()["uuid"]).model_version == 1


def test_registering_an_unfinished_checkpoint_is_refused(det, make_checkpoint, name):
    model = det.create_model(name)
    u = make_checkpoint(state="STATE_ACTIVE")["uuid"]
    with pytest.raises(errors.APIException) as e:
        model.register_version(u)
    assert e.value.status_code == 400
