"""Misuse gets a typed error that names the function, the argument and the fix (catalogued in docs/errors.md)."""

import os
import re

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.autograd as ag
from funcgrad import optim

X = np.ones(3)


def _leak():
    box = []
    fg.grad(lambda v: box.append(v) or v * 2)(1.0)
    return np.sin(box[0])


def _backward_twice():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    y.backward()


def _param():
    return ag.tensor([1.0], requires_grad=True)


def _custom_vjp(bwd, fwd=None):
    @fg.custom_vjp
    def mul(x, y):
        return x * y

    mul.defvjp(fwd or (lambda x, y: (mul(x, y), (x, y))), bwd)
    return lambda: fg.grad(mul)(1.0, 2.0)


def _custom_jvp(rule):
    @fg.custom_jvp
    def f(x):
        return x * 2.0

    f.defjvp(rule)
    return lambda: fg.grad(f)(1.0)


def _closed_over():
    def make(w):
        f = fg.custom_vjp(lambda x: x * w)
        f.defvjp(lambda x: (f(x), None), lambda _, g: (g * w,))
        return f

    fg.grad(lambda w: make(w)(1.0))(2.0)


def _function(backward):
    class Twice(ag.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

    Twice.backward = staticmethod(backward)
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    return lambda: Twice.apply(x, x).sum().backward()


def _nondiff_range():
    f = fg.custom_jvp(lambda x: x, nondiff_argnums=1)
    f.defjvp(lambda p, t: (p[0], t[0]))
    fg.grad(f)(1.0)


CASES = [
    # (id, call, exception, what the message must say)
    ("argnums-range", lambda: fg.grad(lambda a, b: a * b, argnums=2)(1.0, 2.0), TypeError,
     r"grad: argnums=2 but the function was called with 2"),
    ("argnums-type", lambda: fg.grad(lambda a: a, argnums="0")(1.0), TypeError,
     r"grad: argnums must be an int or a tuple of ints.*argnums=0"),
    ("not-callable", lambda: fg.grad(3), TypeError, r"grad: the function to transform must be callable.*fg\.grad\(f\)"),
    ("jit-not-callable", lambda: fg.jit(np.sin(1.0)), TypeError, r"fg\.jit: the function to compile must be callable"),
    ("grad-vector-output", lambda: fg.grad(lambda a: a * 2)(X), TypeError,
     r"grad requires a scalar output.*shape \(3,\).*fg\.vjp.*fg\.jacrev"),
    ("grad-non-array-output", lambda: fg.grad(lambda a: "s")(1.0), TypeError, r"returned a str"),
    ("grad-none-output", lambda: fg.grad(lambda a: None)(1.0), TypeError, r"returned a NoneType"),
    ("grad-int-input", lambda: fg.grad(lambda a: a * 2)(3), TypeError,
     r"grad: the input of <lambda> has dtype int64.*1\.0 instead of 1"),
    ("grad-bool-input", lambda: fg.grad(lambda a: a * 2)(np.array(True)), TypeError, r"dtype bool"),
    ("grad-complex-input", lambda: fg.grad(lambda a: a * 2)(1j), TypeError, r"dtype complex128"),
    ("has-aux-not-pair", lambda: fg.value_and_grad(lambda a: a, has_aux=True)(1.0), TypeError,
     r"has_aux=True.*must return a pair"),
    ("jvp-not-tuples", lambda: fg.jvp(np.sin, X, X), TypeError, r"jvp: primals and tangents must be tuples"),
    ("jvp-tangent-shape", lambda: fg.jvp(np.sin, (X,), (np.ones(2),)), ValueError,
     r"jvp: tangent 0 has shape \(2,\), but its primal has shape \(3,\)"),
    ("jvp-tangent-count", lambda: fg.jvp(np.sin, (X,), (X, X)), ValueError, r"jvp: tangents have structure"),
    ("jvp-tangent-dtype", lambda: fg.jvp(np.sin, (X,), (np.ones(3, int),)), TypeError,
     r"jvp: tangent 0 has dtype int64.*floating-point tangent"),
    ("vjp-cotangent-shape", lambda: fg.vjp(np.sin, X)[1](np.ones(2)), ValueError,
     r"vjp: cotangent 0 has shape \(2,\).*pass a cotangent with the output's shape"),
    ("vjp-cotangent-structure", lambda: fg.vjp(np.sin, X)[1]((X, X)), ValueError,
     r"vjp: the cotangent's structure .* does not match"),
    ("vmap-in-axis-range", lambda: fg.vmap(np.sin, in_axes=2)(X), ValueError, r"vmap: in_axes=2 is out of range"),
    ("vmap-sizes", lambda: fg.vmap(lambda a, b: a + b)(np.ones(3), np.ones(4)), ValueError,
     r"vmap: mapped axes have different sizes \[3, 4\]"),
    ("vmap-in-axes-length", lambda: fg.vmap(lambda a, b: a + b, in_axes=(0, 0, 0))(X, X), ValueError,
     r"vmap: in_axes has 3 entries but the function got 2"),
    ("vmap-nothing-mapped", lambda: fg.vmap(lambda a: a, in_axes=None)(X), ValueError,
     r"at least one argument must be mapped"),
    ("vmap-scalar-mapped", lambda: fg.vmap(np.sin)(1.0), ValueError, r"in_axes=0 is out of range.*shape \(\)"),
    ("vmap-out-axis-range", lambda: fg.vmap(np.sin, out_axes=3)(X), ValueError, r"vmap: out_axes=3 is out of range"),
    ("broadcast", lambda: fg.grad(lambda a: np.sum(a + np.ones(4)))(X), ValueError, r"broadcast.*\(3,\).*\(4,\)"),
    ("matmul-shapes", lambda: fg.grad(lambda a: np.sum(a @ np.ones((4, 2))))(X), ValueError,
     r"matmul: mismatch in contracted dimension"),
    ("leaked-tracer", _leak, fg.UnexpectedTracerError, r"after the transform that created it had returned"),
    ("jit-python-if", lambda: fg.jit(lambda a: a if a > 0 else -a)(1.0), fg.ConcretizationError,
     r"fg\.jit\(<lambda>\).*test_errors\.py.*fg\.cond / fg\.while_loop.*static_argnums"),
    ("jit-float", lambda: fg.jit(lambda a: float(a))(1.0), fg.ConcretizationError, r"fg\.jit\(<lambda>\)"),
    ("traced-setitem", lambda: fg.grad(lambda a: a.__setitem__(0, 1.0))(X), TypeError,
     r"traced arrays are immutable: use x = x\.at\[idx\]\.set"),
    ("traced-asarray", lambda: fg.grad(lambda a: np.asarray(a).sum())(X), TypeError,
     r"cannot be converted to a NumPy array.*fg\.stop_gradient"),
    ("jit-static-unhashable", lambda: fg.jit(lambda a, b: a, static_argnums=1)(1.0, [1]), TypeError,
     r"static argument 1 \('b'\) must be hashable.*tuple instead of a list"),
    ("jit-static-range", lambda: fg.jit(lambda a: a, static_argnums=3)(1.0), TypeError,
     r"static_argnums=\(3,\) names argument 3"),
    ("index-range", lambda: fg.grad(lambda a: a[5])(X), IndexError, r"index 5 is out of bounds for axis 0 with size 3"),
    ("index-count", lambda: fg.grad(lambda a: a[0, 0])(X), IndexError, r"too many indices"),
    ("traced-mask-under-jit", lambda: fg.jit(lambda a: a[a > 0])(X), IndexError,
     r"traced boolean mask.*fnp\.where"),
    ("reshape-size", lambda: fg.grad(lambda a: np.sum(a.reshape(2, 2)))(X), ValueError, r"cannot reshape"),
    ("cond-pred-shape", lambda: fg.cond(np.array([True, False]), lambda: 1.0, lambda: 2.0), TypeError,
     r"fg\.cond: pred must be a scalar.*fnp\.where"),
    ("cond-branch-types", lambda: fg.jit(lambda a: fg.cond(a > 0, lambda a: np.stack([a, a]), lambda a: a, a))(1.0),
     TypeError, r"true_fun returns[\s\S]*false_fun returns"),
    ("while-carry-types", lambda: fg.jit(lambda a: fg.while_loop(lambda v: v < 3, lambda v: v.astype(np.float32),
                                                                   a))(1.0),
     TypeError, r"body_fun returns.*f32[\s\S]*init_val is.*f64"),
    ("while-cond-type", lambda: fg.jit(lambda a: fg.while_loop(lambda v: v, lambda v: v + 1, a))(1.0), TypeError,
     r"cond_fun must return a scalar bool"),
    ("scan-length", lambda: fg.scan(lambda c, x: (c, x), 0.0, np.ones(3), length=4), ValueError,
     r"fg\.scan: the leading axes of xs and length must agree"),
    ("scan-carry-types", lambda: fg.jit(lambda c: fg.scan(lambda c, x: (np.stack([c, c]), x), c, X))(1.0), TypeError,
     r"f returns carry[\s\S]*init is"),
    ("sgd-lr", lambda: optim.SGD([_param()], lr=-1), ValueError, r"Invalid learning rate: -1"),
    ("sgd-momentum", lambda: optim.SGD([_param()], lr=0.1, momentum=-1), ValueError, r"Invalid momentum value"),
    ("adam-betas", lambda: optim.Adam([_param()], betas=(1.5, 0.9)), ValueError, r"Invalid beta parameter at index 0"),
    ("optimizer-no-params", lambda: optim.SGD([], lr=0.1), ValueError, r"empty parameter list"),
    ("backward-non-scalar", lambda: (ag.tensor([1.0, 2.0], requires_grad=True) * 2).backward(), RuntimeError,
     r"grad can be implicitly created only for scalar outputs"),
    ("backward-no-graph", lambda: ag.tensor([1.0, 2.0]).sum().backward(), RuntimeError,
     r"does not require grad and does not have a grad_fn"),
    ("backward-twice", _backward_twice, RuntimeError, r"second time"),
    ("requires-grad-int", lambda: ag.tensor([1, 2], requires_grad=True), RuntimeError,
     r"Only Tensors of floating point"),
    ("inplace-leaf", lambda: _param().add_(1.0), RuntimeError, r"leaf Variable that requires grad.*in-place"),
    ("numba-mode", lambda: _numba_mode("sometimes"), ValueError, r"FUNCGRAD_NUMBA must be 'auto', 'always' or 'never'"),
    ("custom-vjp-no-rule", lambda: fg.custom_vjp(lambda x: x)(1.0), TypeError,
     r"custom_vjp function <lambda> has no VJP rule: define one with <lambda>\.defvjp\(fwd, bwd\)"),
    ("custom-jvp-no-rule", lambda: fg.custom_jvp(lambda x: x)(1.0), TypeError,
     r"custom_jvp function <lambda> has no JVP rule: define one with @<lambda>\.defjvp"),
    ("custom-vjp-bwd-not-tuple", _custom_vjp(lambda r, g: g * r[1]), TypeError,
     r"custom_vjp function mul: bwd must return a tuple with one cotangent per argument \(2 here\).*return "
     r"\(g_x, g_y\)"),
    ("custom-vjp-bwd-count", _custom_vjp(lambda r, g: (g,)), ValueError,
     r"mul: bwd returned 1 cotangent\(s\), but mul has 2 argument\(s\) \(x, y\).*one cotangent per argument"),
    ("custom-vjp-bwd-shape", _custom_vjp(lambda r, g: (np.ones(3), g)), ValueError,
     r"mul: the cotangent bwd returned for argument 0 \(x\) has shape \(3,\), but the argument has shape \(\)"),
    ("custom-vjp-fwd-not-pair", _custom_vjp(lambda r, g: (g, g), fwd=lambda x, y: x * y), TypeError,
     r"mul: fwd must return a pair \(out, residuals\)"),
    ("custom-jvp-rule-not-pair", _custom_jvp(lambda p, t: p[0] * 2.0), TypeError,
     r"custom_jvp function f: the JVP rule must return a pair \(primal_out, tangent_out\)"),
    ("custom-jvp-tangent-shape", _custom_jvp(lambda p, t: (p[0] * 2.0, np.ones(3))), ValueError,
     r"f: tangent output 0 of the JVP rule has shape \(3,\), but the primal output has shape \(\)"),
    ("custom-closed-over", _closed_over, TypeError,
     r"custom_vjp function <lambda> was differentiated with respect to a value it closes over.*as an argument"),
    ("custom-nondiff-range", _nondiff_range, TypeError,
     r"nondiff_argnums=\(1,\) names argument 1, but the call passed 1"),
    ("custom-non-array-argument", lambda: fg.grad(lambda x: fg.checkpoint(lambda x, s: x)(x, "s"))(1.0), TypeError,
     r"fg\.checkpoint\(<lambda>\): argument 1 is a str, not an array; list arguments that are not arrays in "
     r"static_argnums"),
    ("function-gradient-count", _function(lambda ctx, g: g), RuntimeError,
     r"function TwiceBackward returned an incorrect number of gradients \(expected 2, got 1\)"),
    ("function-gradient-shape", _function(lambda ctx, g: (g[:1], g)), RuntimeError,
     r"Function TwiceBackward returned an invalid gradient at index 0 - got \[1\] but expected shape compatible "
     r"with \[2\]"),
]


def _numba_mode(value):
    from funcgrad.backends import tiering

    old = os.environ.get("FUNCGRAD_NUMBA")
    os.environ["FUNCGRAD_NUMBA"] = value
    try:
        tiering.policy()
    finally:
        if old is None:
            del os.environ["FUNCGRAD_NUMBA"]
        else:
            os.environ["FUNCGRAD_NUMBA"] = old


@pytest.mark.parametrize(("name", "call", "exc", "message"), CASES, ids=[c[0] for c in CASES])
def test_misuse_raises_a_typed_error_that_says_what_to_do(name, call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_every_case_is_catalogued_with_its_cause_and_fix():
    with open(os.path.join(os.path.dirname(__file__), "..", "docs", "errors.md")) as f:
        rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([a-z0-9-]+)` \|(.*)\|$", f.read(), re.M)}
    assert len(CASES) >= 40
    missing = [name for name, *_ in CASES if name not in rows]
    assert not missing
    assert all(row.count("|") >= 2 for row in rows.values())  # cause | error | fix
