"""``model.summary()``: Keras's table of layers, output shapes and parameter counts."""
import sys


def summary_table(model):
    """The table's lines: layer (type), output shape, parameter count, then the totals."""
    rows = [(f"{l.name} ({type(l).__name__})", str((None,) + tuple(l.output_shape)), f"{l.count_params():,}")
            for l in model.layers]
    widths = [max(31, *(len(r[0]) for r in rows)), max(22, *(len(r[1]) for r in rows)), 13]
    fancy = can_print("┏━┳┓┃┡╇┩│└┴┘")
    h, top, mid, bot, v, hv = (("━", "┏┳┓", "┡╇┩", "└┴┘", "┃", "│") if fancy else
                               ("-", "+++", "+++", "+++", "|", "|"))
    light = "─" if fancy else "-"

    def line(chars, fill):
        return chars[0] + chars[1].join(fill * (w + 2) for w in widths) + chars[2]

    def row(cells, sep):
        return (sep + " " + cells[0].ljust(widths[0]) + " " + sep + " " + cells[1].ljust(widths[1]) + " "
                + sep + " " + cells[2].rjust(widths[2]) + " " + sep)

    total = model.count_params()
    trainable = sum(l.count_trainable_params() for l in model.layers)
    itemsize = model.dtype.itemsize
    out = [f'Model: "{model.name}"', line(top, h), row(("Layer (type)", "Output Shape", "Param #"), v),
           line(mid, h)]
    out += [row(r, hv) for r in rows]
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
