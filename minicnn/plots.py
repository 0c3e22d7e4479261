"""Figures for training and inspecting CNNs (matplotlib, no pyplot).

Every function builds a :class:`matplotlib.figure.Figure` directly (no pyplot
state, no GUI backend, never ``show()``), returns it, and when ``path`` is
given also saves it there as a PNG (``dpi=100``, tight bounding box).

Conventions:

* Images ``x`` are NHWC ``(N, H, W, C)`` with ``C`` in {1, 3}, or ``(N, H, W)``
  for grayscale; dtype uint8 (0..255) or float in [0, 1]. Other ranges raise
  ``ValueError`` (rescale first). One-channel images are drawn in gray.
* Labels are integer arrays ``(N,)``; wherever labels are expected, a score /
  one-hot array ``(N, K)`` is accepted and its argmax taken.
* ``class_names`` is a sequence of ``K`` strings; without it labels are shown
  as numbers.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from . import metrics

__all__ = [
    "plot_history",
    "plot_confusion_matrix",
    "plot_samples",
    "plot_predictions",
    "plot_misclassified",
    "plot_probability_bars",
    "plot_filters",
    "plot_feature_maps",
    "plot_gradcheck_sweep",
    "plot_model",
]

SAVE_DPI = 100
CORRECT_COLOR = "tab:blue"
WRONG_COLOR = "tab:red"
TRAIN_COLOR = "tab:blue"
VAL_COLOR = "tab:orange"
TITLE_FONTSIZE = 9


# ----------------------------------------------------------------- helpers


def _finish(fig: Figure, path) -> Figure:
    if path is not None:
        fig.savefig(path, dpi=SAVE_DPI, bbox_inches="tight", facecolor="white")
    return fig


def _check_count(n, name: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name}: expected a positive int, received {n!r}")
    return int(n)


def _images(x, name: str = "x") -> np.ndarray:
    """Validate images and return float64 in [0, 1], shape (N, H, W) or (N, H, W, 3)."""
    a = np.asarray(x)
    if a.ndim == 4 and a.shape[-1] == 1:
        a = a[..., 0]
    if not (a.ndim == 3 or (a.ndim == 4 and a.shape[-1] == 3)):
        raise ValueError(
            f"{name}: expected images of shape (N, H, W), (N, H, W, 1) or (N, H, W, 3), "
            f"received shape {a.shape}"
        )
    if a.shape[0] == 0:
        raise ValueError(f"{name}: expected at least one image, received 0")
    if a.dtype == np.uint8:
        return a.astype(np.float64) / 255.0
    if a.dtype.kind != "f":
        raise ValueError(f"{name}: expected uint8 or float images, received dtype {a.dtype}")
    if np.isnan(a).any():
        raise ValueError(f"{name}: expected float images in [0, 1], received NaN values")
    lo, hi = float(a.min()), float(a.max())
    if lo < 0.0 or hi > 1.0:
        raise ValueError(
            f"{name}: expected float images in [0, 1], received values in [{lo:.4g}, {hi:.4g}]; rescale first"
        )
    return a.astype(np.float64, copy=False)


def _show_image(ax, img: np.ndarray) -> None:
    if img.ndim == 2:
        ax.imshow(img, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    else:
        ax.imshow(img, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def _name(label: int, class_names: Sequence[str] | None) -> str:
    return str(label) if class_names is None else str(class_names[label])


def _check_names(class_names, *label_arrays) -> None:
    if class_names is None:
        return
    needed = max(int(lab.max()) + 1 for lab in label_arrays)
    if len(class_names) < needed:
        raise ValueError(
            f"class_names: expected at least {needed} names for the labels given, received {len(class_names)}"
        )


def _probs(p, n: int, name: str = "probs") -> np.ndarray:
    a = np.asarray(p)
    if a.ndim != 2 or a.shape[0] != n:
        raise ValueError(f"{name}: expected probabilities of shape ({n}, K), received shape {a.shape}")
    metrics.to_labels(a, name)  # dtype / NaN checks
    return a.astype(np.float64, copy=False)


def _labels_for(x: np.ndarray, y, name: str) -> np.ndarray:
    labels = metrics.to_labels(y, name)
    if labels.shape[0] != x.shape[0]:
        raise ValueError(f"{name}: expected {x.shape[0]} labels (one per image), received {labels.shape[0]}")
    return labels


def _grid(count: int, tile: float = 1.6, title_lines: int = 1, max_cols: int | None = None):
    """Figure with a near-square grid of ``count`` image axes; returns (fig, axes list)."""
    cols = max(1, math.ceil(math.sqrt(count)))
    if max_cols is not None:
        cols = min(cols, max_cols)
    rows = math.ceil(count / cols)
    head = 0.22 * title_lines
    fig = Figure(figsize=(cols * tile, rows * (tile + head) + 0.5), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[count:]:
        ax.axis("off")
    return fig, list(axes[:count])


# ----------------------------------------------------------------- history


def plot_history(history, path=None) -> Figure:
    """Learning curves: a loss panel and an accuracy panel, train vs validation.

    Args:
        history: dict like Keras's ``History.history`` mapping ``"loss"``,
            ``"accuracy"``, ``"val_loss"``, ``"val_accuracy"`` to per-epoch
            sequences (any may be missing), or an object with such a
            ``.history`` dict. A panel is drawn when at least one of its two
            keys is present.
        path: optional PNG path.
    """
    hist = getattr(history, "history", history)
    if not isinstance(hist, dict):
        raise ValueError(f"history: expected a dict or an object with a .history dict, received {type(history).__name__}")
    panels = [(m, t) for m, t in (("loss", "Loss"), ("accuracy", "Accuracy")) if m in hist or f"val_{m}" in hist]
    if not panels:
        raise ValueError(
            f"history: expected at least one of 'loss', 'val_loss', 'accuracy', 'val_accuracy', "
            f"received keys {sorted(hist)}"
        )
    fig = Figure(figsize=(5.0 * len(panels), 3.8), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (metric, title) in zip(axes, panels):
        for key, label, color in ((metric, "train", TRAIN_COLOR), (f"val_{metric}", "validation", VAL_COLOR)):
            if key not in hist:
                continue
            values = np.asarray(hist[key], dtype=np.float64)
            if values.ndim != 1 or values.size == 0:
                raise ValueError(f"history[{key!r}]: expected a non-empty 1-D sequence, received shape {values.shape}")
            epochs = np.arange(1, values.size + 1)
            ax.plot(epochs, values, color=color, label=label, marker="o" if values.size <= 30 else None, ms=4)
        ax.set_title(title)
        ax.set_xlabel("Epoch")
        ax.set_ylabel(title)
        epochs_shown = max((len(hist[k]) for k in (metric, f"val_{metric}") if k in hist), default=0)
        if 0 < epochs_shown <= 20:
            ax.set_xticks(np.arange(1, epochs_shown + 1))
        else:
            ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle("Training history")
    return _finish(fig, path)


# ----------------------------------------------------------------- confusion matrix


def plot_confusion_matrix(
    cm_or_y_true, y_pred=None, class_names: Sequence[str] | None = None, normalize=False, path=None
) -> Figure:
    """Heat map of a confusion matrix with the value written in each cell.

    Args:
        cm_or_y_true: a (K, K) confusion matrix (rows true, columns
            predicted), or true labels (N,) / one-hot (N, K) when ``y_pred``
            is given.
        y_pred: predicted labels (N,) or scores (N, K); None when the first
            argument is already a matrix.
        class_names: K names, shown on both axes.
        normalize: False (show the matrix as is), True or "true" (each row
            divided by its sum), "pred" (columns) or "all".
        path: optional PNG path.
    """
    mode = "true" if normalize is True else (None if normalize is False else normalize)
    if mode not in ("true", "pred", "all", None):
        raise ValueError(f"normalize: expected False, True, 'true', 'pred' or 'all', received {normalize!r}")
    k = None if class_names is None else len(class_names)
    if y_pred is not None:
        cm = metrics.confusion_matrix(cm_or_y_true, y_pred, num_classes=k, normalize=mode)
    else:
        # Validates shape and values even when no normalization is asked for.
        cm = np.asarray(cm_or_y_true)
        normalized = metrics.normalize_confusion_matrix(cm, mode or "all")
        cm = normalized if mode else cm
    k_cm = cm.shape[0]
    names = [str(i) for i in range(k_cm)] if class_names is None else [str(c) for c in class_names]
    if len(names) != k_cm:
        raise ValueError(f"class_names: expected {k_cm} names for a {k_cm}x{k_cm} matrix, received {len(names)}")

    is_int = cm.dtype.kind in "iu"
    side = float(np.clip(0.55 * k_cm + 2.5, 4.0, 14.0))
    fig = Figure(figsize=(side + 1.0, side), layout="constrained")
    ax = fig.subplots()
    vmax = float(cm.max()) if cm.max() > 0 else 1.0
    im = ax.imshow(cm, cmap="Blues", vmin=0.0, vmax=vmax, interpolation="nearest")
    fig.colorbar(im, ax=ax, shrink=0.8)
    fontsize = float(np.clip(110.0 / k_cm, 6, 12))
    for i in range(k_cm):
        for j in range(k_cm):
            value = cm[i, j]
            text = f"{int(value)}" if is_int else f"{value:.2f}"
            r, g, b, _ = im.cmap(im.norm(value))
            luminance = 0.299 * r + 0.587 * g + 0.114 * b
            ax.text(j, i, text, ha="center", va="center", fontsize=fontsize,
                    color="white" if luminance < 0.5 else "black")
    slanted = max(map(len, names)) > 2  # long names would overlap horizontally
    ax.set_xticks(range(k_cm), names, rotation=45 if slanted else 0, ha="right" if slanted else "center",
                  rotation_mode="anchor")
    ax.set_yticks(range(k_cm), names)
    ax.set_xlabel("Predicted label")
    ax.set_ylabel("True label")
    suffix = {None: "", "true": " (normalized over true labels)", "pred": " (normalized over predictions)",
              "all": " (normalized over all samples)"}[mode]
    ax.set_title("Confusion matrix" + suffix)
    return _finish(fig, path)


# ----------------------------------------------------------------- image grids


def plot_samples(x, y=None, class_names: Sequence[str] | None = None, n: int = 25, path=None) -> Figure:
    """Grid of the first ``n`` images, titled with their labels.

    Args:
        x: images (N, H, W[, C]).
        y: labels (N,) or one-hot (N, K), or None for no titles.
        class_names: optional K names.
        n: number of images shown (at most N).
        path: optional PNG path.
    """
    imgs = _images(x)
    count = min(_check_count(n), imgs.shape[0])
    labels = None if y is None else _labels_for(imgs, y, "y")
    if labels is not None:
        _check_names(class_names, labels)
    fig, axes = _grid(count)
    for i, ax in enumerate(axes):
        _show_image(ax, imgs[i])
        if labels is not None:
            ax.set_title(_name(labels[i], class_names), fontsize=TITLE_FONTSIZE)
    fig.suptitle(f"Samples ({count} of {imgs.shape[0]})")
    return _finish(fig, path)


def _prediction_inputs(x, y_true, y_pred, class_names):
    """Validate images, true labels and predictions (labels or probs)."""
    imgs = _images(x)
    t = _labels_for(imgs, y_true, "y_true")
    p = _labels_for(imgs, y_pred, "y_pred")
    probs = _probs(y_pred, imgs.shape[0], "y_pred") if np.ndim(y_pred) == 2 else None
    _check_names(class_names, t, p)
    return imgs, t, p, probs


def _prediction_title(pred: int, true: int, prob, class_names, style: str) -> str:
    """"pred 87% (true)" on one line ("inline"), on two ("stacked"), or "pred: ...\ntrue: ..." ("labelled")."""
    pred_text = _name(pred, class_names) + ("" if prob is None else f" {100 * prob:.0f}%")
    true_text = _name(true, class_names)
    if style == "labelled":
        return f"pred: {pred_text}\ntrue: {true_text}"
    separator = "\n" if style == "stacked" else " "
    return f"{pred_text}{separator}({true_text})"


def _set_prediction_title(ax, text: str, correct: bool) -> None:
    ax.set_title(text, fontsize=TITLE_FONTSIZE, color=CORRECT_COLOR if correct else WRONG_COLOR)


def plot_predictions(x, y_true, y_pred, class_names: Sequence[str] | None = None, n: int = 20, path=None) -> Figure:
    """Grid of the first ``n`` images titled "pred (true)"; wrong ones in red, right ones in blue.

    Args:
        x: images (N, H, W[, C]).
        y_true: labels (N,) or one-hot (N, K).
        y_pred: predicted labels (N,) or probabilities (N, K); with
            probabilities the title also shows the predicted class's
            probability, "pred 87% (true)".
        class_names: optional K names.
        n: number of images shown (at most N).
        path: optional PNG path.
    """
    imgs, t, p, probs = _prediction_inputs(x, y_true, y_pred, class_names)
    count = min(_check_count(n), imgs.shape[0])
    probs_shown = [None if probs is None else probs[i, p[i]] for i in range(count)]
    titles = [_prediction_title(p[i], t[i], probs_shown[i], class_names, "inline") for i in range(count)]
    stacked = max(map(len, titles)) > 22  # would overflow a 1.8-inch tile at TITLE_FONTSIZE
    if stacked:
        titles = [_prediction_title(p[i], t[i], probs_shown[i], class_names, "stacked") for i in range(count)]
    fig, axes = _grid(count, tile=1.8, title_lines=2 if stacked else 1)
    for i, ax in enumerate(axes):
        _show_image(ax, imgs[i])
        _set_prediction_title(ax, titles[i], p[i] == t[i])
    wrong = int((t[:count] != p[:count]).sum())
    fig.suptitle(f"Predictions: pred (true); {wrong} of {count} wrong, shown in red")
    return _finish(fig, path)


def plot_misclassified(
    x, y_true, y_pred_or_probs, class_names: Sequence[str] | None = None, n: int = 25, path=None
) -> Figure:
    """Gallery of up to ``n`` misclassified images, titled predicted vs true.

    With probabilities (N, K) the predicted class's probability is shown.
    When nothing is misclassified the figure says so in text.

    Args:
        x: images (N, H, W[, C]).
        y_true: labels (N,) or one-hot (N, K).
        y_pred_or_probs: predicted labels (N,) or probabilities (N, K).
        class_names: optional K names.
        n: maximum number of images shown.
        path: optional PNG path.
    """
    imgs, t, p, probs = _prediction_inputs(x, y_true, y_pred_or_probs, class_names)
    n = _check_count(n)
    wrong = np.flatnonzero(t != p)
    if wrong.size == 0:
        fig = Figure(figsize=(5, 2.5))
        ax = fig.subplots()
        ax.axis("off")
        ax.text(0.5, 0.5, f"No misclassified images\n(all {imgs.shape[0]} correct)",
                ha="center", va="center", fontsize=14, transform=ax.transAxes)
        return _finish(fig, path)
    shown = wrong[:n]
    fig, axes = _grid(shown.size, tile=1.8, title_lines=2)
    for ax, i in zip(axes, shown):
        _show_image(ax, imgs[i])
        prob = None if probs is None else probs[i, p[i]]
        _set_prediction_title(ax, _prediction_title(p[i], t[i], prob, class_names, "labelled"), p[i] == t[i])
    fig.suptitle(f"Misclassified: {shown.size} shown of {wrong.size} wrong out of {imgs.shape[0]}")
    return _finish(fig, path)


def plot_probability_bars(
    x, y_true, probs, class_names: Sequence[str] | None = None, n: int = 6, path=None, cols: int = 3
) -> Figure:
    """For each of the first ``n`` images: the image and a bar chart of its class probabilities.

    As in the TensorFlow classification tutorial's ``plot_value_array``: bars
    are gray, the predicted class's bar red, the true class's bar blue (a
    correct prediction therefore shows a single blue bar).

    Args:
        x: images (N, H, W[, C]).
        y_true: labels (N,) or one-hot (N, K).
        probs: probabilities (N, K).
        class_names: optional K names for the bar axis.
        n: number of images shown (at most N).
        path: optional PNG path.
        cols: number of (image, bars) pairs per row.
    """
    imgs = _images(x)
    t = _labels_for(imgs, y_true, "y_true")
    pr = _probs(probs, imgs.shape[0])
    k = pr.shape[1]
    metrics.to_labels(t, "y_true", num_classes=k)
    if class_names is not None and len(class_names) != k:
        raise ValueError(f"class_names: expected {k} names (one per probability column), received {len(class_names)}")
    count = min(_check_count(n), imgs.shape[0])
    cols = min(_check_count(cols, "cols"), count)
    rows = math.ceil(count / cols)
    names = [_name(c, class_names) for c in range(k)]
    long_names = max(map(len, names)) > 2
    bar_w = max(2.2, 0.28 * k)
    fig = Figure(figsize=(cols * (2.4 + bar_w), rows * (2.4 + (0.6 if long_names else 0.0))), layout="constrained")
    axes = fig.subplots(rows, 2 * cols, squeeze=False, width_ratios=[2.4, bar_w] * cols)
    preds = pr.argmax(axis=1)
    for slot in range(rows * cols):
        img_ax, bar_ax = axes[slot // cols, 2 * (slot % cols)], axes[slot // cols, 2 * (slot % cols) + 1]
        if slot >= count:
            img_ax.axis("off")
            bar_ax.axis("off")
            continue
        _show_image(img_ax, imgs[slot])
        title = _prediction_title(preds[slot], t[slot], pr[slot, preds[slot]], class_names, "inline")
        _set_prediction_title(img_ax, title, preds[slot] == t[slot])
        bars = bar_ax.bar(range(k), pr[slot], color="#999999")
        bars[preds[slot]].set_color(WRONG_COLOR)
        bars[t[slot]].set_color(CORRECT_COLOR)
        bar_ax.set_ylim(0, 1)
        bar_ax.set_yticks([0, 0.5, 1])
        bar_ax.tick_params(labelsize=7)
        bar_ax.set_xticks(range(k), names, rotation=90 if long_names else 0, fontsize=7)
        bar_ax.grid(True, axis="y", alpha=0.3)
    fig.suptitle("Class probabilities: predicted in red, true in blue")
    return _finish(fig, path)


# ----------------------------------------------------------------- network internals


def _unit_range(a: np.ndarray) -> np.ndarray:
    """Min-max scale to [0, 1]; a constant array becomes 0.5."""
    lo, hi = float(a.min()), float(a.max())
    return np.full(a.shape, 0.5) if hi - lo <= 0 else (a - lo) / (hi - lo)


def plot_filters(kernel, path=None, max_filters: int = 64, mode: str = "auto") -> Figure:
    """Show a conv kernel as one tile per output filter.

    Args:
        kernel: array of shape (kh, kw, in, out) (Keras layout).
        path: optional PNG path.
        max_filters: at most this many output filters are shown (the first).
        mode: how input channels are drawn.
            ``"auto"``: RGB when ``in == 3``, else ``"mean"``.
            ``"rgb"``: requires ``in == 3``; one colour tile per filter.
            ``"mean"``: one gray tile per filter, the mean over input channels.
            ``"channels"``: one row per filter, one gray tile per input channel
            (at most 16 input channels shown).

    Each filter is min-max normalized on its own (over all its shown tiles),
    so tiles show relative, not absolute, weights.
    """
    w = np.asarray(kernel)
    if w.ndim != 4 or w.dtype.kind not in "iuf" or 0 in w.shape:
        raise ValueError(f"kernel: expected a numeric array of shape (kh, kw, in, out), received shape {w.shape}, dtype {w.dtype}")
    if np.isnan(w).any():
        raise ValueError("kernel: expected finite weights, received NaN")
    if mode not in ("auto", "rgb", "mean", "channels"):
        raise ValueError(f"mode: expected 'auto', 'rgb', 'mean' or 'channels', received {mode!r}")
    c_in, c_out = w.shape[2], w.shape[3]
    if mode == "auto":
        mode = "rgb" if c_in == 3 else "mean"
    if mode == "rgb" and c_in != 3:
        raise ValueError(f"mode='rgb': expected 3 input channels, received {c_in}")
    count = min(_check_count(max_filters, "max_filters"), c_out)
    w = w[..., :count].astype(np.float64)
    title = f"Conv filters {w.shape[0]}x{w.shape[1]}, {c_in} input channel(s), {count} of {c_out} shown"
    if mode == "channels":
        shown_in = min(c_in, 16)
        fig = Figure(figsize=(1.0 * shown_in + 0.8, 1.0 * count + 0.6), layout="constrained")
        axes = fig.subplots(count, shown_in, squeeze=False)
        for f in range(count):
            tiles = _unit_range(w[:, :, :shown_in, f])
            for c in range(shown_in):
                axes[f, c].imshow(tiles[:, :, c], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
                axes[f, c].set_xticks([])
                axes[f, c].set_yticks([])
                if f == 0:
                    axes[f, c].set_title(f"in {c}", fontsize=8)
            axes[f, 0].set_ylabel(f"filter {f}", fontsize=8)
        fig.suptitle(title + " (rows: filters, columns: input channels)", fontsize=10)
        return _finish(fig, path)
    fig, axes = _grid(count, tile=1.0, max_cols=16)
    for f, ax in enumerate(axes):
        tile = w[:, :, :, f]
        tile = _unit_range(tile) if mode == "rgb" else _unit_range(tile.mean(axis=2))
        _show_image(ax, tile)
        ax.set_title(str(f), fontsize=8)
    fig.suptitle(title + (" (mean over input channels)" if mode == "mean" and c_in > 1 else ""), fontsize=10)
    return _finish(fig, path)


def plot_feature_maps(activations, path=None, max_channels: int = 16) -> Figure:
    """One row of channel tiles per layer for a single image's activations.

    Args:
        activations: list of ``(layer_name, array)`` pairs, e.g.
            ``model.feature_maps(x[:1])``; spatial arrays have shape
            (H, W, C) or (1, H, W, C). Vector outputs of shape (C,) or (1, C)
            (Flatten, Dense) cannot be drawn as maps: they are left out and
            named in a note at the bottom of the figure.
        path: optional PNG path.
        max_channels: at most this many channels (the first) per layer.

    Each channel is min-max normalized on its own and drawn with the
    ``viridis`` colour map; a constant channel shows as uniform mid colour.
    """
    layers = list(activations)
    if not layers:
        raise ValueError("activations: expected a non-empty list of (layer_name, array) pairs, received an empty list")
    max_channels = _check_count(max_channels, "max_channels")
    maps, skipped = [], []
    for i, item in enumerate(layers):
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise ValueError(f"activations[{i}]: expected a (layer_name, array) pair, received {type(item).__name__}")
        name, a = str(item[0]), np.asarray(item[1])
        if a.ndim == 1 or (a.ndim == 2 and a.shape[0] == 1):
            skipped.append(name)
            continue
        if a.ndim == 4 and a.shape[0] == 1:
            a = a[0]
        if a.ndim != 3 or a.dtype.kind not in "iuf" or 0 in a.shape:
            raise ValueError(
                f"activations[{i}] ({name!r}): expected one image's activation of shape (H, W, C) "
                f"or (1, H, W, C), received shape {np.shape(item[1])}"
            )
        if np.isnan(a).any():
            raise ValueError(f"activations[{i}] ({name!r}): expected finite values, received NaN")
        maps.append((name, a))
    if not maps:
        raise ValueError(
            f"activations: expected at least one spatial (H, W, C) activation, received only vectors from {skipped}"
        )
    cols = min(max_channels, max(a.shape[2] for _, a in maps))
    tile = 1.1
    fig = Figure(figsize=(cols * tile + 1.2, len(maps) * (tile + 0.25) + 0.5), layout="constrained")
    axes = fig.subplots(len(maps), cols, squeeze=False)
    for r, (name, a) in enumerate(maps):
        for c in range(cols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= a.shape[2] or c >= max_channels:
                ax.axis("off")
                continue
            ax.imshow(_unit_range(a[:, :, c].astype(np.float64)), cmap="viridis", vmin=0, vmax=1,
                      interpolation="nearest")
            ax.set_title(f"ch {c}", fontsize=7)
        axes[r, 0].set_ylabel(f"{name}\n{a.shape[0]}x{a.shape[1]}x{a.shape[2]}", fontsize=8, rotation=0,
                              ha="right", va="center")
    fig.suptitle(f"Feature maps (first {cols} channels per layer)", fontsize=10)
    if skipped:
        fig.supxlabel("Not shown (vector outputs): " + ", ".join(skipped), fontsize=8)
    return _finish(fig, path)


def plot_gradcheck_sweep(sweep, path=None, title: str | None = None) -> Figure:
    """The step-size sweep of a gradient check (``report.sweep``, a
    :class:`minicnn.gradcheck.StepSweep`): relative error against h, one line per tensor, log-log,
    h shrinking to the right, with the verdict bands (right < 1e-7, probably right < 1e-4,
    suspicious < 1e-2, wrong). A V-shaped line is a correct gradient (truncation on the left,
    rounding on the right); a flat line high up is a bug."""
    steps = np.asarray(getattr(sweep, "steps", None), dtype=float)
    errors = getattr(sweep, "errors", None)
    if steps.ndim != 1 or not isinstance(errors, dict) or not errors:
        raise ValueError(f"sweep: expected a StepSweep (report.sweep from check_layer(..., sweep=True)), got {sweep!r}")
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot(1, 1, 1)
    floor = 1e-16
    for (low, high), color, label in (((floor, 1e-7), "#d9f2d9", "right"), ((1e-7, 1e-4), "#eef7d9", "probably right"),
                                      ((1e-4, 1e-2), "#fbeed5", "suspicious"), ((1e-2, 1e2), "#f8d7d7", "wrong")):
        ax.axhspan(low, high, color=color, zorder=0)
        ax.text(steps.max(), np.sqrt(low * high) if low > floor else 1e-10, f" {label}", fontsize=7, va="center",
                ha="left", color="0.35")
    for name, row in errors.items():
        row = np.asarray(row, dtype=float)
        ax.plot(steps, np.clip(row, floor, None), marker="o", markersize=3, label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(steps.max() * 2, steps.min() / 2)
    ax.set_ylim(floor, 10)
    ax.set_xlabel("step h (shrinking to the right)")
    ax.set_ylabel("relative error")
    ax.set_title(title or "gradient check: error against step size", fontsize=TITLE_FONTSIZE)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    ax.grid(True, which="major", alpha=0.3)
    return _finish(fig, path)
def _shape_label(shape) -> str:
    if isinstance(shape, list):  # a merge layer's inputs, one per line
        return "\n    ".join(_shape_label(s) for s in shape)
    return str((None,) + tuple(shape))


def _model_boxes(model):
    """``(boxes, edges)``: one box per model input and per layer ``[(key, title, in, out)]`` with its
    depth (the longest path from an input), and the edges ``(from key, to key)`` of every node."""
    names = model._tensor_names()
    producer = {id(t): ("input", k) for k, t in enumerate(model.inputs)}
    depth = {("input", k): 0 for k in range(len(model.inputs))}
    boxes = [(("input", k), f"{names[id(t)][0]} (InputLayer)", "", _shape_label(t.shape[1:]))
             for k, t in enumerate(model.inputs)]
    edges, seen = [], set()
    for node in model._nodes:
        key = ("layer", node.layer.name)
        sources = [producer[id(t)] for t in node.inputs]
        depth[key] = max([depth.get(key, 0)] + [depth[s] + 1 for s in sources])
        edges += [(src, key) for src in sources]
        producer[id(node.output)] = key
        if key not in seen:
            seen.add(key)
            layer = node.layer
            boxes.append((key, f"{layer.name} ({type(layer).__name__})", _shape_label(layer.input_shape),
                          _shape_label(layer.output_shape)))
    return boxes, depth, edges


def plot_model(model, to_file=None, show_shapes: bool = False, show_layer_names: bool = True,
               rankdir: str = "TB", dpi: int = SAVE_DPI) -> Figure:
    """The model's graph as boxes and arrows, drawn with matplotlib (no graphviz): one box per input
    and per layer (a shared layer is one box with an arrow per use), in rows by depth (the longest
    path from an input), arrows from each tensor's producer to its consumers.

    Args:
        model: a built ``minicnn.Model`` or ``Sequential``.
        to_file: optional PNG path (Keras's name for ``path``).
        show_shapes: add each layer's input and output shapes (``None`` is the batch axis).
        show_layer_names: show ``name (Type)``; otherwise the type alone.
        rankdir: ``"TB"`` (top to bottom, Keras's default) or ``"LR"`` (left to right).
        dpi: resolution of the saved PNG.
    """
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"rankdir: expected 'TB' or 'LR', received {rankdir!r}")
    if not getattr(model, "built", False):
        raise ValueError("plot_model: expected a built model (give it an input shape), received an unbuilt one")
    boxes, depth, edges = _model_boxes(model)
    rows = {}
    for key, *_ in boxes:
        rows.setdefault(depth[key], []).append(key)
    width = max(len(r) for r in rows.values())
    position = {}
    for d, keys in rows.items():
        for i, key in enumerate(keys):
            across = i - (len(keys) - 1) / 2
            position[key] = (across, -d) if rankdir == "TB" else (d, -across)
    lines = max(1 + (t.count("\n") + 2 if show_shapes else 0) for _, _, t, _ in boxes)
    box_w, box_h = (2.6, 0.2 + 0.15 * lines) if rankdir == "TB" else (2.2, 0.2 + 0.15 * lines)
    span_x = (width if rankdir == "TB" else len(rows)) * (box_w + 0.4)
    span_y = (len(rows) if rankdir == "TB" else width) * (box_h + 0.5)
    fig = Figure(figsize=(max(3.0, span_x * 1.3), max(2.0, span_y * 1.3)), layout="constrained")
    ax = fig.subplots()
    ax.set_axis_off()
    scale_x, scale_y = box_w + 0.4, box_h + 0.5
    for key, title, in_shape, out_shape in boxes:
        x, y = position[key]
        label = title if show_layer_names else title[title.index("(") + 1:-1]
        if show_shapes:
            label += f"\nout: {out_shape}" if not in_shape else f"\nin: {in_shape}\nout: {out_shape}"
        ax.text(x * scale_x, y * scale_y, label, ha="center", va="center", fontsize=7, family="monospace",
                bbox=dict(boxstyle="round,pad=0.4", facecolor="#e8f0fb" if key[0] == "layer" else "#f3f3f3",
                          edgecolor="#4a6fa5"))
    for src, dst in edges:
        (x0, y0), (x1, y1) = position[src], position[dst]
        skip = abs(depth[dst] - depth[src]) > 1  # a shortcut: bend it around the boxes between
        if rankdir == "TB":
            start, end = (x0 * scale_x, y0 * scale_y - box_h / 2), (x1 * scale_x, y1 * scale_y + box_h / 2)
        else:
            start, end = (x0 * scale_x + box_w / 2, y0 * scale_y), (x1 * scale_x - box_w / 2, y1 * scale_y)
        ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="->", color="#333333", lw=0.8,
                                                              shrinkA=4, shrinkB=4,
                                                              connectionstyle=f"arc3,rad={0.35 if skip else 0}"))
    xs = [p[0] * scale_x for p in position.values()]
    ys = [p[1] * scale_y for p in position.values()]
    ax.set_xlim(min(xs) - box_w, max(xs) + box_w)
    ax.set_ylim(min(ys) - box_h, max(ys) + box_h)
    ax.set_title(f'Model "{model.name}"', fontsize=9)
    if to_file is not None:
        fig.savefig(to_file, dpi=dpi, bbox_inches="tight", facecolor="white")
    return fig
