"""Files that Keras reads and writes: ``.keras`` (Keras 3) and ``.h5`` / ``.weights.h5`` (HDF5).

``minicnn.saving`` hands these suffixes here (``model.save("m.keras")``, ``save_weights("w.h5")``...).
Needs h5py, the optional extra ``minicnn[keras-files]``, imported on first use. No pickle anywhere:
configs are JSON, weights HDF5 datasets of numbers.

Layouts written (and read), as Keras 3.x writes them (``keras/src/saving/saving_lib.py`` and
``keras/src/legacy/saving/legacy_h5_format.py``)::

    m.keras          zip: metadata.json  {"keras_version", "date_saved"}
                          config.json    {"module", "class_name": "Sequential", "config": {"layers": [
                                          InputLayer {"batch_shape": [null, ...]}, each layer's config]}}
                          model.weights.h5  vars/ (the model)  layers/<key>/vars/<i>: layer weights
                                          in Keras's order (Conv2D/Dense: kernel, bias; BatchNormalization:
                                          gamma, beta, moving_mean, moving_variance). <key> is Keras's:
                                          the snake-case class name, made unique with _1, _2...
    w.weights.h5     model.weights.h5 alone
    m.h5 (legacy)    attrs model_config (JSON), keras_version, backend;
                     model_weights/  attrs layer_names; <layer name>/ attrs weight_names,
                                     datasets at those names ("<layer>/kernel:0")
    w.h5 (legacy)    the model_weights group's contents at the root (Keras 2's save_weights)

Files minicnn writes also carry minicnn's own save (``minicnn.npz`` in the zip, a
``minicnn_state`` byte dataset in HDF5: optimizer state, random state, metadata), which Keras
ignores; minicnn reads it back, so a ``.keras`` round trip resumes training exactly. Files written
by Keras are read from the Keras layout: architecture (Sequential models, or functional chains)
and weights, for the layers minicnn implements; anything else raises a clear error. Keras's
compile settings (``compile_config``, legacy ``training_config``) compile the model when minicnn
has the optimizer and loss they name (otherwise a warning and an uncompiled model). In ``.keras``
files the optimizer's variables (``optimizer/vars``: iterations, learning_rate, then per trainable
weight SGD's momentum or Adam's m and v) are written and read, so training resumes in Keras where
minicnn stopped and the other way round; legacy ``.h5`` files carry no optimizer state.
"""
import io
import json
import os
import re
import tempfile
import time
import warnings
import zipfile

import numpy as np

from .interop import _ALIASES, _ARGUMENTS

MINICNN_MEMBER = "minicnn.npz"  # inside a .keras zip
MINICNN_DATASET = "minicnn_state"  # inside an HDF5 file
KERAS_VERSION = "3.0.0"  # written to metadata.json / keras_version: the file format minicnn writes
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("reading and writing Keras files (.keras, .h5) needs h5py: install minicnn's optional "
                          "extra with `pip install minicnn[keras-files]` (or `pip install h5py`); "
                          "other suffixes save minicnn's own .npz format without it") from None
    return h5py


def handles(path):
    """True for the suffixes that mean a Keras file: ``.keras``, ``.h5`` (also ``.weights.h5``), ``.hdf5``."""
    return os.fspath(path).lower().endswith((".keras", ".h5", ".hdf5"))


def file_kind(path):
    """``"zip"``, ``"hdf5"`` or None (anything else, e.g. minicnn's own npz under a Keras name)."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head == _HDF5_MAGIC:
        return "hdf5"
    if head[:4] == b"PK\x03\x04" and _zip_member(path, "config.json"):
        return "zip"
    return None


def _zip_member(path, name):
    try:
        with zipfile.ZipFile(path) as z:
            return name in z.namelist()
    except zipfile.BadZipFile:
        return False


# ------------------------------------------------------------------ names and configs
def snake_case(name):
    """Keras's ``naming.to_snake_case``: ``MaxPooling2D`` -> ``max_pooling2d``, ``ReLU`` -> ``re_lu``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def weight_keys(class_names):
    """The ``layers/<key>`` of each layer in Keras's weights file (saving_lib's ``_get_unique_name``)."""
    used, keys = {}, []
    for class_name in class_names:
        base = snake_case(class_name)
        if base in used:
            used[base] += 1
            keys.append(f"{base}_{used[base]}")
        else:
            used[base] = 0
            keys.append(base)
    return keys


def _class_name(layer):
    name = type(layer).__name__
    name = _ALIASES.get(name, name)
    if name not in _ARGUMENTS:
        raise ValueError(f"cannot write layer {layer.name} ({name}) to a Keras file; Keras files hold "
                         f"{', '.join(sorted(_ARGUMENTS))}")
    return name


def _layer_spec(layer, dtype):
    class_name = _class_name(layer)
    config = layer.get_config()
    keras_config = {"name": layer.name, "trainable": layer.trainable, "dtype": dtype}
    keras_config.update({k: v for k, v in config.items() if k in _ARGUMENTS[class_name]})
    if class_name == "BatchNormalization":
        keras_config["axis"] = -1
    return {"module": "keras.layers", "class_name": class_name, "config": keras_config, "registered_name": None,
            "build_config": {"input_shape": [None, *layer.input_shape]}}


def model_config(model):
    """Keras 3's ``config.json`` for a minicnn chain model (a Sequential with its InputLayer)."""
    if not model.built:
        model.build()
    dtype = str(model.dtype)
    batch_shape = [None, *model.input_shape]
    layers = [{"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
               "config": {"batch_shape": batch_shape, "dtype": dtype, "sparse": False, "name": "input_layer"}}]
    layers += [_layer_spec(layer, dtype) for layer in model.layers]
    config = {"module": "keras", "class_name": "Sequential", "registered_name": None,
              "config": {"name": model.name, "trainable": True, "dtype": dtype, "layers": layers},
              "build_config": {"input_shape": batch_shape}}
    if model.optimizer is not None and model.loss is not None:
        config["compile_config"] = compile_config(model)
    return config


#: Keras's defaults of the loss arguments minicnn's loss configs may hold (left out when equal)
_LOSS_DEFAULTS = {"from_logits": False, "reduction": "sum_over_batch_size", "label_smoothing": 0.0, "axis": -1,
                  "ignore_class": None}


def compile_config(model):
    """Keras 3's ``compile_config``: the optimizer (Keras's class and argument names, which minicnn's
    configs use), the loss and the metric, so ``keras.models.load_model`` returns a compiled model.
    The optimizer's variables go to ``optimizer/vars`` in the weights file (SGD and Adam)."""
    optimizer = {k: v for k, v in model.optimizer.get_config().items() if k != "name"}
    config = model.loss.get_config()
    changed = {k: v for k, v in config.items() if k != "name" and _LOSS_DEFAULTS.get(k, object()) != v}
    if changed:  # e.g. from_logits=True: the loss object, with the arguments that differ from Keras's defaults
        loss = {"module": "keras.losses", "class_name": type(model.loss).__name__, "registered_name": None,
                "config": {"name": config["name"], **changed}}
    else:
        loss = config["name"]
    return {"optimizer": {"module": "keras.optimizers", "class_name": type(model.optimizer).__name__,
                          "config": {"name": type(model.optimizer).__name__.lower(), **optimizer},
                          "registered_name": None},
            "loss": loss, "loss_weights": None, "metrics": _keras_metrics(model),
            "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def _keras_metrics(model):
    """``compile_config``'s metrics: Keras's names, and Keras's serialized metric objects where a
    metric has arguments or a name of its own (``TopKCategoricalAccuracy(k=3)``)."""
    from .keras import metrics as keras_metrics
    if not model.metrics:
        return None
    entries = model.metrics if not model._multi_output else model.metrics[0]
    out = []
    for entry in entries:
        if isinstance(entry, str):
            out.append(getattr(model, "_metric_name", None) or "accuracy" if entry == "accuracy" else entry)
            continue
        cls = next((c for c in vars(keras_metrics).values() if isinstance(c, type)
                    and issubclass(c, keras_metrics._Metric) and c.metric == entry["metric"]), None)
        if cls is None or cls is keras_metrics.Accuracy:
            out.append(entry["metric"])
            continue
        config = {"name": entry["name"], "dtype": "float32",
                  **{k: v for k, v in entry.items() if k not in ("metric", "name")}}
        out.append({"module": "keras.metrics", "class_name": cls.__name__, "config": config,
                    "registered_name": None})
    return out


def _metric_from_keras(m):
    """A metric of a Keras ``compile_config``: a minicnn.keras.metrics object for the classes minicnn has,
    else the name (tf.keras 2's ``MeanMetricWrapper`` entries carry it in their config)."""
    from .keras import metrics as keras_metrics
    if not isinstance(m, dict):
        return m
    cls = vars(keras_metrics).get(_keras_class(m)) if "class_name" in m else None
    if isinstance(cls, type) and issubclass(cls, keras_metrics._Metric) and cls is not keras_metrics.Accuracy:
        return cls(**m.get("config", {}))
    return m.get("config", {}).get("name", m.get("class_name"))


#: keys tf.keras 2.x wrote into optimizer and loss configs, with the values that mean "as Keras 3 does"
_KERAS2_DEFAULTS = {"decay": 0.0, "jit_compile": None, "is_legacy_optimizer": None, "reduction": "auto"}


def _keras_class(spec):
    """A serialized object's class name without tf.keras 2's ``Custom>`` prefix (``Custom>Adam``)."""
    return spec["class_name"].split(">")[-1]


def _without_keras2_keys(config):
    """``config`` without tf.keras 2's keys where they hold the value Keras 3 implies (anything
    else is kept, so a real ``decay`` is refused by the optimizer rather than dropped)."""
    return {k: v for k, v in config.items()
            if not (k in _KERAS2_DEFAULTS and (_KERAS2_DEFAULTS[k] is None or v == _KERAS2_DEFAULTS[k]))}


def _flatten(items):
    """tf.keras 2 nests metrics per output (``[[{...}]]``); one output here."""
    out = []
    for item in items:
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out


def compile_from_keras(model, config, path):
    """Compile ``model`` as Keras's ``compile_config`` (``.keras``) or ``training_config`` (legacy
    ``.h5``) says; a warning, and an uncompiled model, when minicnn lacks a piece of it."""
    from .keras import losses, optimizers
    optimizer = config.get("optimizer") or config.get("optimizer_config")
    try:
        if not isinstance(optimizer, dict):
            raise ValueError(f"unexpected optimizer entry {optimizer!r}")
        opt = getattr(optimizers, _keras_class(optimizer))(**_without_keras2_keys(optimizer.get("config", {})))
        loss = config.get("loss")
        if isinstance(loss, dict):
            loss = getattr(losses, _keras_class(loss))(**_without_keras2_keys(loss.get("config", {})))
        metrics = [_metric_from_keras(m) for m in _flatten(config.get("metrics") or [])]
        model.compile(optimizer=opt, loss=loss, metrics=metrics or None)
    except (NotImplementedError, ValueError, TypeError, KeyError) as err:
        warnings.warn(f"{path}: the model is returned uncompiled, its compile settings could not be restored "
                      f"({type(err).__name__}: {err}); call model.compile(...)", UserWarning, stacklevel=3)


def _inbound(spec):
    """Names of the layers feeding a functional layer spec (Keras 3 and Keras 2 config styles)."""
    names = []
    for node in spec.get("inbound_nodes") or []:
        if isinstance(node, dict):  # Keras 3: {"args": [{"class_name": "__keras_tensor__", ...}], "kwargs": {}}
            for arg in node.get("args", []):
                history = arg.get("config", {}).get("keras_history") if isinstance(arg, dict) else None
                if history is None:
                    raise ValueError(f"layer {spec['config'].get('name')!r}: unexpected inbound node {node!r}")
                names.append(history[0])
        else:  # Keras 2: [[name, node_index, tensor_index, kwargs], ...]
            names.extend(entry[0] for entry in node)
    return names


def _chain_specs(config, path):
    """``(input_shape, [layer specs in order])`` of a Sequential model or a functional chain."""
    if not isinstance(config, dict) or not isinstance(config.get("config"), (dict, list)):
        raise ValueError(f"{path}: not a Keras model config (expected {{'class_name': ..., 'config': {{...}}}})")
    class_name = config.get("class_name")
    inner = config.get("config")
    if class_name not in ("Sequential", "Functional", "Model"):
        raise ValueError(f"{path}: minicnn reads Sequential models and functional chains, not {class_name!r}")
    specs = inner if isinstance(inner, list) else inner.get("layers")  # Keras 2.0-2.1: the list itself
    if not isinstance(specs, list) or not specs:
        raise ValueError(f"{path}: the model config has no layers")
    input_shape = None
    if isinstance(inner, dict) and inner.get("build_input_shape"):
        input_shape = inner["build_input_shape"][1:]
    if config.get("build_config", {}).get("input_shape"):
        input_shape = config["build_config"]["input_shape"][1:]
    chain = []
    for spec in specs:
        cfg = spec.get("config", {})
        batch_shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
        if batch_shape:
            input_shape = list(batch_shape)[1:]
        if spec.get("class_name") == "InputLayer":
            continue
        chain.append(spec)
    if class_name != "Sequential":
        previous = [s["config"]["name"] for s in specs if s.get("class_name") == "InputLayer"]
        if len(previous) != 1:
            raise ValueError(f"{path}: minicnn reads models with one input, this one has {len(previous)}")
        for spec in chain:
            if _inbound(spec) != previous:
                raise ValueError(f"{path}: layer {spec['config']['name']!r} takes {_inbound(spec)}, not the previous "
                                 f"layer {previous}: minicnn reads chains (no branches, merges or shared layers)")
            previous = [spec["config"]["name"]]
    if input_shape is None or any(d is None for d in input_shape):
        raise ValueError(f"{path}: the model's input shape is unknown or not fully defined ({input_shape})")
    return tuple(int(d) for d in input_shape), chain


def model_from_keras_config(config, path="config"):
    """A ``minicnn.keras`` Sequential (freshly initialized) from a Keras model config dict."""
    from .keras import Input, models
    from .keras import layers as keras_layers
    input_shape, chain = _chain_specs(config, path)
    built = []
    for spec in chain:
        class_name = _ALIASES.get(spec.get("class_name"), spec.get("class_name"))
        cfg = spec.get("config", {})
        if class_name not in _ARGUMENTS:
            raise ValueError(f"{path}: layer {cfg.get('name')!r} is a Keras {class_name}, which minicnn does not "
                             f"implement; minicnn reads {', '.join(sorted(_ARGUMENTS))}")
        kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in cfg.items() if k in _ARGUMENTS[class_name]}
        if isinstance(kwargs.get("activation"), dict):  # an activation serialized as an object
            kwargs["activation"] = kwargs["activation"].get("config", {}).get("name", kwargs["activation"])
        built.append(getattr(keras_layers, class_name)(**kwargs, name=cfg.get("name"),
                                                       trainable=cfg.get("trainable", True)))
    name = config["config"].get("name", "sequential") if isinstance(config["config"], dict) else "sequential"
    return models.Sequential([Input(input_shape)] + built, name=name)


# ------------------------------------------------------------------ weights in HDF5
def _write_keras3_weights(h5, model):
    h5.create_group("vars").attrs["name"] = model.name
    keys = weight_keys([_class_name(layer) for layer in model.layers])
    for key, layer in zip(keys, model.layers):
        group = h5.create_group(f"layers/{key}/vars")
        group.attrs["name"] = layer.name
        for i, w in enumerate(layer.get_weights()):
            group.create_dataset(str(i), data=w)


def _read_keras3_weights(h5, class_names, path):
    keys = weight_keys(class_names)
    found = []
    for key in keys:
        group = h5.get(f"layers/{key}/vars")
        if group is None:
            found.append(None)
            continue
        found.append([np.asarray(group[str(i)]) for i in range(len(group))])
    if all(v is None for v in found):
        raise ValueError(f"{path}: no layer weights in Keras 3's layout (layers/<name>/vars/<i>)")
    return [v or [] for v in found]


def _write_legacy_weights(group, model):
    group.attrs["layer_names"] = np.array([layer.name.encode() for layer in model.layers])
    group.attrs["backend"] = "tensorflow"
    group.attrs["keras_version"] = KERAS_VERSION
    for layer in model.layers:
        g = group.create_group(layer.name)
        names = [f"{layer.name}/{key}:0" for key in list(layer.params) + list(layer.state)]
        g.attrs["weight_names"] = np.array([n.encode() for n in names])
        for name, w in zip(names, layer.get_weights()):
            g.create_dataset(name, data=w)


def _decode(values):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in np.asarray(values).ravel()]


def _read_legacy_weights(group, model, path):
    """Weights per layer of ``model`` from a legacy group, matched as Keras's ``load_weights`` matches
    them: the saved layers that have weights, in order, onto the model's layers that have weights."""
    if "layer_names" not in group.attrs:
        raise ValueError(f"{path}: not a Keras weights file (no layer_names attribute)")
    saved = []
    for name in _decode(group.attrs["layer_names"]):
        names = _decode(group[name].attrs.get("weight_names", []))
        if names:
            saved.append((name, [np.asarray(group[name][n]) for n in names]))
    targets = [layer for layer in model.layers if layer.get_weights()]
    if len(saved) != len(targets):
        raise ValueError(f"architecture mismatch: {path} holds weights for {len(saved)} layers "
                         f"({', '.join(n for n, _ in saved)}), the model has {len(targets)} layers with weights "
                         f"({', '.join(l.name for l in targets)})")
    by_layer = {id(layer): arrays for layer, (_, arrays) in zip(targets, saved)}
    return [by_layer.get(id(layer), []) for layer in model.layers]


def _assign(model, values, path):
    """Set each layer's weights from ``values`` (one list per layer), checking counts and shapes."""
    for layer, arrays in zip(model.layers, values):
        want = [w.shape for w in layer.get_weights()]
        got = [a.shape for a in arrays]
        if want != got:
            raise ValueError(f"architecture mismatch: layer {layer.name} expects weights of shapes {want}, "
                             f"{path} has {got}")
    for layer, arrays in zip(model.layers, values):
        if arrays:
            layer.set_weights([a.astype(layer.dtype) for a in arrays])


# ------------------------------------------------------------------ optimizer variables (.keras)
def _keras_slots(optimizer):
    """minicnn's slot names in the order Keras 3 creates the optimizer's variables per trainable
    weight (after ``iterations`` and ``learning_rate``; interleaved per weight), or None when the
    optimizer's variables are not mapped (its state is then not transferred)."""
    core = next((cls for cls in type(optimizer).__mro__ if cls.__module__ == "minicnn.optimizers"), None)
    if core is not None and core.__name__ == "SGD":  # the nearest core class: a subclass (Nadam...) differs
        return ["momentum"] if optimizer.momentum else []
    if core is not None and core.__name__ == "Adam":
        return ["m", "v"]
    return None


def _write_optimizer_vars(h5, model):
    optimizer = model.optimizer
    slots = None if optimizer is None else _keras_slots(optimizer)
    if slots is None:
        return
    group = h5.create_group("optimizer/vars")
    group.attrs["name"] = type(optimizer).__name__.lower()
    values = [np.array(optimizer.iterations, dtype=np.int64), np.array(optimizer.learning_rate, dtype=np.float32)]
    for key, param, _ in model.parameters():
        saved = optimizer.slots.get(key, {})
        values += [saved.get(name, np.zeros_like(param)) for name in slots]
    for i, value in enumerate(values):
        group.create_dataset(str(i), data=value)


def _read_optimizer_vars(h5, model, path):
    """Keras's optimizer variables into ``model.optimizer`` (compiled from the file's config)."""
    group = h5.get("optimizer/vars")
    slots = None if model.optimizer is None else _keras_slots(model.optimizer)
    if group is None or slots is None or len(group) == 0:
        return
    params = model.parameters()
    if len(group) == 2:  # an optimizer Keras had not built yet: no moments
        model.optimizer.set_state({"iterations": np.asarray(group["0"]).astype(np.int64)})
        return
    if len(group) != 2 + len(slots) * len(params):
        warnings.warn(f"{path}: the optimizer state was not read: the file has {len(group)} optimizer variables, "
                      f"minicnn's {type(model.optimizer).__name__} expects {2 + len(slots) * len(params)}",
                      UserWarning, stacklevel=3)
        return
    values = [np.asarray(group[str(i)]) for i in range(len(group))]
    state = {"iterations": values[0].astype(np.int64)}
    position = 2
    for key, param, _ in params:
        for name in slots:
            state[f"{key}:{name}"] = values[position].astype(param.dtype)
            position += 1
    model.optimizer.set_state(state)


# ------------------------------------------------------------------ minicnn's own save, embedded
def _minicnn_bytes(model, kind, metadata, directory):
    from . import saving
    fd, tmp = tempfile.mkstemp(prefix=".minicnn-", suffix=".npz", dir=directory)
    os.close(fd)
    try:
        if kind == "model":
            saving.save_model(model, tmp, metadata)
        else:
            saving.save_weights(model, tmp)
        with open(tmp, "rb") as f:
            return f.read()
    finally:
        os.remove(tmp)


def _with_embedded(blob, action):
    """Run ``action(path)`` on minicnn's embedded save written to a temporary file."""
    fd, tmp = tempfile.mkstemp(prefix=".minicnn-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        return action(tmp)
    finally:
        os.remove(tmp)


def _embedded(path, kind):
    if kind == "zip":
        with zipfile.ZipFile(path) as z:
            return z.read(MINICNN_MEMBER) if MINICNN_MEMBER in z.namelist() else None
    h5py = _h5py()
    with h5py.File(path, "r") as f:
        return np.asarray(f[MINICNN_DATASET]).tobytes() if MINICNN_DATASET in f else None


# ------------------------------------------------------------------ public entry points
def _require_chain(model, path):
    """ValueError unless ``model`` is a chain: the Keras files written here hold Sequential models and
    functional chains, not graphs with branches, merges, shared layers or several inputs/outputs."""
    branching = (getattr(model, "_multi_input", False) or getattr(model, "_multi_output", False)
                 or any(layer.multi_input for layer in model.layers) or getattr(model, "_shared", None)
                 or any(n > 1 for n in getattr(model, "_consumers", {}).values()))
    if branching:
        raise ValueError(f"cannot save model {model.name!r} to {path}: minicnn writes Keras files (.keras, .h5) "
                         "for Sequential models and chains, and this graph has branches, merges, shared layers or "
                         "several inputs or outputs; save it to a .npz path (minicnn's own format, exact resume)")


def save(model, path, kind, metadata=None):
    """Write ``model`` to ``path`` in the Keras format its suffix names (``kind``: "model" or "weights")."""
    path = os.fspath(path)
    if not model.built:
        model.build()
    _require_chain(model, path)
    h5py = _h5py()
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {path}: the directory {directory} does not exist")
    blob = _minicnn_bytes(model, kind, metadata, directory)
    weights = io.BytesIO()
    fd, tmp = tempfile.mkstemp(prefix=".minicnn-", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        if path.lower().endswith(".keras"):
            with h5py.File(weights, "w") as h5:
                _write_keras3_weights(h5, model)
                if model.loss is not None:
                    _write_optimizer_vars(h5, model)
            meta = {"keras_version": KERAS_VERSION, "date_saved": time.strftime("%Y-%m-%d@%H:%M:%S")}
            with zipfile.ZipFile(tmp, "w") as z:
                z.writestr("metadata.json", json.dumps(meta))
                z.writestr("config.json", json.dumps(model_config(model)))
                z.writestr("model.weights.h5", weights.getvalue())
                z.writestr(MINICNN_MEMBER, blob)
        else:
            with h5py.File(tmp, "w") as h5:
                if kind == "weights" and path.lower().endswith(".weights.h5"):
                    _write_keras3_weights(h5, model)
                elif kind == "weights":
                    _write_legacy_weights(h5, model)
                else:
                    h5.attrs["backend"] = "tensorflow"
                    h5.attrs["keras_version"] = KERAS_VERSION
                    config = model_config(model)
                    h5.attrs["model_config"] = json.dumps({k: v for k, v in config.items() if k != "compile_config"})
                    if "compile_config" in config:  # the legacy format's name for it
                        training = dict(config["compile_config"])
                        training["optimizer_config"] = training.pop("optimizer")
                        h5.attrs["training_config"] = json.dumps(training)
                    _write_legacy_weights(h5.create_group("model_weights"), model)
                h5.create_dataset(MINICNN_DATASET, data=np.frombuffer(blob, dtype=np.uint8))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load_model(path):
    """The model in a Keras file (``file_kind(path)`` is "zip" or "hdf5")."""
    from . import saving
    path = os.fspath(path)
    kind = file_kind(path)
    blob = _embedded(path, kind)
    if blob is not None:
        return _with_embedded(blob, saving.load_model)
    if kind == "zip":
        with zipfile.ZipFile(path) as z:
            config = json.loads(z.read("config.json"))
            if "model.weights.h5" not in z.namelist():
                raise ValueError(f"{path}: the .keras file has no model.weights.h5")
            weights = io.BytesIO(z.read("model.weights.h5"))
        model = model_from_keras_config(config, path)
        names = _keras_class_names(config)
        with _h5py().File(weights, "r") as h5:
            values = _read_keras3_weights(h5, names, path)
            _assign(model, [v for n, v in zip(names, values) if n != "InputLayer"], path)
            if config.get("compile_config"):
                compile_from_keras(model, config["compile_config"], path)
                _read_optimizer_vars(h5, model, path)
        return model
    with _h5py().File(path, "r") as h5:
        if "model_config" not in h5.attrs:
            raise ValueError(f"{path} holds weights only (no model_config): build the model and call "
                             "model.load_weights(path)")
        raw = h5.attrs["model_config"]
        config = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        model = model_from_keras_config(config, path)
        _assign(model, _read_legacy_weights(h5["model_weights"], model, path), path)
        training = h5.attrs.get("training_config")
    if training is not None:
        compile_from_keras(model, json.loads(training.decode() if isinstance(training, bytes) else training), path)
    return model


def _keras_class_names(config):
    """Class names in the order Keras's weights file numbers them (a functional model's InputLayer too)."""
    inner = config["config"]
    specs = inner if isinstance(inner, list) else inner["layers"]
    sequential = config.get("class_name") == "Sequential"
    return [_ALIASES.get(s["class_name"], s["class_name"]) for s in specs
            if not (sequential and s["class_name"] == "InputLayer")]


def load_weights(model, path):
    """Load the weights of a Keras file into ``model`` (built or buildable, same architecture)."""
    from . import saving
    path = os.fspath(path)
    kind = file_kind(path)
    blob = _embedded(path, kind)
    if blob is not None:
        return _with_embedded(blob, lambda tmp: saving.load_weights(model, tmp))
    if not model.built:
        model.build()
    if kind == "zip":
        with zipfile.ZipFile(path) as z:
            weights = io.BytesIO(z.read("model.weights.h5"))
        opened = _h5py().File(weights, "r")
    else:
        opened = _h5py().File(path, "r")
    with opened as h5:
        if "layers" in h5:
            values = _read_keras3_weights(h5, [_class_name(l) for l in model.layers], path)
        else:
            group = h5["model_weights"] if "model_weights" in h5 else h5
            values = _read_legacy_weights(group, model, path)
    _assign(model, values, path)
    return None
