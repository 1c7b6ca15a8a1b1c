"""The ``cpu`` device on NumPy: the namespace is NumPy itself (its 2.x array-API
names); only the required methods and a few fast extensions live here."""
import warnings

import numpy as np

from .. import _dtype as dt
from .._errors import UnsupportedError
from .contract import Backend, Capabilities

try:  # bfloat16 and float8 arrays for NumPy come from ml_dtypes when it is installed
    import ml_dtypes as _ml
    _np_bf16 = _ml.bfloat16
except ImportError:  # pragma: no cover - depends on the environment
    _ml = _np_bf16 = None

_TO_NP = {
    dt.bool: np.dtype(np.bool_), dt.uint8: np.dtype(np.uint8), dt.int8: np.dtype(np.int8),
    dt.uint16: np.dtype(np.uint16), dt.uint32: np.dtype(np.uint32), dt.uint64: np.dtype(np.uint64),
    dt.int16: np.dtype(np.int16), dt.int32: np.dtype(np.int32), dt.int64: np.dtype(np.int64),
    dt.float16: np.dtype(np.float16), dt.float32: np.dtype(np.float32),
    dt.float64: np.dtype(np.float64), dt.complex64: np.dtype(np.complex64),
    dt.complex128: np.dtype(np.complex128),
}
if _ml is not None:
    _TO_NP[dt.bfloat16] = np.dtype(_np_bf16)
    for _d in (dt.float8_e4m3fn, dt.float8_e5m2, dt.float8_e4m3fnuz, dt.float8_e5m2fnuz):
        _TO_NP[_d] = np.dtype(getattr(_ml, _d.name))
# dtypes NumPy holds through ml_dtypes: read back as float32
_VIA_FLOAT32 = frozenset(v for k, v in _TO_NP.items() if k is dt.bfloat16 or k in dt.FLOAT8)
_FROM_NP = {v: k for k, v in _TO_NP.items()}

# torch computes 1/0, log(0), overflow silently (IEEE results); NumPy warns.
# Silence those warnings only when they come from rustorch's own frames, so
# the user's NumPy code keeps its settings and no op pays for an errstate.
warnings.filterwarnings("ignore", message=r"(divide by zero|invalid value|overflow|underflow) encountered",
                        category=RuntimeWarning, module=r"rustorch(\.|$)")
# np.astype (a Python function inside NumPy) warns on NaN/inf -> int casts, which
# torch does silently; the values follow the documented wrap rules instead
warnings.filterwarnings("ignore", message=r"(invalid value|overflow) encountered in cast",
                        category=RuntimeWarning, module=r"numpy\._core\.numeric$")
_NP_PAD_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class NumpyBackend(Backend):
    name = "cpu"
    xp = np
    array_type = np.ndarray
    caps = Capabilities(_TO_NP.keys(), max_ndim=64,
                        notes="" if _np_bf16 is not None else "bfloat16 needs ml_dtypes")

    # ---------------------------------------------------------- required
    def to_native_dtype(self, dtype):
        try:
            return _TO_NP[dtype]
        except KeyError:
            raise UnsupportedError(f"dtype {dtype} is not supported on device 'cpu' "
                                   "(bfloat16 and float8 need the ml_dtypes package: "
                                   "pip install ml_dtypes)") from None

    def dtype_of(self, x):
        return _FROM_NP[x.dtype]

    def from_host(self, obj, dtype):
        if dtype in dt.FLOAT8:      # through float32, saturating e4m3fn like torch's casts
            arr = np.array(obj, dtype=np.float32)
            if dtype is dt.float8_e4m3fn:
                arr = np.clip(arr, -448.0, 448.0)
            return arr.astype(self.to_native_dtype(dtype))
        return np.array(obj, dtype=self.to_native_dtype(dtype))

    def from_buffer(self, buf, dtype, shape):
        npdt = self.to_native_dtype(dtype).newbyteorder("<")
        return np.frombuffer(buf, dtype=npdt).astype(npdt.newbyteorder("="), copy=True).reshape(shape)

    def to_list(self, x):
        if x.dtype in _VIA_FLOAT32:
            x = x.astype(np.float32)
        return x.tolist()

    def to_numpy(self, x):
        return x

    def is_writable(self, x):
        return x.flags.writeable

    def is_exclusive(self, x):
        # nobody else holds this buffer: safe to keep it as a leaf's .grad
        import sys
        return x.base is None and x.flags.writeable and sys.getrefcount(x) <= 3

    @staticmethod
    def _root(x):
        """The array that owns x's memory (through as_strided's DummyArray too)."""
        base = x
        while getattr(base, "base", None) is not None and hasattr(base.base, "__array_interface__"):
            base = base.base
        return base

    def storage_offset(self, x):
        base = self._root(x)
        if base is x:
            return 0
        return (x.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // x.itemsize

    def element_strides(self, x):
        isz = x.itemsize
        return tuple(s // isz for s in x.strides)

    def copy_into(self, dst, src):
        np.copyto(dst, src, casting="unsafe")

    def to_bytes(self, x):
        return np.ascontiguousarray(x).astype(x.dtype.newbyteorder("<"), copy=False).tobytes()

    # ---------------------------------------------------------- fast extensions
    def view_reshape(self, x, shape):
        v = x.view()
        try:
            v.shape = shape
        except AttributeError:  # strides do not allow a view
            return None
        return v

    def diagonal_view(self, x, offset, axis1, axis2):
        return np.diagonal(x, offset, axis1, axis2)

    def as_strided(self, x, shape, strides, offset):
        base = x
        while isinstance(base.base, np.ndarray):
            base = base.base
        start = self.storage_offset(x) + offset if base is not x else offset
        isz = x.itemsize
        flat = np.lib.stride_tricks.as_strided(base, shape=(base.size,), strides=(isz,)) \
            if base.flags.c_contiguous else base.reshape(-1)
        need = start + sum((n - 1) * s for n, s in zip(shape, strides) if n > 0) + 1
        if any(n == 0 for n in shape):
            need = 0
        if need > flat.size or start < 0 or any(s < 0 for s in strides):
            from .._errors import ShapeError
            raise ShapeError(f"setStorage: sizes {list(shape)}, strides {list(strides)}, storage "
                             f"offset {offset} require {need} elements but the storage has {flat.size}")
        return np.lib.stride_tricks.as_strided(flat[start:], shape=shape,
                                               strides=tuple(s * isz for s in strides))

    def matmul(self, a, b):
        # ndarray.dot has half of np.matmul's call overhead; keep matmul for
        # large products, where it picks better BLAS routines (e.g. syrk)
        if a.ndim == 2 and b.ndim == 2 and a.shape[0] * a.shape[1] * b.shape[1] < 32768:
            return a.dot(b)
        r = np.matmul(a, b)
        # ml_dtypes' bfloat16 vector products come back as float32
        return r if r.dtype == a.dtype else r.astype(a.dtype)

    def mask_zero(self, x, keep):
        # a multiply is branch-free (np.where with a random mask is ~10x slower);
        # it is exact unless x holds inf/nan where keep is False, which makes
        # the sum non-finite: only then redo it with where
        r = np.multiply(x, keep, dtype=x.dtype)
        if r.size > 64 and x.dtype.kind in "fc" and not np.isfinite(r.sum()):
            r = np.where(keep, x, x.dtype.type(0))
        return r

    def index_put(self, x, key, values, accumulate):
        if accumulate:
            np.add.at(x, key, values)
        else:
            x[key] = values

    def special(self, name, x):
        try:
            import scipy.special as sp
        except ImportError:
            return super().special(name, x)
        fn = {"erf": sp.erf, "erfc": sp.erfc, "erfinv": sp.erfinv, "lgamma": sp.gammaln,
              "digamma": sp.digamma, "polygamma1": lambda a: sp.polygamma(1, a)}[name]
        return fn(x).astype(x.dtype, copy=False)

    def adam_step(self, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, step_sizes,
                  bc2_sqrts, *, weight, beta2, eps, weight_decay, decay, maximize):
        # the fallback's ops in the same order, in place through ufunc out=
        # arguments, over cache-sized chunks of the flat arrays with scratch
        # buffers: the dozen passes of the update stay in cache and each array
        # streams through memory once.  By default the multiply-adds are two
        # float32 roundings (within float32 rounding of torch's fused kernels)
        # and big updates use a thread per core; EXACT_ADAM_KERNEL = True rounds
        # like torch bit for bit (multiply-adds emulated in float64, ~2.5x slower)
        exact = EXACT_ADAM_KERNEL
        chunk = _ADAM_CHUNK if exact else _ADAM_FAST_CHUNK
        out = []
        tasks = []
        for i, (p, g, m, v) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs)):
            vmax = max_exp_avg_sqs[i] if max_exp_avg_sqs is not None else None
            arrs = (p, g, m, v) if vmax is None else (p, g, m, v, vmax)
            if (any(a.dtype != p.dtype or a.shape != p.shape for a in arrs)
                    or p.dtype.kind != "f" or not all(a.flags.writeable for a in (p, m, v))
                    or (vmax is not None and not vmax.flags.writeable)):
                args = [[a] for a in arrs[:4]] + [None if vmax is None else [vmax]]
                out += Backend.adam_step(
                    self, *args, [step_sizes[i]], [bc2_sqrts[i]], weight=weight, beta2=beta2,
                    eps=eps, weight_decay=weight_decay, decay=decay, maximize=maximize)
                continue
            kw = (weight, beta2, eps, weight_decay, decay, maximize, step_sizes[i], bc2_sqrts[i])
            if all(a.flags.c_contiguous for a in arrs):
                flat = [a.reshape(-1) for a in arrs]
                n = p.size
                for s0 in range(0, n, chunk):
                    s1 = min(n, s0 + chunk)
                    part = [f[s0:s1] for f in flat]
                    tasks.append((part[:4] + [part[4] if vmax is not None else None], kw))
            else:  # strided: whole-array ufuncs write through the views
                (_adam_chunk if exact else _adam_chunk_fast)(p, g, m, v, vmax,
                                                             _Scratch(p.shape, p.dtype), *kw)
            out.append((p, m, v, vmax))
        if exact:
            _run_chunks(tasks)
        else:
            _run_chunks_threaded(tasks)
        return out

    def sigmoid(self, x):
        with np.errstate(over="ignore"):
            return (1 / (1 + np.exp(-x))).astype(x.dtype, copy=False)

    def einsum(self, equation, *operands):
        if operands[0].dtype == np.float16 or operands[0].dtype == _TO_NP.get(dt.bfloat16):
            # accumulate in float32 like torch (NumPy has no bfloat16 einsum at all)
            r = np.einsum(equation, *(o.astype(np.float32) for o in operands),
                          optimize=len(operands) > 1)
            return np.asarray(r).astype(operands[0].dtype)
        if len(operands) == 1:
            r = np.einsum(equation, operands[0])
            # NumPy hands back views for pure permutations / diagonals
            return r.copy() if isinstance(r, np.ndarray) and r.base is not None else r
        if len(operands) > 2:
            return np.einsum(equation, *operands, optimize=True)
        # BLAS (optimize) pays off above ~20k multiply-adds: the product of
        # every letter's size
        sizes = {}
        for spec, op in zip(equation.split("->")[0].split(","), operands):
            sizes.update(zip(spec, op.shape))
        work = 1
        for n in sizes.values():
            work *= n
        return np.einsum(equation, *operands, optimize=work > 20000)

    def pad(self, x, pads, mode, value):
        if mode == "constant":
            x = x[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(pads, x.shape))]
            width = [(max(lo, 0), max(hi, 0)) for lo, hi in pads]
            if not any(lo or hi for lo, hi in width):
                return x.copy()
            return np.pad(x, width, constant_values=value)
        if all(lo >= 0 and hi >= 0 for lo, hi in pads):
            return np.pad(x, pads, mode=_NP_PAD_MODE[mode])
        return super().pad(x, pads, mode, value)

    def pad_backward(self, g, pads, mode, shape):
        from .fallbacks import pad_indices
        for ax, (lo, hi) in enumerate(pads):
            if not (lo or hi):
                continue
            n = shape[ax]
            idx = np.asarray(pad_indices(n, lo, hi, mode), dtype=np.intp)
            new_shape = list(g.shape)
            new_shape[ax] = n
            out = np.zeros(new_shape, dtype=g.dtype)
            # the interior is a shifted copy; only the padded margins scatter
            m = g.shape[ax]
            s0 = min(max(lo, 0), m)         # first interior output position
            c0 = max(-lo, 0)                # ... and the input index it reads
            c = max(0, min(n - c0 - max(-hi, 0), m - s0))   # interior length
            pre = (slice(None),) * ax
            if c > 0:
                out[pre + (slice(c0, c0 + c),)] = g[pre + (slice(s0, s0 + c),)]
            margin = np.concatenate([np.arange(0, s0), np.arange(s0 + c, m)]).astype(np.intp)
            if margin.size:
                np.add.at(out, pre + (idx[margin],), g[pre + (margin,)])
            g = out
        return g

    def scatter_add(self, x, axis, index, src):
        out = x.copy()
        idx = list(np.indices(index.shape, sparse=True))
        idx[axis] = index
        np.add.at(out, tuple(idx), src[tuple(slice(0, k) for k in index.shape)])
        return out

    def scatter(self, x, axis, index, src):
        # not put_along_axis: it would broadcast an index of size 1 across the
        # other dims, where torch touches only the first row
        out = x.copy()
        idx = list(np.indices(index.shape, sparse=True))
        idx[axis] = index
        out[tuple(idx)] = src[tuple(slice(0, k) for k in index.shape)]
        return out

    def scatter_reduce(self, x, axis, index, src, reduce, include_self):
        if reduce not in ("sum", "prod", "amax", "amin", "mean") or x.dtype == np.bool_:
            return super().scatter_reduce(x, axis, index, src, reduce, include_self)
        out = x.copy()
        if index.size == 0:
            return out
        idx = list(np.indices(index.shape, sparse=True))
        idx[axis] = index
        idx = tuple(idx)
        src = src[tuple(slice(0, k) for k in index.shape)].astype(x.dtype, copy=False)
        if not include_self:
            if reduce in ("sum", "mean"):
                out[idx] = 0
            elif reduce == "prod":
                out[idx] = 1
            else:  # seed every target with one of its own sources
                out[idx] = src
        if reduce == "mean":
            count = np.zeros(x.shape, dtype=np.int64)
            np.add.at(count, idx, 1)
            np.add.at(out, idx, src)
            if include_self:
                count += 1
            count = np.maximum(count, 1)
            if out.dtype.kind in "fc":
                out = (out / count).astype(x.dtype, copy=False)
            else:
                out = (out // count).astype(x.dtype, copy=False)
            return out
        ufunc = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
        ufunc.at(out, idx, src)
        return out


    def cum_extreme(self, x, axis, largest):
        if x.shape[axis] == 0:
            return x.copy(), np.zeros(x.shape, dtype=np.int64)
        vals = (np.maximum if largest else np.minimum).accumulate(x, axis=axis)
        # a slot is a new record (or a tie, or a NaN) where x equals the running
        # value; the index is the running max of those record positions
        rec = x == vals
        if x.dtype.kind in "fc":
            rec |= np.isnan(x)
        shape = [1] * x.ndim
        shape[axis] = x.shape[axis]
        pos = np.where(rec, np.arange(x.shape[axis], dtype=np.int64).reshape(shape), 0)
        return vals, np.maximum.accumulate(pos, axis=axis)

    def logcumsumexp(self, x, axis):
        if x.shape[axis] == 0:
            return x.copy()
        return np.logaddexp.accumulate(x, axis=axis)

    # ---------------------------------------------------------- windows (conv, pooling)
    def _windows(self, x, kernel, dilation, padding, stride, value):
        """A strided view (N, C, *out, *kernel) of x's (padded) windows."""
        nd = len(kernel)
        if any(lo or hi for lo, hi in padding):
            x = self.pad(x, ((0, 0), (0, 0)) + tuple(padding), "constant", value)
        spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        if any(p < s for p, s in zip(x.shape[2:], spans)):
            return None
        w = np.lib.stride_tricks.sliding_window_view(x, spans, axis=tuple(range(2, 2 + nd)))
        return w[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in stride)
                 + tuple(slice(None, None, d) for d in dilation)]

    def im2col(self, x, kernel, dilation, padding, stride, value=0):
        n, c, nd = x.shape[0], x.shape[1], len(kernel)
        w = self._windows(x, kernel, dilation, padding, stride, value)
        k = 1
        for v in kernel:
            k *= v
        if w is None:
            return np.zeros((n, c * k, 0), dtype=x.dtype)
        w = w.transpose((0, 1) + tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2, 2 + nd)))
        return np.ascontiguousarray(w).reshape(n, c * k, -1)

    def col2im(self, cols, size, kernel, dilation, padding, stride):
        from .fallbacks import _offsets, _window_counts, _window_slices
        n, ck = cols.shape[0], cols.shape[1]
        k = 1
        for v in kernel:
            k *= v
        c = ck // k if k else 0
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(size, padding))
        outs = _window_counts(padded, kernel, dilation, stride)
        if cols.size:
            buf = np.zeros((n, c) + tuple(max(p, 0) for p in padded), dtype=cols.dtype)
            cols = cols.reshape((n, c, k) + tuple(outs))
            for i, offs in enumerate(_offsets(kernel)):
                sl = (slice(None), slice(None)) + _window_slices(offs, dilation, stride, outs)
                buf[sl] += cols[:, :, i]
        else:
            buf = np.zeros((n, c) + tuple(max(p, 0) for p in padded), dtype=cols.dtype)
        if any(lo or hi for lo, hi in padding):
            if all(lo >= 0 and hi >= 0 for lo, hi in padding):
                return np.ascontiguousarray(buf[(slice(None), slice(None)) + tuple(
                    slice(lo, p - hi) for (lo, hi), p in zip(padding, buf.shape[2:]))])
            buf = self.pad(buf, ((0, 0), (0, 0)) + tuple((-lo, -hi) for lo, hi in padding),
                           "constant", 0)
        return buf

    def max_pool(self, x, kernel, dilation, padding, stride):
        from .fallbacks import _offsets, _window_counts, _window_slices
        nd = len(kernel)
        if x.dtype.kind == "f" or x.dtype.kind == "V":
            low = -np.inf
        elif x.dtype.kind == "b":
            low = False
        else:
            low = np.iinfo(x.dtype).min
        if any(lo or hi for lo, hi in padding):
            xp_ = self.pad(x, ((0, 0), (0, 0)) + tuple(padding), "constant", low)
        else:
            xp_ = x
        outs = _window_counts(xp_.shape[2:], kernel, dilation, stride)
        if 0 in outs or 0 in x.shape[:2]:
            return super().max_pool(x, kernel, dilation, padding, stride)
        # one strided slice per kernel offset, a running max (first maximum
        # wins; a NaN wins like torch's ``val > max || isnan(val)``)
        best = arg = None
        isf = x.dtype.kind in "fcV"
        for k, offs in enumerate(_offsets(kernel)):
            v = xp_[(slice(None), slice(None)) + _window_slices(offs, dilation, stride, outs)]
            if best is None:
                best = v.copy()
                arg = np.zeros(v.shape, dtype=np.int64)
                continue
            take = v > best
            if isf:
                take |= np.isnan(v)
            # branch-free updates (masked writes with random masks are slow)
            np.maximum(best, v, out=best)
            arg += take * (k - arg)
        # flat in-plane index: window origin + kernel offset
        sizes = x.shape[2:]
        pstr = [1] * nd
        for i in range(nd - 2, -1, -1):
            pstr[i] = pstr[i + 1] * sizes[i + 1]
        base = 0
        for i in range(nd):
            shape = [1] * nd
            shape[i] = outs[i]
            base = base + ((np.arange(outs[i], dtype=np.int64) * stride[i] - padding[i][0])
                           * pstr[i]).reshape(shape)
        koff = 0
        for i in range(nd):
            shape = [1] * nd
            shape[i] = kernel[i]
            koff = koff + (np.arange(kernel[i], dtype=np.int64) * dilation[i] * pstr[i]).reshape(shape)
        idx = np.asarray(koff, dtype=np.int64).reshape(-1)[arg]
        idx += base
        return best, idx


_ADAM_CHUNK = 1 << 15  # elements per chunk: the scratch buffers and five slices stay in L2
_ADAM_FAST_CHUNK = 1 << 17  # longer ufunc calls, so threads rarely wait for the GIL
_ADAM_THREADED_MIN = 1 << 20  # fewer elements than this: one thread (start-up costs more)
# True: adam_step rounds exactly like torch's single-tensor Adam (its lerp and
# addcmul are fused multiply-adds, emulated here in float64); False (default):
# plain float32 ufuncs, within float32 rounding of torch and ~2.5x faster.
EXACT_ADAM_KERNEL = False


class _Scratch:
    """Temporaries of one chunk: two in the param dtype, one float64."""

    def __init__(self, shape, dtype, wide=True):
        self.a = np.empty(shape, dtype)
        self.b = np.empty(shape, dtype)
        self.c = np.empty(shape, np.float64) if wide else None


_SCRATCH = [None]


def _run_chunks(tasks):
    """Run the chunk updates in order, reusing one set of scratch buffers (a
    thread pool was measured slower: the GIL between the many short ufuncs
    costs more than the second core gives)."""
    for part, kw in tasks:
        n = part[0].size
        s = _SCRATCH[0]
        if s is None or s.a.dtype != part[0].dtype or s.a.size < n:
            s = _SCRATCH[0] = _Scratch((max(n, _ADAM_CHUNK),), part[0].dtype)
        view = _Scratch.__new__(_Scratch)
        view.a, view.b, view.c = s.a[:n], s.b[:n], s.c[:n]
        _adam_chunk(*part, view, *kw)


def _run_chunks_threaded(tasks):
    """The fast chunk updates, split over one thread per core (at most 4) when
    the update is large: NumPy releases the GIL inside each ufunc."""
    import os
    import threading
    total = sum(part[0].size for part, _ in tasks)
    nthreads = min(4, os.cpu_count() or 1) if total >= _ADAM_THREADED_MIN else 1

    def work(mine, errors):
        try:
            scratch = None
            for part, kw in mine:
                n = part[0].size
                if scratch is None or scratch.a.size < n or scratch.a.dtype != part[0].dtype:
                    scratch = _Scratch((max(n, _ADAM_FAST_CHUNK),), part[0].dtype, wide=False)
                view = _Scratch.__new__(_Scratch)
                view.a, view.b, view.c = scratch.a[:n], scratch.b[:n], None
                _adam_chunk_fast(*part, view, *kw)
        except BaseException as e:  # re-raised in the calling thread
            errors.append(e)
    errors = []
    if nthreads == 1:
        work(tasks, errors)
    else:
        threads = [threading.Thread(target=work, args=(tasks[j::nthreads], errors), daemon=True)
                   for j in range(nthreads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if errors:
        raise errors[0]


def _adam_chunk_fast(p, g, m, v, vmax, s, weight, beta2, eps, weight_decay, decay, maximize,
                     step_size, bc2_sqrt):
    """_adam_chunk with each multiply-add rounded twice (plain float32 ufuncs)."""
    f32 = p.dtype.type
    a, b = s.a, s.b
    gg = g
    if maximize:
        np.negative(g, out=a)
        gg = a
    if weight_decay != 0:       # grad.add(param, alpha=wd)
        np.multiply(p, f32(weight_decay), out=b)
        np.add(gg, b, out=a)
        gg = a
    if decay is not None:
        np.multiply(p, decay, out=p)
    np.subtract(gg, m, out=b)   # exp_avg.lerp_(grad, weight), torch's two formulas
    w = float(f32(weight))
    if abs(w) < 0.5:
        np.multiply(b, w, out=b)
        np.add(m, b, out=m)
    else:
        np.multiply(b, f32(1.0 - w), out=b)
        np.subtract(gg, b, out=m)
    np.multiply(v, beta2, out=v)  # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
    np.multiply(gg, f32(1 - beta2), out=b)
    np.multiply(b, gg, out=b)
    np.add(v, b, out=v)
    src = v
    if vmax is not None:
        np.maximum(vmax, v, out=vmax)
        src = vmax
    # p -= step_size * m / (sqrt(v) / bc2 + eps), with the constants folded into
    # the denominator: five passes instead of six
    np.sqrt(src, out=b)
    if step_size == 0:                    # lr 0 (e.g. a schedule's end): torch's order
        np.divide(b, bc2_sqrt, out=b)
        np.add(b, eps, out=b)
        np.multiply(m, -step_size, out=a)
        np.divide(a, b, out=a)
    else:
        np.add(b, eps * bc2_sqrt, out=b)
        np.multiply(b, -1.0 / (step_size * bc2_sqrt), out=b)
        np.divide(m, b, out=a)
    np.add(p, a, out=p)


def _adam_chunk(p, g, m, v, vmax, s, weight, beta2, eps, weight_decay, decay, maximize,
                step_size, bc2_sqrt):
    """ComposedKernels.adam_step for one chunk, in place (``s``: scratch),
    rounded like torch's ops: add(alpha), lerp and addcmul are fused
    multiply-adds (computed in float64, rounded once)."""
    f32 = p.dtype.type
    a, b, c = s.a, s.b, s.c

    def fma(dst, x, y, z):
        np.multiply(z, y, out=c, dtype=np.float64)
        np.add(c, x, out=c, dtype=np.float64)
        np.copyto(dst, c, casting="same_kind")
    gg = g
    if maximize:
        np.negative(g, out=a)
        gg = a
    if weight_decay != 0:       # grad.add(param, alpha=wd)
        fma(a, gg, float(f32(weight_decay)), p)
        gg = a
    if decay is not None:
        np.multiply(p, decay, out=p)
    np.subtract(gg, m, out=b)   # exp_avg.lerp_(grad, weight): diff rounded, then one fma
    w = float(f32(weight))
    if abs(w) < 0.5:
        fma(m, m, w, b)
    else:
        fma(m, gg, -float(f32(1.0 - w)), b)
    np.multiply(v, beta2, out=v)  # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
    np.multiply(gg, f32(1 - beta2), out=b)
    fma(v, v, b, gg)
    src = v
    if vmax is not None:
        np.maximum(vmax, v, out=vmax)
        src = vmax
    np.sqrt(src, out=b)
    np.divide(b, bc2_sqrt, out=b)
    np.add(b, eps, out=b)
    np.multiply(m, -step_size, out=a)
    np.divide(a, b, out=a)
    np.add(p, a, out=p)
