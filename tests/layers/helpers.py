"""Shared assertions for layer tests."""
from minicnn.gradcheck import check_layer

TOLERANCE = 1e-6


def assert_gradients_correct(layer, input_shape, batch_size=2, training=True, max_coords=None):
    report = check_layer(layer, input_shape, batch_size=batch_size, training=training, tolerance=TOLERANCE,
                         max_coords=max_coords)
    assert report.passed, str(report)
    return report


def assert_save_load_round_trip(model, x, path):
    """Save ``model`` to ``path``, load it back: same architecture JSON and the same predictions."""
    import numpy as np

    import minicnn
    model.save(path)
    loaded = minicnn.load_model(path)
    assert loaded.to_json() == model.to_json()
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    return loaded
