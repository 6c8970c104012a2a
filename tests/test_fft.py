"""funcgrad.numpy.fft: values against NumPy (float64 and float32), derivatives to order 2 in both modes of
real-valued functions of the transforms (every norm, padding and truncation, several axes), vmap against a
loop, plain ``np.fft.*`` and complex-part calls on traced values, and the errors for what is not supported."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad.numpy import fft as ffft
from funcgrad.testing import check_grads, vmap_loop


def _rand(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _wsum(z):
    """A real-valued function reading both parts of a complex array (or a real one)."""
    w = np.cos(np.arange(z.size, dtype=np.float64).reshape(z.shape)).astype(np.real(np.zeros((), z.dtype)).dtype)
    if np.issubdtype(z.dtype, np.complexfloating):
        return np.sum(np.real(z) * w + np.imag(z) ** 2)
    return np.sum(z * w + z ** 3)


# (name, function of one real array, input shape): every transform, with n / s / axes / norm variants
CASES = [
    ("fft", lambda m, x: m.fft.fft(x), (2, 7)),
    ("fft_pad_ortho", lambda m, x: m.fft.fft(x, n=9, norm="ortho"), (2, 7)),
    ("fft_cut_axis0_forward", lambda m, x: m.fft.fft(x, n=2, axis=0, norm="forward"), (3, 4)),
    ("ifft", lambda m, x: m.fft.ifft(x), (2, 7)),
    ("ifft_cut_ortho", lambda m, x: m.fft.ifft(x, n=5, norm="ortho"), (2, 7)),
    ("rfft_even", lambda m, x: m.fft.rfft(x), (2, 8)),
    ("rfft_odd_forward", lambda m, x: m.fft.rfft(x, norm="forward"), (2, 7)),
    ("rfft_pad_axis0", lambda m, x: m.fft.rfft(x, n=6, axis=0), (4, 3)),
    ("irfft_even", lambda m, x: m.fft.irfft(m.fft.rfft(x)), (2, 8)),
    ("irfft_odd_ortho", lambda m, x: m.fft.irfft(m.fft.rfft(x, norm="ortho") * (0.5 + 1j), n=7, norm="ortho"),
     (2, 7)),
    ("irfft_real_input_forward", lambda m, x: m.fft.irfft(x, n=6, norm="forward"), (2, 4)),
    ("irfft_pad", lambda m, x: m.fft.irfft(m.fft.rfft(x), n=12), (2, 7)),
    ("fft2", lambda m, x: m.fft.fft2(x), (2, 3, 4)),
    ("ifft2_s", lambda m, x: m.fft.ifft2(x, s=(2, 6)), (2, 3, 4)),
    ("fftn", lambda m, x: m.fft.fftn(x), (2, 3, 4)),
    ("fftn_axes_s_ortho", lambda m, x: m.fft.fftn(x, s=(3, 6), axes=(0, 2), norm="ortho"), (2, 3, 4)),
    ("ifftn", lambda m, x: m.fft.ifftn(x, axes=(1, 2)), (2, 3, 4)),
    ("rfft2", lambda m, x: m.fft.rfft2(x), (2, 3, 4)),
    ("rfftn_axes", lambda m, x: m.fft.rfftn(x, axes=(2, 0)), (2, 3, 5)),
    ("irfft2", lambda m, x: m.fft.irfft2(m.fft.rfft2(x) * (1 - 0.5j), s=(3, 4)), (2, 3, 4)),
    ("irfftn_axes_odd", lambda m, x: m.fft.irfftn(m.fft.rfftn(x, axes=(0, 2)), s=(2, 5), axes=(0, 2)), (2, 3, 5)),
    ("fftshift", lambda m, x: m.fft.fftshift(m.fft.fft(x), axes=-1), (2, 5)),
    ("ifftshift", lambda m, x: m.fft.ifftshift(x), (3, 4)),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name, fn, shape", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_match_numpy(name, fn, shape, dtype):
    x = _rand(shape, dtype=dtype)
    got, want = fn(fnp, x), fn(np, x)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.dtype, want.dtype)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.usefixtures("transform_mode")  # eager, and every transform under fg.jit
@pytest.mark.parametrize("name, fn, shape", CASES, ids=IDS)
def test_derivatives_order2(name, fn, shape):
    check_grads(lambda x: _wsum(fn(np, x)), (_rand(shape, seed=1),), order=2, modes=("fwd", "rev"))


@pytest.mark.usefixtures("transform_mode")
@pytest.mark.parametrize("name, fn, shape", CASES, ids=IDS)
def test_vmap_matches_loop(name, fn, shape):
    xs = _rand((3,) + shape, seed=2)
    f = lambda x: fn(np, x)  # noqa: E731
    np.testing.assert_allclose(fg.vmap(f)(xs), vmap_loop(f, (xs,), (0,)), rtol=1e-12, atol=1e-12)
    g = fg.grad(lambda x: _wsum(f(x)))
    np.testing.assert_allclose(fg.vmap(g, in_axes=1)(np.moveaxis(xs, 0, 1)), vmap_loop(g, (xs,), (0,)),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.usefixtures("transform_mode")
def test_power_spectrum_and_filter():
    x = _rand((16,), seed=3)
    # Parseval: sum |fft(x)|^2 = n sum x^2, so the gradient is 2 n x
    np.testing.assert_allclose(fg.grad(lambda x: np.sum(np.abs(np.fft.fft(x)) ** 2))(x), 32 * x, rtol=1e-12)
    check_grads(lambda x: np.sum(np.abs(np.fft.rfft(x))), (x,), order=2)
    # a filter in the frequency domain, and its derivative with respect to the signal and the kernel
    k = _rand((16,), seed=4)

    def conv(x, k):
        return np.fft.irfft(np.fft.rfft(x) * np.fft.rfft(k), n=16)

    np.testing.assert_allclose(conv(x, k), np.real(np.fft.ifft(np.fft.fft(x) * np.fft.fft(k))), atol=1e-12)
    check_grads(lambda x, k: np.sum(np.tanh(conv(x, k))), (x, k), order=2)
    check_grads(lambda x: np.sum(np.angle(np.fft.rfft(x)[1:-1]) * np.arange(1.0, 8.0)), (x,), order=2)
    check_grads(lambda x: np.sum(np.real(np.conj(np.fft.fft(x)) * np.exp(np.fft.fft(x) / 10))), (x,), order=2)


HOLOMORPHIC = [np.exp, np.expm1, np.log, np.log1p, np.log2, np.log10, np.exp2, np.sqrt, np.square, np.reciprocal,
               np.sin, np.cos, np.tan, np.sinh, np.cosh, np.tanh, np.arcsin, np.arccos, np.arctan, np.arcsinh,
               np.arctanh, lambda z: z ** 3, lambda z: z ** (0.5 + 1j), lambda z: (2.0 + 1j) ** z,
               lambda z: z / (z + 3)]


@pytest.mark.parametrize("fn", HOLOMORPHIC, ids=[getattr(f, "__name__", "lambda") for f in HOLOMORPHIC])
def test_holomorphic_ufuncs_of_complex_values(fn):
    x = _rand((6,), seed=9)
    check_grads(lambda x: _wsum(fn(np.fft.fft(x) / 3 + (0.2 + 0.1j))), (x,), order=2)


def test_float32_gradients_stay_float32():
    x = _rand((8,), seed=5, dtype=np.float32)
    for f in (lambda x: np.sum(np.abs(np.fft.rfft(x)) ** 2), lambda x: np.sum(np.fft.irfft(np.fft.rfft(x) * 2j) ** 2),
              lambda x: np.sum(np.imag(np.fft.fft2(x.reshape(2, 4))) ** 2)):
        g = fg.grad(f)(x)
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, fg.grad(f)(x.astype(np.float64)), rtol=1e-4, atol=1e-4)


def test_complex_parts_and_unsupported_complex_calls():
    x = _rand((6,), seed=6)
    z = np.fft.fft(x)
    for f in (np.real, np.imag, np.conj, np.abs, np.angle):
        np.testing.assert_allclose(fg.jit(lambda x: f(np.fft.fft(x)))(x), f(z), rtol=1e-12, atol=1e-12)
    # complex values reach only functions whose rules hold for them; the others raise, naming the function
    with pytest.raises(TypeError, match="numpy.maximum of complex values"):
        fg.grad(lambda x: np.sum(np.real(np.maximum(np.fft.fft(x), 0))))(x)
    with pytest.raises(TypeError, match="numpy.var of complex values"):
        fg.grad(lambda x: np.var(np.fft.fft(x)))(x)
    with pytest.raises(TypeError, match="numpy.sign of complex values"):
        fg.grad(lambda x: np.sum(np.real(np.sign(np.fft.fft(x)))))(x)
    with pytest.raises(NotImplementedError, match="numpy.fft.hfft"):
        fg.grad(lambda x: np.sum(np.fft.hfft(x)))(x)
    # a complex output cannot be differentiated by grad
    with pytest.raises(TypeError, match="complex128"):
        fg.grad(lambda x: np.sum(np.fft.fft(x)))(x)


def test_bad_arguments():
    x = _rand((4,), seed=7)
    with pytest.raises(TypeError, match="rfft: the input must be real"):
        ffft.rfft(np.fft.fft(x))
    with pytest.raises(ValueError, match="fft: invalid norm='unitary'"):
        fg.grad(lambda x: np.sum(np.abs(np.fft.fft(x, norm="unitary"))))(x)
    with pytest.raises(TypeError, match="out= cannot receive a traced value"):
        fg.grad(lambda x: np.sum(np.abs(np.fft.fft(x, out=np.zeros(4, complex)))))(x)
    with pytest.raises(ValueError, match="s=.* and axes=.* must have the same length"):
        ffft.fftn(np.ones((2, 2)), s=(2,), axes=(0, 1))
    with pytest.raises(ValueError, match="invalid number of data points"):
        ffft.fft(x, n=0)
    with pytest.raises(ValueError, match="invalid number of data points"):
        ffft.irfft(np.ones(1, complex))


def test_numba_tier_keeps_complex_out_of_kernels(monkeypatch):
    monkeypatch.setenv("FUNCGRAD_NUMBA", "always")

    def f(x):
        return np.sum(np.tanh(np.fft.irfft(np.fft.rfft(np.sin(x) * 2.0) * (1 + 1j), n=32)) * np.exp(x))

    x = np.linspace(0.0, 1.0, 32)
    jg = fg.jit(fg.grad(f))
    np.testing.assert_allclose(jg(x), fg.grad(f)(x), rtol=1e-12)
    assert jg.tier(x) == "numba"


def test_fresh_process_resolves_fft_primitives():
    ir = fg.make_ir(lambda x: np.abs(np.fft.rfft(x)))(np.arange(4.0))
    code = ("import pickle, sys\n"
            "import funcgrad\n"
            "from funcgrad.backends.interpreter import eval_ir\n"
            "ir = pickle.loads(sys.stdin.buffer.read())\n"
            "print(eval_ir(ir, [0.0, 1.0, 2.0, 3.0])[0].round(12).tolist())\n")
    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(ir), capture_output=True, check=False)
    assert out.returncode == 0, out.stderr.decode()
    assert eval(out.stdout) == np.abs(np.fft.rfft(np.arange(4.0))).round(12).tolist()


def test_builtin_abs_of_complex():
    x = _rand((6,), seed=8)
    check_grads(lambda x: np.sum(abs(np.fft.fft(x)) + fnp.abs(np.fft.fft(x)) + np.fft.fft(x).real ** 2
                                 + np.fft.fft(x).imag ** 3 + np.real(np.fft.fft(x).conj() * 1j)), (x,), order=2)
    np.testing.assert_allclose(fg.grad(lambda x: np.sum(abs(np.fft.fft(x))))(x),
                               fg.grad(lambda x: np.sum(np.abs(np.fft.fft(x))))(x), rtol=1e-12)
