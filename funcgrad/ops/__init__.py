"""The primitive set, grouped by family. Importing this package registers them all."""

from funcgrad.ops.elementwise import *  # noqa: F401,F403
from funcgrad.ops.elementwise import (  # noqa: F401
    BINARY, NONDIFF_BINARY, NONDIFF_UNARY, UNARY, abs, add, convert, div, equal, greater, greater_equal,
    less, less_equal, maximum, minimum, mul, neg, not_equal, pow, power_const, round, safe_mul, select,
    stop_gradient, sub,
)
from funcgrad.ops.indexing import getitem, index, scatter_add, scatter_set  # noqa: F401
from funcgrad.ops.linalg import cholesky, det, dot_general, inv, matmul2, mT, slogdet, solve  # noqa: F401
from funcgrad.ops.reductions import (  # noqa: F401
    argmax, argmin, cumprod, cumsum, reduce_all, reduce_any, reduce_max, reduce_mean, reduce_min, reduce_prod,
    reduce_sum,
)
from funcgrad.ops.shape import broadcast_to, concatenate, moveaxis, pad, reshape, transpose  # noqa: F401
from funcgrad.ops import control  # noqa: F401,E402  (cond, while, scan: primitives that hold IR)
