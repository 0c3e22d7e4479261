"""Shared assertions for layer tests."""
from minicnn.gradcheck import check_layer

TOLERANCE = 1e-6


def assert_gradients_correct(layer, input_shape, batch_size=2, training=True, max_coords=None):
    report = check_layer(layer, input_shape, batch_size=batch_size, training=training, tolerance=TOLERANCE,
                         max_coords=max_coords)
    assert report.passed, str(report)
    return report
