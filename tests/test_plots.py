"""Tests for minicnn.plots: every function writes a real, non-flat PNG and returns a Figure."""

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from PIL import Image

from minicnn import plots

RNG = np.random.default_rng(0)
NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
N = 12
X_GRAY = RNG.integers(0, 256, (N, 8, 8, 1), dtype=np.uint8)
X_RGB = RNG.random((N, 8, 8, 3))
Y = np.arange(N) % 10
PROBS = RNG.dirichlet(np.ones(10), size=N)


def check_png(fig, path, min_side=150):
    """The figure was returned, saved, and the PNG is a plausible, non-flat picture."""
    assert isinstance(fig, Figure)
    assert path.exists() and path.stat().st_size > 1000
    with Image.open(path) as im:
        assert im.format == "PNG"
        w, h = im.size
        assert min_side <= w <= 4000 and min_side <= h <= 4000, im.size
        pixels = np.asarray(im.convert("RGB"))
    assert pixels.reshape(-1, 3).std(axis=0).max() > 5, "image is a single flat colour"
    return pixels


def red_pixels(pixels):
    r, g, b = (pixels[..., i].astype(int) for i in range(3))
    return int(((r > 180) & (g < 90) & (b < 90)).sum())


# ----------------------------------------------------------------- history


def test_history_full(tmp_path):
    hist = {"loss": [1.0, 0.6, 0.4], "accuracy": [0.5, 0.7, 0.8], "val_loss": [0.9, 0.7, 0.6], "val_accuracy": [0.55, 0.65, 0.7]}
    fig = plots.plot_history(hist, path=tmp_path / "h.png")
    check_png(fig, tmp_path / "h.png")
    assert len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Accuracy"]
    assert [len(ax.get_lines()) for ax in fig.axes] == [2, 2]


def test_history_without_validation_or_accuracy_and_object(tmp_path):
    class History:
        history = {"loss": [1.0, 0.5]}

    fig = plots.plot_history(History(), path=tmp_path / "h.png")
    check_png(fig, tmp_path / "h.png")
    assert len(fig.axes) == 1 and len(fig.axes[0].get_lines()) == 1


def test_history_errors():
    with pytest.raises(ValueError, match=r"expected at least one of 'loss'.*received keys \['lr'\]"):
        plots.plot_history({"lr": [0.1]})
    with pytest.raises(ValueError, match=r"history\['loss'\]: expected a non-empty 1-D"):
        plots.plot_history({"loss": []})
    with pytest.raises(ValueError, match=r"expected a dict .*received list"):
        plots.plot_history([1, 2])


# ----------------------------------------------------------------- confusion matrix


def test_confusion_matrix_from_labels_with_names(tmp_path):
    fig = plots.plot_confusion_matrix(Y, PROBS, class_names=NAMES, path=tmp_path / "cm.png")
    check_png(fig, tmp_path / "cm.png", min_side=400)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == NAMES
    assert [t.get_text() for t in ax.get_yticklabels()] == NAMES
    cell_texts = [t.get_text() for t in ax.texts]
    assert len(cell_texts) == 100 and all(t.isdigit() for t in cell_texts)
    assert sum(int(t) for t in cell_texts) == N


def test_confusion_matrix_normalized_and_text_contrast(tmp_path):
    cm = np.array([[50, 0], [5, 45]])
    fig = plots.plot_confusion_matrix(cm, normalize=True, path=tmp_path / "cm.png")
    check_png(fig, tmp_path / "cm.png")
    texts = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    assert set(texts) == {"1.00", "0.00", "0.10", "0.90"}
    assert texts["1.00"] == "white" and texts["0.00"] == "black"  # dark cell vs light cell


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match=r"square numeric \(K, K\) matrix, received array of shape \(2, 3\)"):
        plots.plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"cm: expected non-negative counts"):
        plots.plot_confusion_matrix(-np.eye(2))
    with pytest.raises(ValueError, match=r"normalize: expected False, True.*'rows'"):
        plots.plot_confusion_matrix(np.eye(2), normalize="rows")
    with pytest.raises(ValueError, match=r"class_names: expected 2 names .*received 3"):
        plots.plot_confusion_matrix(np.eye(2), class_names=["a", "b", "c"])


# ----------------------------------------------------------------- image grids


@pytest.mark.parametrize("x", [X_GRAY, X_GRAY[..., 0], X_RGB], ids=["NHW1", "NHW", "NHW3"])
def test_samples_shapes(tmp_path, x):
    fig = plots.plot_samples(x, Y, class_names=NAMES, n=9, path=tmp_path / "s.png")
    check_png(fig, tmp_path / "s.png")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == [NAMES[i] for i in Y[:9]]


def test_samples_gray_is_gray_and_n_capped(tmp_path):
    fig = plots.plot_samples(X_GRAY, None, n=100, path=tmp_path / "s.png")
    assert len([ax for ax in fig.axes if ax.images]) == N
    assert fig.axes[0].images[0].get_cmap().name == "gray"


def test_predictions_wrong_in_red(tmp_path):
    y_pred = Y.copy()
    y_pred[:3] = (y_pred[:3] + 1) % 10
    fig = plots.plot_predictions(X_GRAY, Y, y_pred, class_names=NAMES, n=6, path=tmp_path / "p.png")
    pixels = check_png(fig, tmp_path / "p.png")
    assert red_pixels(pixels) > 0
    titles = [ax.title for ax in fig.axes[:6]]
    assert titles[0].get_text() == f"{NAMES[1]} ({NAMES[0]})"
    assert [t.get_color() for t in titles] == [plots.WRONG_COLOR] * 3 + [plots.CORRECT_COLOR] * 3


def test_predictions_long_titles_wrap_to_two_lines():
    fig = plots.plot_predictions(X_GRAY, Y, 9 - Y, class_names=NAMES, n=4)
    assert fig.axes[0].get_title() == f"{NAMES[9]}\n({NAMES[0]})"


def test_predictions_with_probs_shows_percent(tmp_path):
    fig = plots.plot_predictions(X_RGB, Y, PROBS, n=4, path=tmp_path / "p.png")
    check_png(fig, tmp_path / "p.png")
    assert fig.axes[0].get_title().endswith(f"% ({Y[0]})")


def test_misclassified_only_wrong(tmp_path):
    y_pred = Y.copy()
    y_pred[[2, 5]] = 9 - Y[[2, 5]]
    fig = plots.plot_misclassified(X_GRAY, Y, y_pred, class_names=NAMES, path=tmp_path / "m.png")
    pixels = check_png(fig, tmp_path / "m.png")
    shown = [ax.get_title() for ax in fig.axes if ax.images]
    assert shown == [f"pred: {NAMES[9 - Y[i]]}\ntrue: {NAMES[Y[i]]}" for i in (2, 5)]
    assert red_pixels(pixels) > 0


def test_misclassified_with_probs(tmp_path):
    fig = plots.plot_misclassified(X_RGB, Y, PROBS, n=3, path=tmp_path / "m.png")
    check_png(fig, tmp_path / "m.png")
    assert all("%" in ax.get_title() for ax in fig.axes if ax.images)


def test_misclassified_none(tmp_path):
    fig = plots.plot_misclassified(X_GRAY, Y, Y, path=tmp_path / "m.png")
    check_png(fig, tmp_path / "m.png")
    assert any("No misclassified images" in t.get_text() for ax in fig.axes for t in ax.texts)


def test_probability_bars_colors(tmp_path):
    probs = np.full((4, 10), 0.02)
    probs[0, Y[0]] = 0.82  # right
    probs[1, 9] = 0.82  # wrong: predicted 9, true Y[1] == 1
    probs[2:, 0] = 0.82
    fig = plots.plot_probability_bars(X_GRAY[:4], Y[:4], probs, class_names=NAMES, n=4, cols=2, path=tmp_path / "b.png")
    check_png(fig, tmp_path / "b.png")
    bar_axes = [ax for ax in fig.axes if ax.patches]
    assert len(bar_axes) == 4
    red, blue = to_hex(plots.WRONG_COLOR), to_hex(plots.CORRECT_COLOR)
    colors = [to_hex(p.get_facecolor()) for p in bar_axes[1].patches]
    assert colors[9] == red and colors[1] == blue
    assert sum(c in (red, blue) for c in colors) == 2
    colors = [to_hex(p.get_facecolor()) for p in bar_axes[0].patches]
    assert colors[Y[0]] == blue and red not in colors
    assert [t.get_text() for t in bar_axes[0].get_xticklabels()] == NAMES


def test_probability_bars_errors():
    with pytest.raises(ValueError, match=r"probs: expected probabilities of shape \(12, K\), received shape \(3, 10\)"):
        plots.plot_probability_bars(X_GRAY, Y, PROBS[:3])
    with pytest.raises(ValueError, match=r"class_names: expected 10 names"):
        plots.plot_probability_bars(X_GRAY, Y, PROBS, class_names=["a"])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: plots.plot_samples(np.zeros((2, 4, 4, 2)), None), r"x: expected images of shape .*received shape \(2, 4, 4, 2\)"),
        (lambda: plots.plot_samples(np.full((2, 4, 4), 2.0), None), r"float images in \[0, 1\], received values in \[2, 2\]"),
        (lambda: plots.plot_samples(np.zeros((2, 4, 4), dtype=np.int32), None), r"uint8 or float images, received dtype int32"),
        (lambda: plots.plot_samples(X_GRAY, Y[:3]), r"y: expected 12 labels .*received 3"),
        (lambda: plots.plot_samples(X_GRAY, Y, n=0), r"n: expected a positive int, received 0"),
        (lambda: plots.plot_samples(X_GRAY, Y, class_names=["a", "b"]), r"at least 10 names .*received 2"),
        (lambda: plots.plot_predictions(X_GRAY, Y, Y[:5]), r"y_pred: expected 12 labels"),
        (lambda: plots.plot_misclassified(X_GRAY, -Y - 1, Y), r"y_true: expected non-negative"),
    ],
)
def test_image_input_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ----------------------------------------------------------------- filters and feature maps


def test_filters_gray_one_tile_per_filter(tmp_path):
    fig = plots.plot_filters(RNG.normal(size=(3, 3, 1, 8)), path=tmp_path / "f.png")
    check_png(fig, tmp_path / "f.png")
    tiles = [ax for ax in fig.axes if ax.images]
    assert len(tiles) == 8
    data = tiles[0].images[0].get_array()
    assert data.shape == (3, 3) and data.min() == 0.0 and data.max() == 1.0  # per-filter normalized


def test_filters_rgb_and_channels(tmp_path):
    fig = plots.plot_filters(RNG.normal(size=(3, 3, 3, 4)), path=tmp_path / "f.png")
    check_png(fig, tmp_path / "f.png")
    assert fig.axes[0].images[0].get_array().shape == (3, 3, 3)
    fig = plots.plot_filters(RNG.normal(size=(3, 3, 2, 3)), mode="channels", path=tmp_path / "c.png")
    check_png(fig, tmp_path / "c.png")
    assert len([ax for ax in fig.axes if ax.images]) == 6
    fig = plots.plot_filters(np.zeros((3, 3, 1, 2)), max_filters=1)  # constant filter: no division by zero
    assert len([ax for ax in fig.axes if ax.images]) == 1


def test_filters_errors():
    with pytest.raises(ValueError, match=r"shape \(kh, kw, in, out\), received shape \(3, 3, 8\)"):
        plots.plot_filters(np.zeros((3, 3, 8)))
    with pytest.raises(ValueError, match=r"mode='rgb': expected 3 input channels, received 2"):
        plots.plot_filters(np.zeros((3, 3, 2, 4)), mode="rgb")


def test_feature_maps_rows_and_cap(tmp_path):
    acts = [("conv2d", RNG.random((10, 10, 20))), ("pool", RNG.random((1, 5, 5, 3)))]
    fig = plots.plot_feature_maps(acts, path=tmp_path / "fm.png", max_channels=6)
    check_png(fig, tmp_path / "fm.png")
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 6 + 3
    assert "conv2d" in fig.axes[0].get_ylabel() and "pool" in fig.axes[6].get_ylabel()


def test_feature_maps_leaves_out_vectors_with_a_note(tmp_path):
    acts = [("conv2d", RNG.random((1, 6, 6, 2))), ("flatten", RNG.random((1, 72))), ("dense", RNG.random(10))]
    fig = plots.plot_feature_maps(acts, path=tmp_path / "fm.png")
    check_png(fig, tmp_path / "fm.png", min_side=100)
    assert len([ax for ax in fig.axes if ax.images]) == 2
    assert any("flatten, dense" in t.get_text() for t in fig.texts)


def test_feature_maps_errors():
    with pytest.raises(ValueError, match=r"non-empty list"):
        plots.plot_feature_maps([])
    with pytest.raises(ValueError, match=r"activations\[0\] \('conv'\): expected .*received shape \(2, 4, 4, 3\)"):
        plots.plot_feature_maps([("conv", np.zeros((2, 4, 4, 3)))])
    with pytest.raises(ValueError, match=r"at least one spatial.*received only vectors from \['dense'\]"):
        plots.plot_feature_maps([("dense", np.zeros((1, 10)))])
    with pytest.raises(ValueError, match=r"activations\[0\]: expected a \(layer_name, array\) pair"):
        plots.plot_feature_maps([np.zeros((4, 4, 2))])


def test_plot_model_draws_a_graph_without_graphviz(tmp_path):
    import minicnn
    from minicnn import layers as L
    from minicnn.keras.utils import plot_model as keras_plot_model
    inputs = minicnn.Input((6, 6, 2))
    a = L.Conv2D(3, 1)(inputs)
    b = L.Conv2D(3, 3, padding="same")(L.Conv2D(2, 1)(inputs))
    shared = L.Dense(2)
    pooled = L.GlobalAveragePooling2D()(L.concatenate([a, b]))
    model = minicnn.Model(inputs, L.add([shared(pooled), shared(pooled), L.Dense(2)(pooled)]))
    fig = plots.plot_model(model, tmp_path / "graph.png", show_shapes=True)
    texts = [t.get_text() for t in fig.axes[0].texts if t.get_text()]
    assert len(texts) == 1 + len(model.layers) and any("concatenate (Concatenate)" in t for t in texts)
    assert any("in: (None, 6, 6, 3)" in t for t in texts)
    arrows = [c for c in fig.axes[0].get_children() if type(c).__name__ == "Annotation" and not c.get_text()]
    assert len(arrows) == sum(len(n.inputs) for n in model._nodes)
    assert (tmp_path / "graph.png").stat().st_size > 1000
    keras_plot_model(model, to_file=str(tmp_path / "k.png"), rankdir="LR")
    assert (tmp_path / "k.png").exists()
    with pytest.raises(ValueError, match="rankdir"):
        plots.plot_model(model, rankdir="BT")
