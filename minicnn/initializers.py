"""Weight initializers with Keras 3's names, formulas and seeding.

``fan_in``/``fan_out`` follow Keras: for a conv kernel (kh, kw, in, out) they are
``kh*kw*in`` and ``kh*kw*out``; for a dense kernel (in, out), ``in`` and ``out``; for a vector
(n,), both n.

VarianceScaling(scale, mode, distribution), with ``n = max(1, fan_in | fan_out | (fan_in + fan_out) / 2)``:

* ``uniform``:            U(-l, l), ``l = sqrt(3 * scale / n)``
* ``truncated_normal``:   normal re-drawn beyond 2 std, ``std = sqrt(scale / n) / 0.87962566103423978``
  (the std of a unit normal truncated at +-2, so the result has std ``sqrt(scale / n)``)
* ``untruncated_normal``: normal with ``std = sqrt(scale / n)``

===============  =====  =======  ================
name             scale  mode     distribution
===============  =====  =======  ================
glorot_uniform   1      fan_avg  uniform  (Keras's default kernel initializer)
glorot_normal    1      fan_avg  truncated_normal
he_uniform       2      fan_in   uniform
he_normal        2      fan_in   truncated_normal
lecun_uniform    1      fan_in   uniform
lecun_normal     1      fan_in   truncated_normal
===============  =====  =======  ================

and ``RandomNormal(mean=0, stddev=0.05)``, ``RandomUniform(minval=-0.05, maxval=0.05)``,
``TruncatedNormal(mean=0, stddev=0.05)`` (re-drawn beyond 2 stddev), ``Constant(value=0)``,
``Zeros``, ``Ones``.

Seeding (Keras 3): an initializer *object* with ``seed=<int>`` draws from its own generator,
created afresh at each call, so every call returns the same values; an object without a seed
takes one from minicnn's global generator when it is constructed (so it too repeats itself, and
``minicnn.set_seed`` makes it reproducible). A *name* (``kernel_initializer="he_normal"``) draws
from the global generator each time, so each layer gets its own values. Values are drawn in
float64 with NumPy's generator and then cast (Keras's own random streams are not reproduced).
"""
import math

import numpy as np

from .configurable import Configurable, from_saved_config, serialize  # noqa: F401 (serialize is API)
from .rng import global_generator

TRUNCATED_STD = 0.87962566103423978


def compute_fans(shape):
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return receptive * shape[-2], receptive * shape[-1]


def truncated_normal(rng, mean, std, shape):
    """Normal(mean, std) values with every draw beyond 2 std re-drawn (as TensorFlow does)."""
    values = rng.standard_normal(shape)
    bad = np.abs(values) > 2.0
    while bad.any():
        values[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(values) > 2.0
    return mean + values * std


class Initializer(Configurable):
    """``initializer(shape, dtype) -> array``; ``get_config`` / ``from_config`` for saving."""

    def __call__(self, shape, dtype="float32"):
        return np.asarray(self.draw(tuple(int(d) for d in shape), None), dtype=dtype)

    def draw(self, shape, rng):
        """float64 values of ``shape``; random initializers draw from ``rng`` (None: their own)."""
        raise NotImplementedError



class RandomInitializer(Initializer):
    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"seed must be a non-negative int or None, got seed={seed!r}")
        self._init_seed = None if seed is None else int(seed)
        self.seed = self._init_seed if seed is not None else int(global_generator().integers(0, 2**63))

    def __call__(self, shape, dtype="float32"):
        rng = np.random.default_rng(self.seed)
        return np.asarray(self.draw(tuple(int(d) for d in shape), rng), dtype=dtype)

    def get_config(self):
        return {"seed": self._init_seed}


class RandomNormal(RandomInitializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = float(mean), float(stddev)
        super().__init__(seed)

    def draw(self, shape, rng):
        return rng.normal(self.mean, self.stddev, shape)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomNormal):
    def draw(self, shape, rng):
        return truncated_normal(rng, self.mean, self.stddev, shape)


class RandomUniform(RandomInitializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = float(minval), float(maxval)
        super().__init__(seed)

    def draw(self, shape, rng):
        return rng.uniform(self.minval, self.maxval, shape)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(RandomInitializer):
    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if not scale > 0:
            raise ValueError(f"VarianceScaling scale must be a positive float, got scale={scale!r}")
        distribution = "truncated_normal" if str(distribution).lower() == "normal" else str(distribution).lower()
        if mode not in self.MODES:
            raise ValueError(f"VarianceScaling mode must be one of {list(self.MODES)}, got mode={mode!r}")
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling distribution must be one of {list(self.DISTRIBUTIONS)}, "
                             f"got distribution={distribution!r}")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution
        super().__init__(seed)

    def draw(self, shape, rng):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * scale)
            return rng.uniform(-limit, limit, shape)
        if self.distribution == "truncated_normal":
            return truncated_normal(rng, 0.0, math.sqrt(scale) / TRUNCATED_STD, shape)
        return rng.normal(0.0, math.sqrt(scale), shape)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode, "distribution": self.distribution}


def _variance_scaling(name, scale, mode, distribution):
    class Named(VarianceScaling):
        def __init__(self, seed=None):
            super().__init__(scale, mode, distribution, seed)

        def get_config(self):
            return {"seed": self._init_seed}

    Named.__name__ = Named.__qualname__ = name
    Named.__doc__ = f"VarianceScaling(scale={scale}, mode={mode!r}, distribution={distribution!r})"
    return Named


GlorotUniform = _variance_scaling("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _variance_scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _variance_scaling("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _variance_scaling("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _variance_scaling("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _variance_scaling("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Constant(Initializer):
    def __init__(self, value=0.0):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not np.isfinite(value):
            raise ValueError(f"Constant takes a finite scalar value (as Keras), got value={value!r}")
        self.value = float(value)

    def draw(self, shape, rng):
        return np.full(shape, self.value)

    def get_config(self):
        return {"value": self.value}


class Zeros(Initializer):
    def draw(self, shape, rng):
        return np.zeros(shape)


class Ones(Initializer):
    def draw(self, shape, rng):
        return np.ones(shape)


# ----------------------------------------------------------------------------- airbench's (minicnn names)
class Dirac(Initializer):
    """Identity-preserving conv kernel (PyTorch's ``nn.init.dirac_``, minicnn's name): a kernel
    (kh, kw, in, out) drawn from ``initializer``, then its first ``min(in, out)`` filters replaced
    by the identity, ``kernel[kh // 2, kw // 2, i, i] = 1`` and 0 elsewhere in filter i, so a
    'same' convolution passes input channel i through to output channel i. airbench94 uses it on
    every 3x3 conv, over PyTorch's default draw, which is ``VarianceScaling(1/3, "fan_in",
    "uniform")`` (U(+-1/sqrt(fan_in)))."""

    def __init__(self, initializer="glorot_uniform"):
        self.initializer = get(initializer)

    def __call__(self, shape, dtype="float32"):
        shape = tuple(int(d) for d in shape)
        if len(shape) != 4:
            raise ValueError(f"Dirac initializes conv kernels (kh, kw, in, out), got shape {shape}")
        kernel = np.array(initialize(self.initializer, shape, "float64"))
        kh, kw, c_in, c_out = shape
        n = min(c_in, c_out)
        kernel[:, :, :, :n] = 0.0
        kernel[kh // 2, kw // 2, np.arange(n), np.arange(n)] = 1.0
        return kernel.astype(dtype)

    def get_config(self):
        return {"initializer": serialize(self.initializer) if not isinstance(self.initializer, str)
                else self.initializer}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def image_patches(images, kernel_size):
    """Every (kh, kw) patch of NHWC ``images`` as rows (N * (H-kh+1) * (W-kw+1), kh*kw*C), each row
    flattened in the kernel's (kh, kw, C) order. The reference is :func:`image_patches_reference`."""
    kh, kw = kernel_size
    windows = np.lib.stride_tricks.sliding_window_view(images, (kh, kw), axis=(1, 2))  # N, H', W', C, kh, kw
    return np.ascontiguousarray(windows.transpose(0, 1, 2, 4, 5, 3)).reshape(-1, kh * kw * images.shape[3])


def image_patches_reference(images, kernel_size):
    """Loops: row ``(n, i, j)`` is ``images[n, i:i+kh, j:j+kw, :].ravel()``."""
    kh, kw = kernel_size
    n, h, w, _ = images.shape
    return np.array([images[b, i:i + kh, j:j + kw, :].ravel() for b in range(n)
                     for i in range(h - kh + 1) for j in range(w - kw + 1)])


def patch_whitening_kernel(images, kernel_size=(2, 2), epsilon=5e-4):
    """airbench's data-dependent initializer of its first conv (minicnn's name): with P the
    (kh*kw*C)-dim patches of ``images`` (NHWC, already normalized) and ``S = P^T P / len(P)`` (no
    mean subtracted, as airbench), the eigenpairs ``S v_k = l_k v_k`` sorted by decreasing
    ``l_k`` give the filters ``f_k = v_k / sqrt(l_k + epsilon)`` and their negations: a kernel
    (kh, kw, C, 2 * kh*kw*C) whose first half decorrelates the patches (its outputs have
    covariance ``diag(l_k / (l_k + epsilon))``). Eigenvectors are defined up to sign, which only
    swaps filter k with filter k + kh*kw*C. Computed in float64."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 4:
        raise ValueError(f"patch_whitening_kernel expects NHWC images, got shape {images.shape}")
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    patches = image_patches(images, (kh, kw))
    covariance = patches.T @ patches / len(patches)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    order = np.argsort(eigenvalues)[::-1]
    filters = eigenvectors[:, order] / np.sqrt(eigenvalues[order] + epsilon)  # column k: f_k
    filters = np.concatenate([filters, -filters], axis=1)
    return filters.reshape(kh, kw, images.shape[3], -1)


#: Keras's class names; each also answers to its snake_case name ("he_normal", "random_normal", ...)
CLASSES = {cls.__name__: cls for cls in (GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal,
                                         RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Constant,
                                         Zeros, Ones, Dirac)}
_SNAKE = {"GlorotUniform": "glorot_uniform", "GlorotNormal": "glorot_normal", "HeUniform": "he_uniform",
          "HeNormal": "he_normal", "LecunUniform": "lecun_uniform", "LecunNormal": "lecun_normal",
          "RandomNormal": "random_normal", "RandomUniform": "random_uniform", "TruncatedNormal": "truncated_normal",
          "VarianceScaling": "variance_scaling", "Constant": "constant", "Zeros": "zeros", "Ones": "ones",
          "Dirac": "dirac"}
#: every name accepted as ``kernel_initializer="..."``
INITIALIZERS = {**{snake: CLASSES[cls] for cls, snake in _SNAKE.items()}, **CLASSES}


def get(identifier):
    """The initializer for a name (returned as the name: each use makes a new object), an
    Initializer object, or a ``{"class_name": ..., "config": {...}}`` dict (as saved)."""
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str) and identifier in INITIALIZERS:
        return identifier
    initializer = from_saved_config(identifier, "initializer", CLASSES)
    if initializer is None:
        raise ValueError(f"unknown initializer {identifier!r}; expected one of {sorted(_SNAKE.values())}, "
                         "their class names, an Initializer object or its saved config")
    return initializer


def initialize(identifier, shape, dtype):
    """Draw an array of ``shape`` and ``dtype`` with the initializer ``identifier``: an object draws
    from its own seed, a name from the global generator (see the module docstring)."""
    initializer = get(identifier)
    if not isinstance(initializer, str):
        return initializer(shape, dtype)
    cls = INITIALIZERS[initializer]
    shape = tuple(int(d) for d in shape)
    if issubclass(cls, RandomInitializer):  # seed=0 only avoids taking a seed; the values come from the global stream
        return np.asarray(cls(seed=0).draw(shape, global_generator()), dtype=dtype)
    return cls()(shape, dtype)
