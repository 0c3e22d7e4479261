"""Saving and loading models: one ``.npz`` file, no pickle.

File layout (``numpy.savez``, uncompressed, read back with ``allow_pickle=False`` only)::

    __minicnn__                 uint8 array: UTF-8 JSON header (below)
    weights/<layer>/<name>      every layer's parameters and state (BatchNorm moving statistics)
    optimizer/<key>             optimizer state: "iterations" and "<layer>/<param>:<slot>" (full saves)

The JSON header::

    {"format": "minicnn", "format_version": 1, "kind": "model" | "weights",
     "architecture": model.to_json() as a dict,
     "weights": [[layer name, weight name], ...]          # order of the weight arrays
     "optimizer": config | null, "optimizer_state": [key, ...],
     "loss": config | {"losses": [config, ...], "loss_weights": [...]} | null, "metrics": [...],
     "rng": {"model": bit_generator.state, "layers": {dropout layer name: bit_generator.state}},
     "metadata": {...}}                                    # e.g. {"class_names": [...]}

Paths are used exactly as given (numpy's habit of appending ``.npz`` is avoided by writing to an
open file). The suffixes ``.keras`` and ``.h5`` (``.weights.h5``, ``.hdf5``) write Keras's formats
instead, with this npz embedded (``minicnn.keras_format``); loading looks at the content, so npz
files saved under those names by earlier versions still load.
Writes are atomic: a temporary file in the same directory, then ``os.replace``.

Every problem with a file raises a ``ValueError`` that says which one: not a zip/npz
(random bytes), truncated or corrupt, pickled (object) arrays, not a minicnn file, wrong
format version, missing or unexpected arrays, unknown config keys, or an architecture that
does not match the model the weights are loaded into.
"""
import json
import os
import tempfile
import zipfile

import numpy as np

from . import keras_format
from . import losses as losses_module
from . import optimizers as optimizers_module
from .models import FORMAT_VERSION, MODEL_CLASSES
from .rng import global_generator

HEADER_KEY = "__minicnn__"
MAGIC = "minicnn"
_HEADER_KEYS = {"format", "format_version", "kind", "architecture", "weights", "optimizer", "optimizer_state",
                "loss", "metrics", "rng", "metadata"}
_ARCH_KEYS = {"class_name", "format_version", "config"}


# ------------------------------------------------------------------ JSON architecture
def model_from_json(json_string):
    """Rebuild an (untrained, uncompiled) model from ``model.to_json()``."""
    try:
        spec = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as err:
        raise ValueError(f"not a model JSON string: {err}") from None
    return _model_from_spec(spec)


def _model_from_spec(spec):
    if not isinstance(spec, dict):
        raise ValueError(f"a model architecture must be a JSON object, got {type(spec).__name__}")
    unknown = set(spec) - _ARCH_KEYS
    if unknown:
        raise ValueError(f"unknown architecture keys {sorted(unknown)}; expected {sorted(_ARCH_KEYS)}")
    if spec.get("class_name") not in MODEL_CLASSES:
        raise ValueError(f"expected class_name 'Sequential' or 'Model', got {spec.get('class_name')!r}")
    _check_version(spec.get("format_version"), "architecture")
    if not isinstance(spec.get("config"), dict):
        raise ValueError("the architecture has no 'config' object")
    # building initializes weights from the global generator; loading must not disturb the
    # caller's seeded random stream, so put its state back afterwards
    state = global_generator().bit_generator.state
    try:
        return MODEL_CLASSES[spec["class_name"]].from_config(spec["config"])
    except KeyError as err:
        raise ValueError(f"the architecture is missing the key {err}") from None
    finally:
        global_generator().bit_generator.state = state


def _check_version(version, what):
    if version != FORMAT_VERSION:
        raise ValueError(f"wrong format version in the {what}: this minicnn reads version {FORMAT_VERSION}, "
                         f"the file has {version!r}")


# ------------------------------------------------------------------ writing
def _weight_arrays(model):
    names, arrays = [], {}
    for layer in model.layers:
        for key, value in list(layer.params.items()) + list(layer.state.items()):
            names.append([layer.name, key])
            arrays[f"weights/{layer.name}/{key}"] = value
    return names, arrays


def _rng_state(model):
    layers = {layer.name: layer.rng.bit_generator.state for layer in model.layers if hasattr(layer, "rng")}
    return {"model": model.rng.bit_generator.state, "layers": layers}


def _header(model, kind, metadata):
    names, arrays = _weight_arrays(model)
    header = {"format": MAGIC, "format_version": FORMAT_VERSION, "kind": kind,
              "architecture": json.loads(model.to_json()), "weights": names,
              "optimizer": None, "optimizer_state": [], "loss": None, "metrics": [], "rng": None,
              "metadata": dict(metadata or {})}
    if kind == "model":
        header["rng"] = _rng_state(model)
        header["metrics"] = list(model.metrics)
        if model.loss is not None:
            header["loss"] = _loss_config(model)
        if model.optimizer is not None:
            header["optimizer"] = model.optimizer.get_config()
            state = model.optimizer.get_state()
            header["optimizer_state"] = sorted(state)
            arrays.update({f"optimizer/{k}": v for k, v in state.items()})
    return header, arrays


def _loss_config(model):
    """The loss's config; ``{"losses": [...], "loss_weights": [...]}`` for several outputs."""
    if isinstance(model.loss, list):
        return {"losses": [l.get_config() for l in model.loss], "loss_weights": list(model.loss_weights)}
    return model.loss.get_config()


def _write_atomic(path, header, arrays):
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {path}: the directory {directory} does not exist")
    blob = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    fd, tmp = tempfile.mkstemp(prefix=".minicnn-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{HEADER_KEY: blob}, **arrays)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save_model(model, path, metadata=None):
    """Write architecture, weights, optimizer config and state, loss, metrics, RNG state and
    ``metadata`` (a JSON-serialisable dict, e.g. ``{"class_names": [...]}``) to ``path``."""
    if not model.built:
        model.build()
    if keras_format.handles(path):  # .keras / .h5: Keras's formats (with this save embedded)
        return keras_format.save(model, path, "model", metadata)
    header, arrays = _header(model, "model", metadata if metadata is not None else getattr(model, "metadata", None))
    _write_atomic(path, header, arrays)


def save_weights(model, path):
    """Write the weights (and the architecture, to check against when loading) to ``path``.
    Any suffix is accepted; the file is an npz whatever its name says."""
    if not model.built:
        model.build()
    if keras_format.handles(path) and not os.fspath(path).lower().endswith(".keras"):
        return keras_format.save(model, path, "weights")
    header, arrays = _header(model, "weights", None)
    _write_atomic(path, header, arrays)


# ------------------------------------------------------------------ reading
def _read(path):
    """``(header, arrays)`` from a minicnn file, every array read eagerly (so corruption surfaces here)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such model file: {path}")
    if os.path.isdir(path):
        raise ValueError(f"{path} is a directory, not a minicnn model file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except AttributeError:  # np.load returned a bare array: a .npy file
        raise ValueError(f"{path} is a single .npy array, not a minicnn model file") from None
    except zipfile.BadZipFile as err:
        raise ValueError(f"{path} is truncated or corrupt ({err})") from None
    except ValueError as err:
        text = str(err)
        if "pickled" in text and "Object arrays" not in text:
            raise ValueError(f"{path} is not a minicnn model file (not an .npz archive)") from None
        if "allow_pickle" in text:
            raise ValueError(f"{path} contains pickled (object) arrays, which minicnn refuses to load") from None
        raise ValueError(f"{path} is truncated or corrupt ({err})") from None
    except (OSError, EOFError, KeyError) as err:
        raise ValueError(f"{path} is truncated or corrupt ({type(err).__name__}: {err})") from None
    if HEADER_KEY not in arrays:
        raise ValueError(f"{path} is an .npz archive but not a minicnn file (no {HEADER_KEY!r} header)")
    blob = arrays.pop(HEADER_KEY)
    try:
        header = json.loads(blob.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} has a corrupt header: {err}") from None
    if not isinstance(header, dict) or header.get("format") != MAGIC:
        raise ValueError(f"{path} is not a minicnn file (header format is not {MAGIC!r})")
    _check_version(header.get("format_version"), f"file {path}")
    unknown = set(header) - _HEADER_KEYS
    if unknown:
        raise ValueError(f"{path}: unknown header keys {sorted(unknown)}")
    missing = _HEADER_KEYS - set(header)
    if missing:
        raise ValueError(f"{path}: the header lacks the keys {sorted(missing)}")
    expected = {f"weights/{layer}/{key}" for layer, key in header["weights"]}
    expected |= {f"optimizer/{key}" for key in header["optimizer_state"]}
    if set(arrays) != expected:
        lacking, extra = sorted(expected - set(arrays)), sorted(set(arrays) - expected)
        raise ValueError(f"{path}: arrays do not match the header (missing {lacking}, unexpected {extra})")
    return header, arrays


def _assign_weights(model, header, arrays, path):
    """Copy the saved weights into ``model`` layer by layer (by position), checking names and shapes."""
    saved = {}
    for layer_name, key in header["weights"]:
        saved.setdefault(layer_name, []).append((key, arrays[f"weights/{layer_name}/{key}"]))
    saved_layers = list(saved)
    target_layers = [layer for layer in model.layers if layer.params or layer.state]
    if len(saved_layers) != len(target_layers):
        raise ValueError(f"architecture mismatch: {path} holds weights for {len(saved_layers)} layers "
                         f"({', '.join(saved_layers)}), the model has {len(target_layers)} layers with weights "
                         f"({', '.join(l.name for l in target_layers)})")
    for layer, saved_name in zip(target_layers, saved_layers):
        keys = list(layer.params) + list(layer.state)
        values = saved[saved_name]
        got = [(k, v.shape) for k, v in values]
        want = [(k, (layer.params.get(k) if k in layer.params else layer.state[k]).shape) for k in keys]
        if got != want:
            raise ValueError(f"architecture mismatch: layer {layer.name} expects weights {want}, "
                             f"{path} has {got} (saved layer {saved_name})")
    for layer, saved_name in zip(target_layers, saved_layers):
        layer.set_weights([v for _, v in saved[saved_name]])


def load_weights(model, path):
    """Load weights saved by ``save_weights`` or ``save`` into ``model`` (same architecture)."""
    if os.path.isfile(path) and keras_format.file_kind(path):
        return keras_format.load_weights(model, path)
    header, arrays = _read(path)
    if not model.built:
        model.build(header["architecture"]["config"].get("input_shape"))
    _assign_weights(model, header, arrays, path)


def _config_from(config, factory, what, path):
    if not isinstance(config, dict) or "name" not in config:
        raise ValueError(f"{path}: the {what} config must be an object with a 'name', got {config!r}")
    try:
        return factory(config)
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{path}: bad {what} config {config} ({err}); unknown keys are errors") from None


def _restore_rng(model, state, path):
    if state is None:
        return
    try:
        model.rng.bit_generator.state = state["model"]
        layers = {layer.name: layer for layer in model.layers if hasattr(layer, "rng")}
        if set(state["layers"]) != set(layers):
            raise ValueError(f"random-state layers {sorted(state['layers'])} do not match {sorted(layers)}")
        for name, layer_state in state["layers"].items():
            layers[name].rng.bit_generator.state = layer_state
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{path}: corrupt random-generator state ({err})") from None


def load_model(path):
    """Rebuild a model written by ``save_model``: architecture, weights, compile settings, optimizer
    state and random state, so predictions are identical and training resumes exactly.
    ``model.metadata`` holds the saved metadata dict."""
    if os.path.isfile(path) and keras_format.file_kind(path):
        return keras_format.load_model(path)
    header, arrays = _read(path)
    if header["kind"] != "model":
        raise ValueError(f"{path} holds weights only (saved with save_weights); build the model and call "
                         "model.load_weights(path), or save it with model.save(path)")
    model = _model_from_spec(header["architecture"])
    if not model.built:
        raise ValueError(f"{path}: the architecture has no input shape")
    _assign_weights(model, header, arrays, path)
    if header["loss"] is not None:
        optimizer = None
        if header["optimizer"] is not None:
            optimizer = _config_from(header["optimizer"], optimizers_module.from_config, "optimizer", path)
            state = {key: arrays[f"optimizer/{key}"] for key in header["optimizer_state"]}
            if "iterations" not in state:
                raise ValueError(f"{path}: the optimizer state lacks 'iterations'")
            optimizer.set_state(state)
        config = header["loss"]
        if isinstance(config, dict) and set(config) == {"losses", "loss_weights"}:  # several outputs
            loss = [_config_from(c, losses_module.from_config, "loss", path) for c in config["losses"]]
            model.compile(optimizer or "sgd", loss, metrics=header["metrics"], loss_weights=config["loss_weights"])
        else:
            loss = _config_from(config, losses_module.from_config, "loss", path)
            model.compile(optimizer or "sgd", loss, metrics=header["metrics"])
    _restore_rng(model, header["rng"], path)
    model.metadata = dict(header["metadata"])
    return model


def load_state(model, path):
    """Put a full save's weights, optimizer state and random state into ``model`` itself (built, same
    architecture, compiled with the same optimizer), so its training resumes exactly where the save
    was made (``keras.callbacks.BackupAndRestore``)."""
    header, arrays = _read(path)
    if header["kind"] != "model":
        raise ValueError(f"{path} holds weights only; load_state needs a file written by model.save")
    _assign_weights(model, header, arrays, path)
    if model.optimizer is not None and header["optimizer_state"]:
        model.optimizer.set_state({key: arrays[f"optimizer/{key}"] for key in header["optimizer_state"]})
    _restore_rng(model, header["rng"], path)
