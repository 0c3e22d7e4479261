"""``model.summary()``: Keras's table of layers, output shapes and parameter counts."""
import sys


def _shape_text(shape):
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return str((None,) + tuple(shape))


def _rows(model):
    """``[(cells, extra lines)]``: Sequential's three columns; a graph's four, with its InputLayer
    rows first and "Connected to" naming each input tensor as ``layer[node][0]`` (one per line)."""
    def cells(layer):
        return f"{layer.name} ({type(layer).__name__})", _shape_text(layer.output_shape), f"{layer.count_params():,}"

    if type(model).json_class == "Sequential":
        return [(cells(l), []) for l in model.layers]
    names = model._tensor_names()
    # Keras leaves "Connected to" out for a functional model that is a chain ("sequential-like")
    chain = (not model._shared and all(len(node.inputs) == 1 for node in model._nodes)
             and all(n == 1 for n in model._consumers.values()))
    inputs = [(f"{names[id(t)][0]} (InputLayer)", _shape_text(t.shape[1:]), "0") for t in model._inputs]
    if chain:
        return [(row, []) for row in inputs] + [(cells(l), []) for l in model.layers]
    rows = [(row + ("-",), []) for row in inputs]
    for layer in model.layers:
        sources = [f"{n[0]}[{n[1]}][0]" for node in model._nodes if node.layer is layer
                   for n in (names[id(t)] for t in node.inputs)]
        rows.append((cells(layer) + (sources[0],), sources[1:]))
    return rows


def _widths(n_columns, rows, line_length, positions):
    """Column widths: Keras's ``positions`` (fractions of ``line_length`` or absolute right edges)."""
    if line_length is None and positions is None:
        minimum = [31, 22, 13, 30][:n_columns]
        return [max(m, *(len(r[0][i]) for r in rows)) for i, m in enumerate(minimum)]
    line_length = line_length or (88 if n_columns == 3 else 108)  # Keras's defaults
    positions = positions or ([0.45, 0.80, 1.0] if n_columns == 3 else [0.3, 0.56, 0.74, 1.0])
    if len(positions) != n_columns:
        raise ValueError(f"positions needs {n_columns} entries (one per column), got {positions}")
    edges = [int(line_length * p) if p <= 1 else int(p) for p in positions]
    widths = [b - a - 3 for a, b in zip([0] + edges[:-1], edges)]
    widths[-1] -= 1  # the closing border
    if any(w < 1 for w in widths):
        raise ValueError(f"line_length={line_length} with positions={positions} leaves a column with no room "
                         "(Keras: insufficient console width to print summary)")
    return widths


def summary_table(model, line_length=None, positions=None):
    """The table's lines: layer (type), output shape, parameter count (a functional model: its
    InputLayer rows first, and "Connected to" unless it is a chain), then the totals. Cells longer than a column set by ``line_length``/``positions`` are
    cut, as Keras does."""
    rows = _rows(model)
    n_columns = len(rows[0][0])
    widths = _widths(n_columns, rows, line_length, positions)
    fancy = can_print("┏━┳┓┃┡╇┩│└┴┘")
    h, top, mid, bot, v, hv = (("━", "┏┳┓", "┡╇┩", "└┴┘", "┃", "│") if fancy else
                               ("-", "+++", "+++", "+++", "|", "|"))
    light = "─" if fancy else "-"

    def line(chars, fill):
        return chars[0] + chars[1].join(fill * (w + 2) for w in widths) + chars[2]

    def row(cells, sep):
        cells = [c[:w] for c, w in zip(cells, widths)]
        padded = [c.rjust(w) if i == 2 else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return sep + " " + f" {sep} ".join(padded) + " " + sep

    total = model.count_params()
    trainable = sum(l.count_trainable_params() for l in model.layers)
    itemsize = model.dtype.itemsize
    titles = ("Layer (type)", "Output Shape", "Param #", "Connected to")[:n_columns]
    out = [f'Model: "{model.name}"', line(top, h), row(titles, v), line(mid, h)]
    for cells, extra in rows:
        out.append(row(cells, hv))
        out += [row(("", "", "", more), hv) for more in extra]
    out.append(line(bot, light))
    out += [f" Total params: {total:,} ({human_bytes(total * itemsize)})",
            f" Trainable params: {trainable:,} ({human_bytes(trainable * itemsize)})",
            f" Non-trainable params: {total - trainable:,} ({human_bytes((total - trainable) * itemsize)})"]
    return out


def can_print(chars):
    try:
        chars.encode(sys.stdout.encoding or "ascii")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def human_bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024
