"""The one line a Keras lesson changes to run on minicnn, chosen here by ``--backend``.

``--backend minicnn`` (the default) imports ``minicnn.keras`` / ``minicnn.tf``; ``--backend keras``
imports the real TensorFlow and Keras (``pip install ".[bench]"``), so the same file runs on both.
``--quick`` runs a few hundred images for one epoch (what the test suite does).

Real Keras downloads its datasets from the internet on first use, and an offline machine has none
(its MNIST file is also checked against a hash, so a rebuilt copy is refused). Offline, with
``--backend keras``, ``keras_without_downloads`` makes ``keras.datasets.mnist.load_data`` and
``fashion_mnist.load_data`` return the arrays minicnn reads from the same official files; nothing
else of Keras is touched.
"""
import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # `python examples/keras_lessons/NAME.py` works without installing minicnn
    sys.path.insert(0, str(REPO_ROOT))


def parse_args(doc, argv=None):
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--backend", choices=("minicnn", "keras"), default="minicnn")
    parser.add_argument("--quick", action="store_true", help="a few hundred images, one epoch")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def keras_without_downloads():
    """Serve Keras's MNIST and Fashion-MNIST from the files minicnn reads (see the module docstring)."""
    import keras
    import tensorflow as tf
    from minicnn.data import load_fashion_mnist, load_mnist
    for namespace in (keras.datasets, tf.keras.datasets):
        namespace.mnist.load_data = lambda path="mnist.npz": load_mnist()
        namespace.fashion_mnist.load_data = load_fashion_mnist
