"""Where minicnn looks for (and downloads) datasets that are not built in.

Resolution order, first match wins:

1. an explicit ``data_dir=`` argument,
2. the environment variable ``$MINICNN_DATA`` (if set and not empty),
3. ``~/.cache/minicnn``.

Nothing is created here; the download code creates the directory when it needs it.
"""
import os
from pathlib import Path

DATA_DIR_ENV_VAR = "MINICNN_DATA"
DEFAULT_DATA_DIR = Path("~/.cache/minicnn")


def resolve_data_dir(data_dir=None):
    """Return the dataset directory as an absolute ``Path`` (see the module docstring)."""
    if data_dir is not None:
        chosen = Path(data_dir)
    elif os.environ.get(DATA_DIR_ENV_VAR):
        chosen = Path(os.environ[DATA_DIR_ENV_VAR])
    else:
        chosen = DEFAULT_DATA_DIR
    return chosen.expanduser().absolute()
