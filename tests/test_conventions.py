"""The conventions of docs/conventions.md hold in every mode, under jit, and at second order."""

import numpy as np
import pytest

import funcgrad as fg

pytestmark = [pytest.mark.usefixtures("transform_mode"), pytest.mark.filterwarnings("ignore::RuntimeWarning")]
TRANSFORM_MODES = ("eager", "jit", "numba")

CASES = [
    ("where-guarded sqrt", lambda x: np.where(x > 0, np.sqrt(x), 0.0), 0.0, 0.0, 0.0),
    ("where-guarded log", lambda x: np.where(x > 0, np.log(np.where(x > 0, x, 1.0)) * x, 0.0), 0.0, 0.0, 0.0),
    ("abs", np.abs, 0.0, 0.0, 0.0),
    ("maximum tie", lambda x: np.maximum(x, 1.0), 1.0, 0.5, 0.0),
    ("minimum tie", lambda x: np.minimum(x, 1.0), 1.0, 0.5, 0.0),
    ("clip at lo", lambda x: np.clip(x, 0.0, 1.0), 0.0, 0.5, 0.0),
    ("clip at hi", lambda x: np.clip(x, 0.0, 1.0), 1.0, 0.5, 0.0),
    ("relu as maximum", lambda x: np.maximum(x, 0.0), 0.0, 0.5, 0.0),
    ("relu as where", lambda x: np.where(x > 0, x, 0.0), 0.0, 0.0, 0.0),
]


@pytest.mark.parametrize(("name", "f", "x", "d1", "d2"), CASES, ids=[c[0] for c in CASES])
def test_convention_in_every_mode_and_to_second_order(name, f, x, d1, d2):
    for first in (fg.grad(f), fg.jacfwd(f), fg.jacrev(f)):
        assert float(first(x)) == d1
    for second in (fg.grad(fg.grad(f)), fg.hessian(f), fg.jacfwd(fg.grad(f))):
        assert float(second(x)) == d2
    np.testing.assert_array_equal(fg.vmap(fg.grad(f))(np.array([x, x])), [d1, d1])


def test_sqrt_at_zero_is_the_one_sided_limit():
    assert fg.grad(np.sqrt)(0.0) == np.inf


def test_ties_of_max_and_min_share_equally():
    np.testing.assert_array_equal(fg.grad(np.max)(np.array([3.0, 1.0, 3.0])), [0.5, 0.0, 0.5])
    np.testing.assert_array_equal(fg.grad(np.min)(np.array([1.0, 1.0, 1.0, 4.0])), [1 / 3, 1 / 3, 1 / 3, 0.0])
    np.testing.assert_array_equal(fg.jacfwd(lambda x: np.max(x, axis=1))(np.array([[2.0, 2.0], [0.0, 1.0]])),
                                  [[[0.5, 0.5], [0.0, 0.0]], [[0.0, 0.0], [0.0, 1.0]]])
