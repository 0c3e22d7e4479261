"""``report.html``: one self-contained page summarising a training run.

The page has inline CSS and no scripts; the plots are PNG files in the same directory,
referenced by their bare file names (each image links to itself at full size), so the run
directory can be moved or zipped as a whole.
:func:`write_report` refuses to reference an image that does not exist.
"""
import html
import json
import os

REPORT_NAME = "report.html"

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px;
       padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
.headline { font-size: 1.3em; margin: 0.4em 0 1em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.95em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.7em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f4f4f4; }
figure { margin: 1em 0 2em; } figcaption { font-weight: 600; margin-bottom: 0.4em; }
img { max-width: min(100%, 900px); height: auto; border: 1px solid #eee; }
.warning { color: #a40000; font-weight: 600; }
"""


def _table(rows, header=None, numeric_from=1):
    out = ["<table>"]
    if header:
        out.append("<tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr>")
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            cls = ' class="num"' if i >= numeric_from and isinstance(value, (int, float)) else ""
            text = _format(value)
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _format(value):
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


_METRIC_LABELS = {"test_loss": "test loss", "test_accuracy": "test accuracy",
                  "test_top3_accuracy": "test top-3 accuracy"}


def _class_rows(report):
    rows = []
    for name, values in report.items():
        if name == "accuracy":
            continue
        rows.append([name, values["precision"], values["recall"], values["f1-score"], values["support"]])
    return rows


def render_report(title, settings, metrics, images, notes=()):
    """The HTML text. ``settings``: {name: value}; ``metrics``: dict with ``test_loss``,
    ``test_accuracy`` and optionally ``classification_report`` (``minicnn.metrics.
    classification_report_dict``); ``images``: [(caption, file name)]; ``notes``: lines shown
    as warnings (e.g. "training diverged")."""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{html.escape(title)}</title>", f"<style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>"]
    if "test_accuracy" in metrics:
        parts.append(f'<p class="headline">Test accuracy <b>{metrics["test_accuracy"] * 100:.2f}%</b>'
                     f' &middot; test loss {metrics["test_loss"]:.4f}</p>')
    for note in notes:
        parts.append(f'<p class="warning">{html.escape(note)}</p>')
    parts.append("<h2>Settings</h2>")
    parts.append(_table([[k, v] for k, v in settings.items()], ["setting", "value"], numeric_from=99))
    parts.append("<h2>Metrics</h2>")
    scalars = [[_METRIC_LABELS.get(k, k), v] for k, v in metrics.items() if isinstance(v, (int, float))]
    parts.append(_table(scalars, ["metric", "value"]))
    if metrics.get("classification_report"):
        parts.append("<h3>Per-class report (test set)</h3>")
        parts.append(_table(_class_rows(metrics["classification_report"]),
                            ["class", "precision", "recall", "f1-score", "support"]))
    parts.append("<h2>Plots</h2>")
    for caption, file_name in images:
        name = html.escape(file_name)
        parts.append(f'<figure><figcaption>{html.escape(caption)}</figcaption>'
                     f'<a href="{name}"><img src="{name}" alt="{html.escape(caption)}"></a></figure>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(out_dir, title, settings, metrics, images, notes=()):
    """Write ``out_dir/report.html``; every image file name must exist in ``out_dir``. Returns the path."""
    for _, file_name in images:
        if os.path.basename(file_name) != file_name or not os.path.isfile(os.path.join(out_dir, file_name)):
            raise ValueError(f"report image {file_name!r} is not a file in {out_dir}")
    path = os.path.join(out_dir, REPORT_NAME)
    with open(path, "w", encoding="utf-8") as f:
        f.write(render_report(title, settings, metrics, images, notes))
    return path


# ------------------------------------------------------------------ a whole training run
#: (file name, caption) of every plot ``write_run`` draws, in report order
PLOTS = (
    ("learning_curves.png", "Learning curves"),
    ("confusion_matrix.png", "Confusion matrix (test set)"),
    ("samples.png", "Test images"),
    ("predictions.png", "Predictions on the first test images"),
    ("misclassified.png", "Misclassified test images"),
    ("probability_bars.png", "Class probabilities"),
    ("filters.png", "First convolution layer's filters"),
    ("feature_maps.png", "Feature maps of the first test image"),
)


def _first_conv_kernel(model):
    for layer in model.layers:
        if type(layer).__name__ == "Conv2D":
            return layer.params["kernel"]
    return None


def _draw_plots(out_dir, model, history, x_test, y_test, probs, class_names):
    """Save every plot in ``PLOTS`` that applies; returns ``[(caption, file name)]`` of those written."""
    from . import plots
    y_pred = probs.argmax(axis=-1)
    kernel = _first_conv_kernel(model)
    draw = {
        "learning_curves.png": (lambda p: plots.plot_history(history, path=p)) if history.history else None,
        "confusion_matrix.png": lambda p: plots.plot_confusion_matrix(y_test, y_pred, class_names, path=p),
        "samples.png": lambda p: plots.plot_samples(x_test, y_test, class_names, path=p),
        "predictions.png": lambda p: plots.plot_predictions(x_test, y_test, probs, class_names, path=p),
        "misclassified.png": lambda p: plots.plot_misclassified(x_test, y_test, probs, class_names, path=p),
        "probability_bars.png": lambda p: plots.plot_probability_bars(x_test, y_test, probs, class_names, path=p),
        "filters.png": (lambda p: plots.plot_filters(kernel, path=p)) if kernel is not None else None,
        "feature_maps.png": lambda p: plots.plot_feature_maps(model.feature_maps(x_test[:1]), path=p),
    }
    written = []
    for file_name, caption in PLOTS:
        if draw[file_name] is not None:
            draw[file_name](os.path.join(out_dir, file_name))
            written.append((caption, file_name))
    return written


def _json_dump(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def write_run(out_dir, model, history, x_test, y_test, class_names, settings, test_loss, test_accuracy,
              model_name="model.npz"):
    """Everything ``minicnn train --out DIR`` writes, given the trained model, the scaled test set and
    its loss and accuracy: the model file, ``history.json``, ``metrics.json``, the plots and
    ``report.html``. (``history.csv`` is written during training by a CSVLogger.) Returns the metrics."""
    from . import metrics as metrics_module
    model.save(os.path.join(out_dir, model_name))
    probs = model.predict(x_test, batch_size=256)
    loss, accuracy = test_loss, test_accuracy
    y_pred = probs.argmax(axis=-1)
    metrics = {"test_loss": float(loss), "test_accuracy": float(accuracy),
               "test_top3_accuracy": float(metrics_module.top_k_accuracy(y_test, probs, k=3)),
               "classification_report": metrics_module.classification_report_dict(y_test, y_pred, class_names)}
    _json_dump(os.path.join(out_dir, "metrics.json"), metrics)
    _json_dump(os.path.join(out_dir, "history.json"),
               {"epoch": list(history.epoch), "history": history.history, "params": history.params,
                "stopped_reason": history.stopped_reason})
    images = _draw_plots(out_dir, model, history, x_test, y_test, probs, class_names)
    notes = []
    if history.stopped_reason == "nan":
        notes.append("Training stopped early: the loss became NaN or infinite (try a smaller learning rate).")
    title = f"minicnn run: model {settings.get('model', model.name)} on {settings.get('dataset', '?')}"
    write_report(out_dir, title, settings, metrics, images, notes)
    return metrics
