"""One measurement in one process: ``python -m benchmarks._worker '<json spec>'`` prints one JSON line.

The parent (:mod:`benchmarks.compare`) runs every measurement in a fresh subprocess so that the
peak resident memory (``ru_maxrss``) is that of one framework alone, and pins threads through the
environment *before* any numeric library is imported (see :func:`pin_threads`).

Spec keys: ``framework`` (minicnn | minicnn_base | minicnn_NAME (a ``--variant``) | keras | torch | sgemm: the float32 matrix-product
peak on ``threads`` threads, see ``benchmarks.guards.sgemm_peak``), ``model`` (mnist | cifar_small | cifar_bn),
``mode`` ("speed": ``warmup + steps`` training steps then two ``predict`` calls; "accuracy": ``epochs``
full epochs then the test accuracy; "startup": time from the parent's spawn to the first step),
``steps``, ``warmup``, ``predict_samples``, ``predict_batch``, ``epochs``, ``threads``, ``seed``,
``t_spawn`` (parent's ``time.time()`` just before the spawn).
"""
import json
import os
import resource
import sys
import time

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")

#: model -> (batch size, optimizer name, learning rate, momentum): the seed models' recipes
RECIPES = {"mnist": (32, "sgd", 0.01, 0.9), "cifar_small": (32, "adam", 0.001, 0.0),
           "cifar_bn": (64, "adam", 0.001, 0.0)}


def pin_threads(threads):
    """Set every thread-count variable (must run before numpy/TF/torch are imported)."""
    for var in THREAD_VARS:
        os.environ[var] = str(threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def load_data(model):
    """(x_train, y_train), (x_test, y_test): float32 NHWC in [0, 1], int64 labels."""
    import numpy as np
    from minicnn.data import load_cifar10, load_mnist, scale_images
    if model == "mnist":
        (xtr, ytr), (xte, yte) = load_mnist()
        xtr, xte = xtr[..., None], xte[..., None]
    else:
        (xtr, ytr), (xte, yte), _ = load_cifar10(download=False)
    return (scale_images(xtr), ytr.astype(np.int64)), (scale_images(xte), yte.astype(np.int64))


def subset(spec, xtr, ytr):
    """The speed runs train on exactly ``(warmup + steps) * batch`` samples: one epoch, same for all."""
    if spec["mode"] != "speed":
        return xtr, ytr
    n = (spec["warmup"] + spec["steps"]) * RECIPES[spec["model"]][0]
    return xtr[:n], ytr[:n]


class StepClock:
    """Wall time at the end of every training batch (and at the start of the first)."""

    def __init__(self):
        self.first_begin = None
        self.ends = []

    def begin(self):
        if self.first_begin is None:
            self.first_begin = time.time()

    def end(self):
        self.ends.append(time.perf_counter())

    def callback_class(self, base):
        """A ``fit`` callback class (subclass of the framework's ``base``) that feeds this clock."""
        clock = self

        class Clock(base):
            def on_train_batch_begin(self, step, logs=None):
                clock.begin()

            def on_train_batch_end(self, step, logs=None):
                clock.end()
        return Clock

    def throughput(self, warmup, batch):
        """Samples/s over the steps after the first ``warmup`` (>= 1) steps."""
        steps = len(self.ends) - warmup
        return steps * batch / (self.ends[-1] - self.ends[warmup - 1])


def time_predict(predict, x, repeats=2):
    """Samples/s of ``predict(x)``: the best of ``repeats`` calls after one warm-up call."""
    predict(x[:256])
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        predict(x)
        best = min(best, time.perf_counter() - t)
    return len(x) / best


def fit_and_measure(spec, model, Clock, clock, train, test, result, **predict_kwargs):
    """The Keras-API frameworks (minicnn and Keras): ``fit`` then accuracy or throughput."""
    batch = RECIPES[spec["model"]][0]
    model.fit(*train, batch_size=batch, epochs=spec["epochs"] if spec["mode"] == "accuracy" else 1,
              verbose=0, callbacks=[Clock()], shuffle=True)
    if spec["mode"] == "accuracy":
        result["test_accuracy"] = float(model.evaluate(*test, batch_size=256, verbose=0)[1])
    else:
        result["train_samples_per_s"] = clock.throughput(spec["warmup"], batch)
        result["predict_samples_per_s"] = time_predict(
            lambda v: model.predict(v, batch_size=spec["predict_batch"], **predict_kwargs),
            test[0][:spec["predict_samples"]])
    return result


# ----------------------------------------------------------------------------- minicnn
def run_minicnn(spec):
    import numpy as np
    import minicnn
    from minicnn import architectures
    from minicnn.callbacks import Callback
    batch, opt, lr, momentum = RECIPES[spec["model"]]
    t_import = time.time()
    (xtr, ytr), (xte, yte) = load_data(spec["model"])
    xtr, ytr = subset(spec, xtr, ytr)
    minicnn.set_seed(spec["seed"])  # weights and Dropout masks, as keras.utils.set_random_seed / torch.manual_seed
    model = architectures.build(spec["model"])
    model.rng = np.random.default_rng(spec["seed"])
    optimizer = {"name": opt, "learning_rate": lr, **({"momentum": momentum} if opt == "sgd" else {})}
    from minicnn import optimizers
    model.compile(optimizers.from_config(optimizer), "sparse_categorical_crossentropy", ["accuracy"])
    clock = StepClock()
    Clock = clock.callback_class(Callback)

    result = {"version": getattr(minicnn, "__version__", "?"), "t_import": t_import,
              "minicnn_path": os.path.dirname(minicnn.__file__)}
    if spec["mode"] == "startup":
        model.fit(xtr[:batch * 2], ytr[:batch * 2], batch_size=batch, epochs=1, verbose=0, callbacks=[Clock()])
        result["first_step_begin"] = clock.first_begin
        result["first_step_end"] = time.time() - (time.perf_counter() - clock.ends[0])
        return result
    return fit_and_measure(spec, model, Clock, clock, (xtr, ytr), (xte, yte), result)


# ----------------------------------------------------------------------------- keras
def run_keras(spec):
    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(spec["threads"])
    tf.config.threading.set_inter_op_parallelism_threads(spec["threads"])
    import keras
    from keras import layers as L
    keras.utils.set_random_seed(spec["seed"])
    batch, opt, lr, momentum = RECIPES[spec["model"]]
    t_import = time.time()
    (xtr, ytr), (xte, yte) = load_data(spec["model"])
    xtr, ytr = subset(spec, xtr, ytr)
    name = spec["model"]
    if name == "mnist":
        stack = [L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2), L.Flatten(),
                 L.Dense(100, activation="relu"), L.Dense(10, activation="softmax")]
    elif name == "cifar_small":
        stack = [L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2), L.Conv2D(64, 3, activation="relu"),
                 L.MaxPooling2D(2), L.Conv2D(64, 3, activation="relu"), L.Flatten(),
                 L.Dense(64, activation="relu"), L.Dense(10, activation="softmax")]
    else:
        stack = []
        for filters, rate in ((32, 0.3), (64, 0.5), (128, 0.5)):
            stack += [L.Conv2D(filters, 3, activation="relu", padding="same"), L.BatchNormalization(),
                      L.Conv2D(filters, 3, activation="relu", padding="same"), L.BatchNormalization(),
                      L.MaxPooling2D(2), L.Dropout(rate)]
        stack += [L.Flatten(), L.Dense(128, activation="relu"), L.Dropout(0.5), L.Dense(10, activation="softmax")]
    model = keras.Sequential([keras.Input(xtr.shape[1:])] + stack)
    optimizer = (keras.optimizers.SGD(lr, momentum=momentum) if opt == "sgd" else keras.optimizers.Adam(lr))
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    clock = StepClock()
    Clock = clock.callback_class(keras.callbacks.Callback)

    result = {"version": keras.__version__ + " / tf " + tf.__version__, "t_import": t_import,
              "tf_intra_op": spec["threads"], "tf_inter_op": spec["threads"]}
    return fit_and_measure(spec, model, Clock, clock, (xtr, ytr), (xte, yte), result, verbose=0)


# ----------------------------------------------------------------------------- torch
def torch_model(name):
    """The seed architecture in PyTorch (NCHW; 'same' for 3x3 stride 1 is the symmetric pad 1, as
    Keras), glorot-uniform kernels and zero biases as Keras, BN momentum/epsilon as Keras's."""
    import torch
    from torch import nn
    if name == "mnist":
        net = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                            nn.Linear(13 * 13 * 32, 100), nn.ReLU(), nn.Linear(100, 10))
    elif name == "cifar_small":
        net = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                            nn.MaxPool2d(2), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
                            nn.Linear(4 * 4 * 64, 64), nn.ReLU(), nn.Linear(64, 10))
    else:
        mods, c = [], 3
        for filters, rate in ((32, 0.3), (64, 0.5), (128, 0.5)):
            for _ in range(2):
                # Keras applies the ReLU inside Conv2D, then BN: conv -> relu -> BN
                mods += [nn.Conv2d(c, filters, 3, padding=1), nn.ReLU(),
                         nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01)]
                c = filters
            mods += [nn.MaxPool2d(2), nn.Dropout(rate)]
        mods += [nn.Flatten(), nn.Linear(4 * 4 * 128, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10)]
        net = nn.Sequential(*mods)
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return net


def run_torch(spec):
    import numpy as np
    import torch
    torch.set_num_threads(spec["threads"])
    torch.set_num_interop_threads(spec["threads"])
    torch.manual_seed(spec["seed"])
    batch, opt, lr, momentum = RECIPES[spec["model"]]
    t_import = time.time()
    (xtr, ytr), (xte, yte) = load_data(spec["model"])
    xtr, ytr = subset(spec, xtr, ytr)
    to_nchw = lambda a: torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))
    xtr_t, ytr_t, xte_t = to_nchw(xtr), torch.from_numpy(ytr), to_nchw(xte)
    del xtr
    net = torch_model(spec["model"])
    optimizer = (torch.optim.SGD(net.parameters(), lr, momentum=momentum) if opt == "sgd"
                 else torch.optim.Adam(net.parameters(), lr, eps=1e-7))
    loss_fn = torch.nn.CrossEntropyLoss()  # = softmax + sparse categorical cross-entropy
    clock = StepClock()
    gen = torch.Generator().manual_seed(spec["seed"])
    epochs = spec["epochs"] if spec["mode"] == "accuracy" else 1
    n = len(ytr_t)
    for _ in range(epochs):
        net.train()
        order = torch.randperm(n, generator=gen)
        for start in range(0, n, batch):
            clock.begin()
            idx = order[start:start + batch]
            xb, yb = xtr_t[idx], ytr_t[idx]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(net(xb), yb)
            loss.backward()
            optimizer.step()
            loss.item()  # Keras and minicnn materialize the loss every step too
            clock.end()
    net.eval()

    def predict(x):
        with torch.inference_mode():
            return torch.cat([torch.softmax(net(x[i:i + spec["predict_batch"]]), 1)
                              for i in range(0, len(x), spec["predict_batch"])]).numpy()

    result = {"version": torch.__version__, "t_import": t_import, "torch_threads": torch.get_num_threads(),
              "torch_interop_threads": torch.get_num_interop_threads()}
    if spec["mode"] == "accuracy":
        result["test_accuracy"] = float((predict(xte_t).argmax(1) == yte).mean())
    else:
        result["train_samples_per_s"] = clock.throughput(spec["warmup"], batch)
        result["predict_samples_per_s"] = time_predict(predict, xte_t[:spec["predict_samples"]])
    return result


def run_sgemm(spec):
    from .guards import cpu_description, sgemm_peak
    from minicnn.kernels import blas
    libraries = blas.describe()
    return {"sgemm_gflops": sgemm_peak(), "blas": libraries,
            "blas_warnings": blas.kernel_warnings(libraries, cpu_description()["avx512"])}


RUNNERS = {"minicnn": run_minicnn, "minicnn_base": run_minicnn, "keras": run_keras, "torch": run_torch,
           "sgemm": run_sgemm}


def run(spec):
    """Run one measurement in this process; returns the result dict (with ``peak_rss_mb``)."""
    t0 = time.perf_counter()
    fw = spec["framework"]
    result = (run_minicnn if fw.startswith("minicnn_") else RUNNERS[fw])(spec)  # minicnn_NAME: a --variant
    result.update(framework=spec["framework"], model=spec["model"], mode=spec["mode"],
                  peak_rss_mb=peak_rss_mb(), wall_s=time.perf_counter() - t0,
                  threads={v: os.environ.get(v) for v in THREAD_VARS})
    return result


def main():
    spec = json.loads(sys.argv[1])
    pin_threads(spec["threads"])
    print("RESULT " + json.dumps(run(spec)), flush=True)


if __name__ == "__main__":
    main()
