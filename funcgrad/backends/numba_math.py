"""Branch-free transcendental functions for numba ``@njit`` loops.

NumPy's ``np.exp``/``np.sin``... inside a numba loop become scalar libm calls, which stop LLVM from vectorising
the loop.  The functions here are written in plain arithmetic, integer bit manipulation and selects (``a if c
else b`` on a comparison, which LLVM turns into a ``select`` instruction), so a loop calling them per element
vectorises.  Each follows the classic recipe: reduce the argument, evaluate a polynomial, reconstruct.

* exp/expm1/exp2/sinh/cosh: ``x = k*ln2 + r`` with ``|r| <= ln2/2`` (Cody-Waite split of ln2, as in fdlibm),
  a near-minimax polynomial for ``expm1(r)`` (Chebyshev fit), and ``2**k`` built from exponent bits as two
  factors so that results gradually underflow to subnormals and overflow to inf exactly like libm.
* log/log1p/log2/log10: exponent and mantissa split from the bits, ``log1p(f)`` with fdlibm's ``s = f/(2+f)``
  series (coefficients Lg1..Lg7); log1p carries fdlibm's rounding correction of ``1 + x``, log2/log10 the
  fdlibm hi/lo split of the result.
* sin/cos: Payne-Hanek reduction for every argument, vectorisable: a table indexed by the exponent holds
  ``(2**e * 2/pi) mod 4`` as four doubles, products are made exact with fused multiply-adds and summed in
  triple-double, giving the quadrant and ``r`` as a double-double.  fdlibm's kernels (S1..S6, C1..C6)
  evaluate ``sin(r)``/``cos(r)``; float32 uses a shorter reduction and musl's float kernels in float64.
* tanh: Cephes' rational approximation for ``|x| < 0.625``, ``1 - 2/(exp(2|x|) + 1)`` beyond; logistic:
  ``1/(1+e)`` or ``e/(1+e)`` with ``e = exp(-|x|)``.

Special values (nan, +-inf, signed zeros) are fixed up by selects at the end.  float32 versions compute in
float64 and round once.  ``fastmath`` stays off so that inf/nan semantics hold.  The functions are
``njit(cache=True, inline="always")`` so that callers get their bodies inlined before LLVM's loop vectoriser
runs; the sin/cos reduction relies on hardware FMA for speed (without it LLVM calls libm's ``fma``).
``FUNCTIONS`` maps (NumPy function name, dtype name) to the function.
"""

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_OPTS = dict(cache=True, inline="always")


# ---------------------------------------------------------------------------------------------------------------
# bit casts and fused multiply-add


def _bitcast(source, target, llvm_type):
    """An intrinsic reinterpreting the bits of a ``source`` value as ``target`` (an LLVM ``bitcast``)."""

    def cast(typingctx, x):
        def codegen(context, builder, sig, args):
            return builder.bitcast(args[0], llvm_type)

        return target(source), codegen

    return intrinsic(cast)


_f64_bits = _bitcast(types.float64, types.int64, ir.IntType(64))
_bits_f64 = _bitcast(types.int64, types.float64, ir.DoubleType())
_f32_bits = _bitcast(types.float32, types.int32, ir.IntType(32))
_bits_f32 = _bitcast(types.int32, types.float32, ir.FloatType())


@intrinsic
def _fma(typingctx, a, b, c):
    """Correctly rounded ``a*b + c`` (``llvm.fma``: one instruction on FMA hardware)."""

    def codegen(context, builder, sig, args):
        return builder.fma(*args)

    return types.float64(types.float64, types.float64, types.float64), codegen


@intrinsic
def _mad(typingctx, a, b, c):
    """``a*b + c``, fused where the hardware has FMA (``llvm.fmuladd``); for polynomial evaluation."""

    def codegen(context, builder, sig, args):
        d = ir.DoubleType()
        fn = builder.module.declare_intrinsic("llvm.fmuladd", [d], ir.FunctionType(d, [d, d, d]))
        return builder.call(fn, args)

    return types.float64(types.float64, types.float64, types.float64), codegen


@intrinsic
def _div(typingctx, a, b):
    """a / b without numba's division-by-zero check (which would block vectorisation)."""

    def codegen(context, builder, sig, args):
        return builder.fdiv(*args)

    return types.float64(types.float64, types.float64), codegen


# ---------------------------------------------------------------------------------------------------------------
# shared helpers

_SHIFT = 6755399441055744.0  # 1.5 * 2**52: adding it rounds to an integer held in the low mantissa bits
_SHIFT_BITS = 0x4338000000000000
_INF = math.inf
_NAN = math.nan
_MIN_NORMAL = 2.2250738585072014e-308


@njit(**_OPTS)
def _i2f(k):
    """float(k) for an int64 ``|k| < 2**51`` (avoids int64->double conversions that AVX2 lacks)."""
    return _bits_f64(k + _SHIFT_BITS) - _SHIFT


@njit(**_OPTS)
def _pow2(k):
    """2.0**k for an int64 k in [-1022, 1023]."""
    return _bits_f64((k + 1023) << 52)


# exp ------------------------------------------------------------------------------------------------------------

_LOG2E = 1.4426950408889634
_LN2 = 0.6931471805599453
_LN2_HI = 6.93147180369123816490e-01  # 32 significant bits: k*_LN2_HI is exact for |k| < 2**21
_LN2_LO = 1.90821492927058770002e-10

# expm1(r) = r + r**2/2 + r**3 * P(r) on |r| <= 0.35 (Chebyshev fit, relative error of P below 2**-54)
_E9 = 2.0911915299044694e-09
_E8 = 2.5101335854788522e-08
_E7 = 2.7557281528710364e-07
_E6 = 2.7557266442353424e-06
_E5 = 2.4801587318080937e-05
_E4 = 0.00019841269864364933
_E3 = 0.0013888888888886363
_E2 = 0.008333333333329796
_E1 = 0.041666666666666664
_E0 = 0.16666666666666669


@njit(**_OPTS)
def _expm1_poly(r):
    p = _mad(r, _mad(r, _mad(r, _mad(r, _mad(r, _mad(r, _E9, _E8), _E7), _E6), _E5), _E4), _E3)
    p = _mad(r, _mad(r, _mad(r, p, _E2), _E1), _E0)
    return r + r * r * _mad(r, p, 0.5)


@njit(**_OPTS)
def _exp_reduce(x):
    """(k, expm1(r)) with x = k*ln2 + r; x must be finite with |x| < 2**20 (or nan)."""
    t = x * _LOG2E + _SHIFT
    kd = t - _SHIFT
    k = _f64_bits(t) - _SHIFT_BITS
    r = (x - kd * _LN2_HI) - kd * _LN2_LO
    return k, _expm1_poly(r)


@njit(**_OPTS)
def _scale(p, k):
    """p * 2**k for k in [-1078, 1026], rounding once (gradual underflow, overflow to inf)."""
    k1 = k >> 1
    return (p * _pow2(k1)) * _pow2(k - k1)


@njit(**_OPTS)
def exp_f64(x):
    """exp(x) for float64."""
    xc = 710.0 if x > 710.0 else x
    xc = -746.0 if xc < -746.0 else xc
    k, u = _exp_reduce(xc)
    y = _scale(1.0 + u, k)
    return x if x != x else y


@njit(**_OPTS)
def exp2_f64(x):
    """2**x for float64."""
    xc = 1025.0 if x > 1025.0 else x
    xc = -1077.0 if xc < -1077.0 else xc
    t = xc + _SHIFT
    kd = t - _SHIFT
    k = _f64_bits(t) - _SHIFT_BITS
    y = _scale(1.0 + _expm1_poly((xc - kd) * _LN2), k)
    return x if x != x else y


@njit(**_OPTS)
def _expm1_from(k, u):
    """expm1(k*ln2 + r) from k and u = expm1(r), for k <= 1024."""
    ks = 60 if k > 60 else k
    s = _pow2(ks)
    small = s * u + (s - 1.0)
    return _scale(1.0 + u, k) if k > 53 else small


@njit(**_OPTS)
def expm1_f64(x):
    """exp(x) - 1 for float64, accurate near 0."""
    xc = 710.0 if x > 710.0 else x
    xc = -40.0 if xc < -40.0 else xc
    k, u = _exp_reduce(xc)
    y = _expm1_from(k, u)
    return x if (x != x) | (x == 0.0) else y


@njit(**_OPTS)
def cosh_f64(x):
    """cosh(x) for float64."""
    ax = abs(x)
    xc = 711.0 if ax > 711.0 else ax
    k, u = _exp_reduce(xc)
    h = _scale(1.0 + u, k - 1)  # exp(|x|) / 2
    y = h + _div(0.25, h)
    return ax if x != x else y


@njit(**_OPTS)
def sinh_f64(x):
    """sinh(x) for float64."""
    ax = abs(x)
    xc = 711.0 if ax > 711.0 else ax
    k, u = _exp_reduce(xc)
    h = _scale(1.0 + u, k - 1)
    t = _expm1_from(k, u)
    y = 0.5 * (t + _div(t, t + 1.0)) if ax < 22.0 else h
    y = -y if x < 0.0 else y
    return x if (x != x) | (x == 0.0) else y


# log ------------------------------------------------------------------------------------------------------------

_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01
_SQRT2_BITS_OFF = 0x3FF0000000000000 - 0x3FE6A09E667F3BCD
_MANT_MASK = 0x000FFFFFFFFFFFFF


@njit(**_OPTS)
def _log_split(x):
    """(k, f) with x = 2**k * (1 + f), 1 + f in [sqrt(2)/2, sqrt(2)); x > 0 finite (subnormals allowed)."""
    tiny = x < _MIN_NORMAL
    xs = x * 18014398509481984.0 if tiny else x  # 2**54
    ix = _f64_bits(xs) + _SQRT2_BITS_OFF
    kd = _i2f((ix >> 52) - 1023) - (54.0 if tiny else 0.0)
    m = _bits_f64((ix & _MANT_MASK) + 0x3FE6A09E667F3BCD)
    return kd, m - 1.0


@njit(**_OPTS)
def _log1p_kernel(f):
    """(hfsq, s*(hfsq + R)) of fdlibm: log(1+f) = f - hfsq + s*(hfsq + R)."""
    hfsq = 0.5 * f * f
    s = _div(f, 2.0 + f)
    z = s * s
    w = z * z
    t1 = w * _mad(w, _mad(w, _LG6, _LG4), _LG2)
    t2 = z * _mad(w, _mad(w, _mad(w, _LG7, _LG5), _LG3), _LG1)
    return hfsq, s * (hfsq + t2 + t1)


@njit(**_OPTS)
def _log_special(x, y):
    y = -_INF if x == 0.0 else y
    y = x if x == _INF else y
    return _NAN if (x < 0.0) | (x != x) else y


@njit(**_OPTS)
def log_f64(x):
    """Natural logarithm for float64."""
    kd, f = _log_split(x)
    hfsq, r = _log1p_kernel(f)
    y = kd * _LN2_HI - ((hfsq - (r + kd * _LN2_LO)) - f)
    return _log_special(x, y)


_IVLN2_HI = 1.44269504072144627571e00
_IVLN2_LO = 1.67517131648865118353e-10
_IVLN10_HI = 4.34294481878168880939e-01
_IVLN10_LO = 2.50829467116452752298e-11
_LOG10_2_HI = 3.01029995663611771306e-01
_LOG10_2_LO = 3.69423907715893078616e-13


@njit(**_OPTS)
def _log_hilo(f):
    """log(1+f) = hi + lo with hi holding 21 significant bits (fdlibm's split for log2/log10)."""
    hfsq, r = _log1p_kernel(f)
    hi = _bits_f64(_f64_bits(f - hfsq) & -4294967296)
    lo = (f - hi) - hfsq + r
    return hi, lo


@njit(**_OPTS)
def log2_f64(x):
    """Base-2 logarithm for float64."""
    kd, f = _log_split(x)
    hi, lo = _log_hilo(f)
    vhi = hi * _IVLN2_HI
    vlo = (lo + hi) * _IVLN2_LO + lo * _IVLN2_HI
    w = kd + vhi
    vlo += (kd - w) + vhi
    return _log_special(x, vlo + w)


@njit(**_OPTS)
def log10_f64(x):
    """Base-10 logarithm for float64."""
    kd, f = _log_split(x)
    hi, lo = _log_hilo(f)
    vhi = hi * _IVLN10_HI
    y2 = kd * _LOG10_2_HI
    vlo = kd * _LOG10_2_LO + (lo + hi) * _IVLN10_LO + lo * _IVLN10_HI
    w = y2 + vhi
    vlo += (y2 - w) + vhi
    return _log_special(x, vlo + w)


@njit(**_OPTS)
def log1p_f64(x):
    """log(1 + x) for float64, accurate near 0."""
    u = 1.0 + x
    c = (1.0 - (u - x)) if x > 1.0 else (x - (u - 1.0))  # exact error of the rounded sum 1 + x
    kd, f = _log_split(u)
    hfsq, r = _log1p_kernel(f)
    y = kd * _LN2_HI - ((hfsq - (r + (kd * _LN2_LO + _div(c, u)))) - f)
    y = -_INF if x == -1.0 else y
    y = x if (x == _INF) | (x == 0.0) else y
    return _NAN if (x < -1.0) | (x != x) else y


# tanh and logistic ----------------------------------------------------------------------------------------------

_TP0 = -9.64399179425052238628e-1
_TP1 = -9.92877231001918586564e1
_TP2 = -1.61468768441708447952e3
_TQ0 = 1.12811678491632931402e2
_TQ1 = 2.23548839060100448583e3
_TQ2 = 4.84406305325125486048e3


@njit(**_OPTS)
def tanh_f64(x):
    """Hyperbolic tangent for float64."""
    ax = abs(x)
    z = x * x
    small = x + x * _div(z * _mad(z, _mad(z, _TP0, _TP1), _TP2), _mad(z, _mad(z, z + _TQ0, _TQ1), _TQ2))
    e = exp_f64(2.0 * (20.0 if ax > 20.0 else ax))
    big = 1.0 - _div(2.0, e + 1.0)
    big = -big if x < 0.0 else big
    y = small if ax < 0.625 else big
    return x if (x != x) | (x == 0.0) else y


@njit(**_OPTS)
def logistic_f64(x):
    """Logistic sigmoid 1/(1 + exp(-x)) for float64, without overflow."""
    e = exp_f64(-abs(x))
    d = 1.0 + e
    return _div(1.0, d) if x >= 0.0 else (x if x != x else _div(e, d))


# sin and cos ----------------------------------------------------------------------------------------------------

# 2/pi in hexadecimal, 1400 bits
_TWO_OVER_PI_HEX = (
    "a2f9836e4e441529fc2757d1f534ddc0db6295993c439041fe5163abdebbc561b7246e3a424dd2e006492eea09d1921cfe1d"
    "eb1cb129a73ee88235f52ebb4484e99c7026b45f7e413991d639835339f49c845f8bbdf9283b1ff897ffde05980fef2f118b"
    "5a0a6d1f6d367ecf27cb09b74f463f669e5fea2d7527bac7ebe5f17b3d0739f78a5292ea6bfb5fb11f8d5d0856033046fc7b"
    "6babf0cfbc209af4361da9e391615ee61b086599855f14a068"
)
_TWO_OVER_PI_BITS = 1400


def _reduction_table(e_lo, e_hi, first_bits, nparts, fixed):
    """Rows for e in [e_lo, e_hi]: (2**e * 2/pi) mod 4 split into ``nparts`` doubles.

    With ``fixed`` the parts are fixed-point: part j holds the bits of weight 2**(1 - 53*j) down to
    2**(-51 - 53*j), so products with an integer mantissa land on known grids.  Otherwise part 0 holds the
    leading ``first_bits`` bits and each later part the leading 53 bits of what is left.
    """
    tp = int(_TWO_OVER_PI_HEX, 16)  # floor(2/pi * 2**1400)
    prec = 240  # fractional bits kept
    rows = []
    for e in range(e_lo, e_hi + 1):
        shift = _TWO_OVER_PI_BITS - e - prec
        g = (tp >> shift) if shift >= 0 else (tp << -shift)
        g &= (4 << prec) - 1
        row = []
        for j in range(nparts):
            if fixed:
                low = prec - 51 - 53 * j
                part = (g >> low) << low
            else:
                drop = max(g.bit_length() - (first_bits if j == 0 else 53), 0)
                part = (g >> drop) << drop  # leading bits of what is left
            row.append(math.ldexp(float(part), -prec))
            g -= part
        rows.append(row)
    return np.array(rows, dtype=np.float64).ravel()


_PH_E0 = 1000  # table row 0 is biased exponent 1000; smaller arguments take the |x| < pi/4 path
_PH_ROWS = 2047 - _PH_E0
_PH_TABLE = _reduction_table(_PH_E0 - 1075, 2046 - 1075, 53, 4, True)

_PIO2_HI = 1.5707963267948966
_PIO2_LO = 6.123233995736766e-17

_S1 = -1.66666666666666324348e-01
_S2 = 8.33333333332248946124e-03
_S3 = -1.98412698298579493134e-04
_S4 = 2.75573137070700676789e-06
_S5 = -2.50507602534068634195e-08
_S6 = 1.58969099521155010221e-10
_C1 = 4.16666666666666019037e-02
_C2 = -1.38888888888741095749e-03
_C3 = 2.48015872894767294178e-05
_C4 = -2.75573143513906633035e-07
_C5 = 2.08757232129817482790e-09
_C6 = -1.13596475577881948265e-11


@njit(**_OPTS)
def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@njit(**_OPTS)
def _reduce_pio2(ax):
    """(q, rh, rl): ax = (q + (rh + rl)/(pi/2)) * pi/2 modulo 2*pi, |rh| <= pi/4 + tiny, q in 0..3; ax >= 0."""
    bits = _f64_bits(ax)
    row = (bits >> 52) - _PH_E0
    row = 0 if row < 0 else row
    row = _PH_ROWS - 1 if row > _PH_ROWS - 1 else row
    i = row * 4
    g0 = _PH_TABLE[i]
    g1 = _PH_TABLE[i + 1]
    g2 = _PH_TABLE[i + 2]
    g3 = _PH_TABLE[i + 3]
    m = _bits_f64((bits & _MANT_MASK) | 0x4330000000000000)  # integer mantissa, ax = m * 2**(e - 1075)
    # m * (g0 + g1 + g2 + g3) modulo 4.  g0, g1, g2 are multiples of 2**-51, 2**-104, 2**-157, so the
    # products m*gj and their fma residuals sit on those grids, and the sums marked exact below are exact.
    a = m * g0
    b = _fma(m, g0, -a)
    c = m * g1
    d = _fma(m, g1, -c)
    e = m * g2
    f = _fma(m, g2, -e)
    na = np.rint(a)
    nb = np.rint(b)
    nc = np.rint(c)
    fc = c - nc
    ch = (fc + 3.0) - 3.0  # fc rounded to a multiple of 2**-51
    s2 = ((a - na) + (b - nb)) + ch  # exact
    n = np.rint(s2)
    p, t = _two_sum(d + (fc - ch), e)  # d + (fc - ch) is exact
    h, l = _two_sum(s2 - n, p)
    l = l + (t + f + m * g3)
    qf = (na - 4.0 * np.floor(na * 0.25)) + nb + nc + n
    q = (_f64_bits(qf + _SHIFT) - _SHIFT_BITS) & 3
    # (h + l) * pi/2 as a double-double (tail within a few ulp of the head, as the kernels allow)
    yh = h * _PIO2_HI
    yl = _fma(h, _PIO2_HI, -yh) + (h * _PIO2_LO + l * _PIO2_HI)
    small = ax < 0.7853981633974483
    return (0 if small else q), (ax if small else yh), (0.0 if small else yl)


@njit(**_OPTS)
def _ksin(x, y):
    """sin(x + y) for |x| <= pi/4, y a tiny tail (fdlibm __kernel_sin)."""
    z = x * x
    w = z * z
    r = _mad(z * w, _mad(z, _S6, _S5), _mad(z, _mad(z, _S4, _S3), _S2))
    v = z * x
    return x - ((z * (0.5 * y - v * r) - y) - v * _S1)


@njit(**_OPTS)
def _kcos(x, y):
    """cos(x + y) for |x| <= pi/4, y a tiny tail (fdlibm __kernel_cos)."""
    z = x * x
    w = z * z
    r = _mad(w * w, _mad(z, _mad(z, _C6, _C5), _C4), z * _mad(z, _mad(z, _C3, _C2), _C1))
    hz = 0.5 * z
    w = 1.0 - hz
    return w + (((1.0 - w) - hz) + (z * r - x * y))


@njit(**_OPTS)
def sin_f64(x):
    """Sine for float64 (accurate for every finite argument)."""
    ax = abs(x)
    q, rh, rl = _reduce_pio2(ax)
    s = _ksin(rh, rl)
    c = _kcos(rh, rl)
    y = c if (q & 1) == 1 else s
    y = -y if (q & 2) == 2 else y
    y = -y if x < 0.0 else y
    y = x if x == 0.0 else y
    return y if ax < _INF else x - x


@njit(**_OPTS)
def cos_f64(x):
    """Cosine for float64 (accurate for every finite argument)."""
    ax = abs(x)
    q, rh, rl = _reduce_pio2(ax)
    s = _ksin(rh, rl)
    c = _kcos(rh, rl)
    y = s if (q & 1) == 1 else c
    y = -y if ((q + 1) & 2) == 2 else y
    return y if ax < _INF else x - x


# float32 sin/cos: m is the 24-bit integer mantissa, the first table part has 29 bits so m*g0 is exact
_PH32_E0 = 1023 - 127
_PH32_ROWS = 1023 + 128 - _PH32_E0
_M24_OFF = 2.0**52 - 2.0**23
_PH32_TABLE = _reduction_table(_PH32_E0 - 1023 - 23, 1023 + 127 - 1023 - 23, 29, 3, False)

# musl's __sindf / __cosdf: |sin(x)/x - s(x)| < 2**-37.5, |cos(x) - c(x)| < 2**-34.5 on [-pi/4, pi/4]
_FS1 = -0.16666666641626524
_FS2 = 0.008333329385889463
_FS3 = -0.00019839334836096632
_FS4 = 2.718311493989822e-06
_FC0 = -0.499999997251031
_FC1 = 0.04166662332373906
_FC2 = -0.001388676377460993
_FC3 = 2.439044879627741e-05


@njit(**_OPTS)
def _reduce_pio2_f32(ax):
    """(q, r): ax = (q + r/(pi/2)) * pi/2 modulo 2*pi for ax = |float32| as float64, |r| <= pi/4 + tiny."""
    bits = _f64_bits(ax)
    row = (bits >> 52) - _PH32_E0
    row = 0 if row < 0 else row
    row = _PH32_ROWS - 1 if row > _PH32_ROWS - 1 else row
    i = row * 3
    g0 = _PH32_TABLE[i]
    g1 = _PH32_TABLE[i + 1]
    g2 = _PH32_TABLE[i + 2]
    m = _bits_f64(((bits & _MANT_MASK) >> 29) | 0x4330000000000000) - _M24_OFF  # 2**23 + mantissa
    a = m * g0
    b = m * g1
    bl = _fma(m, g1, -b)
    na = np.rint(a)
    h, l = _two_sum(a - na, b)
    n = np.rint(h)
    r = ((h - n) + (l + (bl + m * g2))) * _PIO2_HI
    qf = (na - 4.0 * np.floor(na * 0.25)) + n
    q = (_f64_bits(qf + _SHIFT) - _SHIFT_BITS) & 3
    small = ax < 0.7853981633974483
    return (0 if small else q), (ax if small else r)


@njit(**_OPTS)
def _ksin32(x):
    z = x * x
    return _mad(x * z, _mad(z, _mad(z, _mad(z, _FS4, _FS3), _FS2), _FS1), x)


@njit(**_OPTS)
def _kcos32(x):
    z = x * x
    return _mad(z, _mad(z, _mad(z, _mad(z, _FC3, _FC2), _FC1), _FC0), 1.0)


@njit(**_OPTS)
def sin_f32(x):
    """Sine for float32."""
    xd = np.float64(x)
    ax = abs(xd)
    q, r = _reduce_pio2_f32(ax)
    s = _ksin32(r)
    c = _kcos32(r)
    y = c if (q & 1) == 1 else s
    y = -y if (q & 2) == 2 else y
    y = -y if xd < 0.0 else y
    y = xd if xd == 0.0 else y
    return np.float32(y if ax < _INF else xd - xd)


@njit(**_OPTS)
def cos_f32(x):
    """Cosine for float32."""
    xd = np.float64(x)
    ax = abs(xd)
    q, r = _reduce_pio2_f32(ax)
    s = _ksin32(r)
    c = _kcos32(r)
    y = s if (q & 1) == 1 else c
    y = -y if ((q + 1) & 2) == 2 else y
    return np.float32(y if ax < _INF else xd - xd)


# float32 versions computed in float64 ---------------------------------------------------------------------------


@njit(**_OPTS)
def exp_f32(x):
    """exp(x) for float32."""
    return np.float32(exp_f64(np.float64(x)))


@njit(**_OPTS)
def exp2_f32(x):
    """2**x for float32."""
    return np.float32(exp2_f64(np.float64(x)))


@njit(**_OPTS)
def expm1_f32(x):
    """exp(x) - 1 for float32."""
    return np.float32(expm1_f64(np.float64(x)))


@njit(**_OPTS)
def log_f32(x):
    """Natural logarithm for float32."""
    return np.float32(log_f64(np.float64(x)))


@njit(**_OPTS)
def log2_f32(x):
    """Base-2 logarithm for float32."""
    return np.float32(log2_f64(np.float64(x)))


@njit(**_OPTS)
def log10_f32(x):
    """Base-10 logarithm for float32."""
    return np.float32(log10_f64(np.float64(x)))


@njit(**_OPTS)
def log1p_f32(x):
    """log(1 + x) for float32."""
    return np.float32(log1p_f64(np.float64(x)))


@njit(**_OPTS)
def tanh_f32(x):
    """Hyperbolic tangent for float32."""
    return np.float32(tanh_f64(np.float64(x)))


@njit(**_OPTS)
def logistic_f32(x):
    """Logistic sigmoid for float32."""
    return np.float32(logistic_f64(np.float64(x)))


@njit(**_OPTS)
def sinh_f32(x):
    """sinh(x) for float32."""
    return np.float32(sinh_f64(np.float64(x)))


@njit(**_OPTS)
def cosh_f32(x):
    """cosh(x) for float32."""
    return np.float32(cosh_f64(np.float64(x)))


_NAMES = ("exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tanh", "logistic", "sinh", "cosh")
FUNCTIONS = {
    (name, dtype): globals()[f"{name}_{suffix}"]
    for name in _NAMES
    for dtype, suffix in (("float64", "f64"), ("float32", "f32"))
}
