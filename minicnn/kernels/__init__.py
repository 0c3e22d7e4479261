"""Numba kernels and their plain references.

Every fast kernel here has a readable ``*_reference`` twin in the same module; the reference
is the documentation of the math and the tests check that both agree.
"""
from .padding import WindowGeometry, normalize_padding, normalize_tuple, window_output_length
from .im2col import col2im, col2im_reference, im2col, im2col_reference
from .pooling import (avg_pool, avg_pool_backward, avg_pool_backward_reference, avg_pool_reference,
                      max_pool, max_pool_backward, max_pool_backward_reference, max_pool_reference)
from .conv import conv2d, conv2d_reference
