"""Control-flow primitives: ``cond``, ``while``, ``scan``, and ``while_transpose`` (reverse mode of ``while``).

Each holds closed IR in its params (branches, loop condition and body) and takes the
values that IR closes over as leading operands. The rules rewrite that IR
(:mod:`funcgrad.transforms.subir`) and bind the same primitives again, so every rule is
differentiable again and works under every trace:

- ``cond[branches](index, *ops)``: runs ``branches[index]``. jvp/vjp: the same cond over
  the branches' jvp/vjp. vmap with a batched index: every branch, then a select.
- ``while[cond, body, n_cc, n_bc](*cc, *bc, *init)``: ``carry = body(bc, carry)`` while
  ``cond(cc, carry)``. jvp: a while over (carry, tangent). vmap with a batched predicate:
  run while any lane is active, masking the finished lanes.
- ``while_transpose[...](*cc, *bc, *init, *g)``: the cotangents of ``(bc, init)`` for a
  cotangent ``g`` of the final carry. Its forward sweep keeps every carry (memory: one
  carry per iteration), then it runs the body's vjp backwards. It is linear in ``g``,
  so its own jvp and vjp are ``while_transpose`` and ``while`` of the jvp'd loop.
- ``scan[body, length, n_consts, n_carry, reverse](*consts, *init, *xs)``: a loop over the
  leading axis of ``xs``, returning the final carry and the stacked outputs. vjp: a
  forward scan that stacks the carries, then a reverse scan of the body's vjp.
"""

from __future__ import annotations

import weakref

import numpy as np

from funcgrad.backends.interpreter import eval_ir
from funcgrad.core.ir import ShapedArray
from funcgrad.core.primitive import Primitive
from funcgrad.ops.util import shape_of


def _subir():
    from funcgrad.transforms import subir

    return subir


_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _run(ir, *args) -> list:
    """``ir`` on concrete values: its generated-Python function (compiled once per IR), or the
    interpreter while a dispatch hook (the profiler) watches every primitive."""
    from funcgrad.core import trace

    if trace._dispatch_hook is not None:
        return eval_ir(ir, *args)
    fn = _compiled.get(ir)
    if fn is None:
        from funcgrad.backends.python import compile_ir

        fn = _compiled[ir] = compile_ir(ir, "body").fn
    return list(fn(*args))


def _split(seq, *sizes):
    out, k = [], 0
    for n in sizes:
        out.append(list(seq[k:k + n]))
        k += n
    out.append(list(seq[k:]))
    return out


def _fill(values, avals):
    """Zeros for the ``None`` (symbolic zero) entries."""
    z = _subir().zeros
    return [z(a) if v is None else v for v, a in zip(values, avals)]


# ----------------------------------------------------------------------------- cond

def _cond_index(index, n):
    return min(max(int(index), 0), n - 1)


def _cond_impl(index, *ops, branches):
    return tuple(_run(branches[_cond_index(index, len(branches))], *ops))


cond_p = Primitive("cond", _cond_impl, multiple_results=True,
                   abstract=lambda index, *ops, branches: branches[0].out_avals)


def _cond_jvp(primals, tangents, branches):
    s = _subir()
    index, ops, t_ops = primals[0], primals[1:], tangents[1:]
    which = [t is not None and s.is_float(b) for t, b in zip(t_ops, branches[0].in_avals)]
    if not any(which):
        return cond_p(index, *ops, branches=branches), (None,) * len(branches[0].outs)
    jb = tuple(s.jvp_ir(b, which) for b in branches)
    res = cond_p(index, *ops, *[t for t, w in zip(t_ops, which) if w], branches=jb)
    n = len(branches[0].outs)
    tans = iter(res[n:])
    return res[:n], tuple(next(tans) if s.is_float(a) else None for a in branches[0].out_avals)


def _cond_vjp(needed, g, ans, index, *ops, branches):
    s = _subir()
    avals = branches[0].out_avals
    need = [w and s.is_float(a) for w, a in zip(needed[1:], branches[0].in_avals)]
    if not any(need):
        return [None] * len(needed)
    gs = [c for c, a in zip(_fill(g, avals), avals) if s.is_float(a)]
    cts = iter(cond_p(index, *ops, *gs, branches=tuple(s.vjp_ir(b, need) for b in branches)))
    return [None] + [next(cts) if w else None for w in need]


def _cond_batch(size, args, dims, branches):
    from funcgrad import numpy as fnp
    from funcgrad.ops import select

    s = _subir()
    index, ops = args[0], args[1:]
    batched = [d is not None for d in dims[1:]]
    ops = [s.batch_leading(x, d, size) if d is not None else x for x, d in zip(ops, dims[1:])]
    bb = tuple(s.batch_ir(b, batched, size) for b in branches)
    n = len(branches[0].outs)
    if dims[0] is None:
        return cond_p(index, *ops, branches=bb), (0,) * n
    index = fnp.clip(s.batch_leading(index, dims[0], size), 0, len(branches) - 1)
    results = [eval_ir(b, *ops) for b in bb]
    outs = []
    for j, a in enumerate(branches[0].out_avals):
        mask_shape = (size,) + (1,) * len(a.shape)
        out = results[0][j]
        for k in range(1, len(branches)):
            out = select(fnp.reshape(index == k, mask_shape), results[k][j], out)
        outs.append(out)
    return tuple(outs), (0,) * n


cond_p.jvp_full = _cond_jvp
cond_p.vjp_full = _cond_vjp
cond_p.def_batch(_cond_batch)


# ----------------------------------------------------------------------------- while

def _while_impl(*args, cond, body, n_cc, n_bc):
    cc, bc, carry = _split(args, n_cc, n_bc)
    while bool(_run(cond, *cc, *carry)[0]):
        carry = _run(body, *bc, *carry)
    return tuple(carry)


while_p = Primitive("while", _while_impl, multiple_results=True,
                    abstract=lambda *args, cond, body, n_cc, n_bc: body.out_avals)


def _augmented(cond, body, n_cc, n_bc):
    """The loop over ``(carry, tangent)``, with tangents for every float body constant and carry:
    ``(cond', body', float mask of bc, float mask of carry)``; ``body'`` takes
    ``(*bc, *t_bc, *carry, *t_carry)``, ``cond'`` takes ``(*cc, *carry, *t_carry)``."""
    s = _subir()
    bc_avals, carry_avals = body.in_avals[:n_bc], body.in_avals[n_bc:]
    fb = [s.is_float(a) for a in bc_avals]
    fc = [s.is_float(a) for a in carry_avals]
    nb, nc, ntb = len(bc_avals), len(carry_avals), sum(fb)

    def make_body():
        jb = s.jvp_ir(body, fb + fc)

        def fun(*args):
            bc, tbc, carry, tcarry = _split(args, nb, ntb, nc)
            return eval_ir(jb, *bc, *carry, *tbc, *tcarry)
        return s.derive(fun, list(bc_avals) + [a for a, f in zip(bc_avals, fb) if f]
                        + list(carry_avals) + [a for a, f in zip(carry_avals, fc) if f])

    def make_cond():
        def fun(*args):
            cc, carry, _ = _split(args, n_cc, nc)
            return eval_ir(cond, *cc, *carry)
        return s.derive(fun, list(cond.in_avals) + [a for a, f in zip(carry_avals, fc) if f])

    return (s.cached(cond, ("augment-cond", id(body)), make_cond), s.cached(body, ("augment", n_bc), make_body),
            fb, fc)


def _while_jvp(primals, tangents, cond, body, n_cc, n_bc):
    cc, bc, carry = _split(primals, n_cc, n_bc)
    _, t_bc, t_carry = _split(tangents, n_cc, n_bc)
    if all(t is None for t in t_bc + t_carry):
        return while_p(*primals, cond=cond, body=body, n_cc=n_cc, n_bc=n_bc), (None,) * len(carry)
    acond, abody, fb, fc = _augmented(cond, body, n_cc, n_bc)
    tb = [t for t, f in zip(_fill(t_bc, body.in_avals[:n_bc]), fb) if f]
    tc = [t for t, f in zip(_fill(t_carry, body.in_avals[n_bc:]), fc) if f]
    res = while_p(*cc, *bc, *tb, *carry, *tc, cond=acond, body=abody, n_cc=n_cc, n_bc=n_bc + len(tb))
    n = len(carry)
    tans = iter(res[n:])
    return res[:n], tuple(next(tans) if f else None for f in fc)


def _while_vjp(needed, g, ans, *args, cond, body, n_cc, n_bc):
    s = _subir()
    cc, bc, init = _split(args, n_cc, n_bc)
    fb = [s.is_float(a) for a in body.in_avals[:n_bc]]
    fc = [s.is_float(a) for a in body.out_avals]
    gs = [c for c, f in zip(_fill(g, body.out_avals), fc) if f]
    cts = iter(while_transpose_p(*cc, *bc, *init, *gs, cond=cond, body=body, n_cc=n_cc, n_bc=n_bc))
    out = [None] * n_cc + [next(cts) if f else None for f in fb] + [next(cts) if f else None for f in fc]
    return [c if w else None for c, w in zip(out, needed)]


def _masked(cond, body, n_cc, n_bc, size):
    """A loop over batched values that runs while any lane's predicate holds and leaves finished
    lanes unchanged: ``(cond', body')``, ``body'`` taking ``(*cc, *bc, *carry)``."""
    from funcgrad import numpy as fnp
    from funcgrad.ops import select

    s = _subir()
    cond_b = s.batch_ir(cond, [True] * len(cond.in_vars), size)
    body_b = s.batch_ir(body, [True] * len(body.in_vars), size)

    def make_cond():
        return s.derive(lambda *a: [fnp.any(eval_ir(cond_b, *a)[0])], cond_b.in_avals)

    def make_body():
        def fun(*args):
            cc, bc, carry = _split(args, n_cc, n_bc)
            live = eval_ir(cond_b, *cc, *carry)[0]
            new = eval_ir(body_b, *bc, *carry)
            return [select(fnp.reshape(live, (size,) + (1,) * (len(shape_of(c)) - 1)), x, c)
                    for x, c in zip(new, carry)]
        return s.derive(fun, list(cond_b.in_avals[:n_cc]) + list(body_b.in_avals))

    return (s.cached(cond, ("masked-cond", size), make_cond),
            s.cached(body, ("masked", id(cond), size), make_body))


def _masked_batch(prim, drops_cc_cotangents: bool):
    """The vmap rule of ``while`` / ``while_transpose``: the same primitive over the masked loop
    (:func:`_masked`), every operand batched along axis 0."""
    def rule(size, args, dims, cond, body, n_cc, n_bc):
        s = _subir()
        args = [s.batch_leading(x, d, size) for x, d in zip(args, dims)]
        mcond, mbody = _masked(cond, body, n_cc, n_bc, size)
        out = prim(*args[:n_cc], *args, cond=mcond, body=mbody, n_cc=n_cc, n_bc=n_cc + n_bc)
        if drops_cc_cotangents:  # the masked body's copies of the condition's constants get no cotangent
            out = out[sum(s.is_float(a) for a in cond.in_avals[:n_cc]):]
        return out, (0,) * len(out)
    return rule


while_p.jvp_full = _while_jvp
while_p.vjp_full = _while_vjp
while_p.def_batch(_masked_batch(while_p, False))


# ----------------------------------------------------------------------------- while_transpose

def _while_transpose_impl(*args, cond, body, n_cc, n_bc):
    s = _subir()
    fb = [s.is_float(a) for a in body.in_avals[:n_bc]]
    fc = [s.is_float(a) for a in body.out_avals]
    n = len(body.outs)
    cc, bc, rest = _split(args, n_cc, n_bc)
    carry, g = rest[:n], rest[n:]
    carries = []
    while bool(_run(cond, *cc, *carry)[0]):
        carries.append(carry)
        carry = _run(body, *bc, *carry)
    bwd = s.vjp_ir(body, fb + fc)
    nbf = sum(fb)
    acc = [s.zeros(a) for a, f in zip(body.in_avals[:n_bc], fb) if f]
    ct = list(g)
    for c in reversed(carries):
        res = _run(bwd, *bc, *c, *ct)
        acc = [a + r for a, r in zip(acc, res[:nbf])]
        ct = res[nbf:]
    return tuple(acc) + tuple(ct)


def _while_transpose_abstract(*args, cond, body, n_cc, n_bc):
    s = _subir()
    return tuple(a for a in body.in_avals if s.is_float(a))


while_transpose_p = Primitive("while_transpose", _while_transpose_impl, multiple_results=True,
                              abstract=_while_transpose_abstract)


def _while_transpose_jvp(primals, tangents, cond, body, n_cc, n_bc):
    # y = ∂F(x)ᵀ g is linear in g; its derivative along (dx, dg) is the x-part of the augmented
    # loop's transpose with cotangent (dg, g), whose dx-part is y itself.
    s = _subir()
    n = len(body.outs)
    cc, bc, rest = _split(primals, n_cc, n_bc)
    init, g = rest[:n], rest[n:]
    _, t_bc, t_rest = _split(tangents, n_cc, n_bc)
    t_init, t_g = t_rest[:n], t_rest[n:]
    if all(t is None for t in t_bc + t_init + t_g):
        return while_transpose_p(*primals, cond=cond, body=body, n_cc=n_cc, n_bc=n_bc), \
            (None,) * len(_while_transpose_abstract(cond=cond, body=body, n_cc=n_cc, n_bc=n_bc))
    acond, abody, fb, fc = _augmented(cond, body, n_cc, n_bc)
    dbc = [t for t, f in zip(_fill(t_bc, body.in_avals[:n_bc]), fb) if f]
    dinit = [t for t, f in zip(_fill(t_init, body.out_avals), fc) if f]
    dg = _fill(t_g, [a for a in body.out_avals if s.is_float(a)])
    res = while_transpose_p(*cc, *bc, *dbc, *init, *dinit, *dg, *g, cond=acond, body=abody, n_cc=n_cc,
                            n_bc=n_bc + len(dbc))
    nfb, nfc = sum(fb), sum(fc)
    ct_bc, ct_dbc, ct_c, ct_dc = _split(res, nfb, nfb, nfc)
    return tuple(ct_dbc + ct_dc), tuple(ct_bc + ct_c)


def _while_transpose_vjp(needed, h, ans, *args, cond, body, n_cc, n_bc):
    # <h, ∂F(x)ᵀ g>: its gradient in g is ∂F(x) h (a jvp of the loop); in x it is the x-part of the
    # augmented loop's transpose with cotangent (0, g).
    s = _subir()
    n = len(body.outs)
    cc, bc, rest = _split(args, n_cc, n_bc)
    init, g = rest[:n], rest[n:]
    acond, abody, fb, fc = _augmented(cond, body, n_cc, n_bc)
    nfb, nfc = sum(fb), sum(fc)
    h = _fill(h, ans)
    h_bc, h_init = h[:nfb], h[nfb:]
    fwd = while_p(*cc, *bc, *h_bc, *init, *h_init, cond=acond, body=abody, n_cc=n_cc, n_bc=n_bc + nfb)
    ct_g = list(fwd[n:])
    zero_g = [s.zeros(a) for a in body.out_avals if s.is_float(a)]
    res = while_transpose_p(*cc, *bc, *h_bc, *init, *h_init, *zero_g, *g, cond=acond, body=abody, n_cc=n_cc,
                            n_bc=n_bc + nfb)
    ct_bc, _, ct_c, _ = _split(res, nfb, nfb, nfc)
    it_bc, it_c = iter(ct_bc), iter(ct_c)
    out = ([None] * n_cc + [next(it_bc) if f else None for f in fb] + [next(it_c) if f else None for f in fc]
           + ct_g)
    return [c if w else None for c, w in zip(out, needed)]


while_transpose_p.jvp_full = _while_transpose_jvp
while_transpose_p.vjp_full = _while_transpose_vjp
while_transpose_p.def_batch(_masked_batch(while_transpose_p, True))


# ----------------------------------------------------------------------------- scan

def _scan_impl(*args, body, length, n_consts, n_carry, reverse):
    consts, carry, xs = _split(args, n_consts, n_carry)
    ys = [[] for _ in body.outs[n_carry:]]
    for k in (range(length - 1, -1, -1) if reverse else range(length)):
        res = _run(body, *consts, *carry, *[x[k] for x in xs])
        carry = res[:n_carry]
        for acc, y in zip(ys, res[n_carry:]):
            acc.append(y)
    if reverse:
        for acc in ys:
            acc.reverse()
    stacked = [np.stack(acc) if acc else np.zeros((0,) + tuple(a.shape), a.dtype)
               for acc, a in zip(ys, body.out_avals[n_carry:])]
    return tuple(carry) + tuple(stacked)


def _scan_abstract(*args, body, length, n_consts, n_carry, reverse):
    outs = body.out_avals
    return tuple(outs[:n_carry]) + tuple(ShapedArray((length,) + tuple(a.shape), a.dtype) for a in outs[n_carry:])


scan_p = Primitive("scan", _scan_impl, multiple_results=True, abstract=_scan_abstract)


def _scan_jvp(primals, tangents, body, length, n_consts, n_carry, reverse):
    s = _subir()
    params = dict(length=length, reverse=reverse)
    consts, carry, xs = _split(primals, n_consts, n_carry)
    t_consts, t_carry, t_xs = _split(tangents, n_consts, n_carry)
    n_out = len(body.outs)
    if all(t is None for t in tangents):
        return scan_p(*primals, body=body, n_consts=n_consts, n_carry=n_carry, **params), (None,) * n_out
    avals = body.in_avals
    c_av, k_av, x_av = _split(avals, n_consts, n_carry)
    wc = [t is not None and s.is_float(a) for t, a in zip(t_consts, c_av)]
    wk = [s.is_float(a) for a in k_av]  # every float carry gets a tangent (it may become nonzero)
    wx = [t is not None and s.is_float(a) for t, a in zip(t_xs, x_av)]
    tc = [t for t, w in zip(t_consts, wc) if w]
    tk = [t for t, w in zip(_fill(t_carry, k_av), wk) if w]
    tx = [t for t, w in zip(t_xs, wx) if w]
    fy = [s.is_float(a) for a in body.out_avals[n_carry:]]

    def make():
        jb = s.jvp_ir(body, wc + wk + wx)

        def fun(*args):
            cs, tcs, ks, tks, xs_, txs = _split(args, n_consts, len(tc), n_carry, len(tk), len(x_av))
            res = eval_ir(jb, *cs, *ks, *xs_, *tcs, *tks, *txs)
            out, tans = res[:n_out], res[n_out:]
            return out[:n_carry] + tans[:len(tk)] + out[n_carry:] + tans[len(tk):]
        return s.derive(fun, list(c_av) + [a for a, w in zip(c_av, wc) if w] + list(k_av)
                        + [a for a, w in zip(k_av, wk) if w] + list(x_av) + [a for a, w in zip(x_av, wx) if w])

    aug = s.cached(body, ("scan-jvp", tuple(wc), tuple(wx), n_consts, n_carry), make)
    res = scan_p(*consts, *tc, *carry, *tk, *xs, *tx, body=aug, n_consts=n_consts + len(tc),
                 n_carry=n_carry + len(tk), **params)
    carry_out, t_carry_out, ys, t_ys = _split(res, n_carry, len(tk), len(fy))
    it_k, it_y = iter(t_carry_out), iter(t_ys)
    return (tuple(carry_out + ys),
            tuple(next(it_k) if w else None for w in wk) + tuple(next(it_y) if f else None for f in fy))


def _scan_vjp(needed, g, ans, *args, body, length, n_consts, n_carry, reverse):
    s = _subir()
    consts, init, xs = _split(args, n_consts, n_carry)
    c_av, k_av, x_av = _split(body.in_avals, n_consts, n_carry)
    fc = [s.is_float(a) for a in c_av]
    fk = [s.is_float(a) for a in k_av]
    fx = [s.is_float(a) for a in x_av]
    y_av = body.out_avals[n_carry:]
    fy = [s.is_float(a) for a in y_av]
    g = _fill(g, ans)
    g_carry = [c for c, f in zip(g[:n_carry], fk) if f]
    g_ys = [c for c, f in zip(g[n_carry:], fy) if f]

    def make_fwd():  # the body, also emitting the carry it started from
        def fun(*args):
            cs, ks, _ = _split(args, n_consts, n_carry)
            res = eval_ir(body, *args)
            return res[:n_carry] + list(ks)
        return s.derive(fun, body.in_avals)

    fwd = s.cached(body, ("scan-carries", n_consts, n_carry), make_fwd)
    carries = scan_p(*consts, *init, *xs, body=fwd, length=length, n_consts=n_consts, n_carry=n_carry,
                     reverse=reverse)[n_carry:]

    def make_bwd():
        vb = s.vjp_ir(body, fc + fk + fx)
        nfc, nfk = sum(fc), sum(fk)

        def fun(*args):
            cs, ct_k, acc, ks, xs_, gy = _split(args, n_consts, nfk, nfc, n_carry, len(x_av))
            res = eval_ir(vb, *cs, *ks, *xs_, *ct_k, *gy)
            ct_cs, ct_ks, ct_xs = _split(res, nfc, nfk)
            return ct_ks + [a + b for a, b in zip(acc, ct_cs)] + ct_xs
        return s.derive(fun, list(c_av) + [a for a, f in zip(k_av, fk) if f] + [a for a, f in zip(c_av, fc) if f]
                        + list(k_av) + list(x_av) + [a for a, f in zip(y_av, fy) if f])

    bwd = s.cached(body, ("scan-vjp", n_consts, n_carry), make_bwd)
    acc0 = [s.zeros(a) for a, f in zip(c_av, fc) if f]
    nfk, nfc = sum(fk), sum(fc)
    res = scan_p(*consts, *g_carry, *acc0, *carries, *xs, *g_ys, body=bwd, length=length, n_consts=n_consts,
                 n_carry=nfk + nfc, reverse=not reverse)
    ct_init, ct_consts, ct_xs = _split(res, nfk, nfc)
    it_c, it_k, it_x = iter(ct_consts), iter(ct_init), iter(ct_xs)
    out = ([next(it_c) if f else None for f in fc] + [next(it_k) if f else None for f in fk]
           + [next(it_x) if f else None for f in fx])
    return [c if w else None for c, w in zip(out, needed)]


def _scan_batch(size, args, dims, body, length, n_consts, n_carry, reverse):
    from funcgrad import numpy as fnp

    s = _subir()
    consts, carry, xs = _split(list(zip(args, dims)), n_consts, n_carry)
    consts_b = [s.batch_leading(x, d, size) if d is not None else x for x, d in consts]
    carry_b = [s.batch_leading(x, d, size) for x, d in carry]  # a carry may become batched: batch them all
    xs_b = [fnp.moveaxis(x, d, 1) if d is not None and d != 1 else x for x, d in xs]
    batched = [d is not None for _, d in consts] + [True] * n_carry + [d is not None for _, d in xs]
    bb = s.batch_ir(body, batched, size)
    out = scan_p(*consts_b, *carry_b, *xs_b, body=bb, length=length, n_consts=n_consts, n_carry=n_carry,
                 reverse=reverse)
    return out, (0,) * n_carry + (1,) * (len(out) - n_carry)


scan_p.jvp_full = _scan_jvp
scan_p.vjp_full = _scan_vjp
scan_p.def_batch(_scan_batch)
