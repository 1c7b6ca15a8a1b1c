"""Composed fallbacks of the extension kernels (see contract.EXTENSIONS).

Each kernel is written against the array namespace ``self.xp`` only, so a new
backend runs everything as soon as its namespace and required methods work;
it overrides a kernel here only to make it faster.  ``tests/test_fallbacks.py``
replays the whole conformance suite on these implementations.
"""
from .. import _dtype as dt


class ComposedKernels:
    """Mixin of ``Backend``: the extension kernels, composed from ``self.xp``."""

    def matmul(self, a, b):
        return self.xp.matmul(a, b)

    def mask_zero(self, x, keep):
        """where(keep, x, 0): the gradient masks of relu, clamp, threshold ..."""
        xp = self.xp
        return xp.where(keep, x, xp.zeros((), dtype=x.dtype))

    def index_put(self, x, key, values, accumulate):
        """In place: x[key] = values, or x[key] += values summing duplicates.
        ``key`` holds ints, slices, None, Ellipsis, bool and int arrays."""
        if not accumulate:
            x[key] = values
            return
        # composed: the flat position of every element x[key] addresses, then a
        # 1-D scatter-add (which sums duplicate positions), written back
        xp = self.xp
        n = 1
        for s in x.shape:
            n *= s
        pos = xp.reshape(xp.arange(n, dtype=xp.int64), x.shape)[key]
        if n == 0 or 0 in pos.shape:
            return
        if values.dtype != x.dtype:
            values = xp.astype(values, x.dtype)
        vals = xp.reshape(xp.broadcast_to(values, pos.shape), (-1,))
        res = self.scatter_add(xp.reshape(x, (-1,)), 0, xp.reshape(pos, (-1,)), vals)
        x[...] = xp.reshape(res, x.shape)

    def sigmoid(self, x):
        xp = self.xp
        if self.dtype_of(x).category == 3:  # complex: no ordering, plain formula
            return xp.divide(1, xp.add(1, xp.exp(xp.negative(x))))
        # split by sign so exp never overflows
        e = xp.exp(xp.negative(xp.abs(x)))
        return xp.where(xp.greater_equal(x, 0), xp.divide(1, xp.add(1, e)),
                        xp.divide(e, xp.add(1, e)))

    def sinc(self, x):
        xp = self.xp
        px = xp.multiply(x, 3.141592653589793)
        safe = xp.where(xp.equal(x, 0), xp.ones(x.shape, dtype=x.dtype), px)
        return xp.where(xp.equal(x, 0), xp.ones(x.shape, dtype=x.dtype), xp.divide(xp.sin(safe), safe))

    def special(self, name, x):
        """erf, erfc, erfinv, lgamma, digamma, polygamma1 elementwise."""
        from . import special_fallback
        return getattr(special_fallback, name)(self.xp, x)

    def einsum(self, equation, *operands):
        """Einstein summation over explicit ``'ij,jk->ik'`` equations (no '...'),
        composed by broadcasting every operand over all letters and summing.
        Size-1 dims broadcast against the same letter elsewhere; the result is
        always a fresh array (never a view of an operand)."""
        xp = self.xp
        inputs, out = equation.split("->")
        specs = inputs.split(",")
        letters = []
        for s in specs:
            for c in s:
                if c not in letters:
                    letters.append(c)
        sizes = {}
        total = None
        for spec, op in zip(specs, operands):
            op = _diagonal_letters(xp, spec, op)
            spec_u = "".join(dict.fromkeys(spec))
            for c, n in zip(spec_u, op.shape):
                if sizes.get(c, 1) == 1:
                    sizes[c] = n
            perm = sorted(range(len(spec_u)), key=lambda i: letters.index(spec_u[i]))
            op = xp.permute_dims(op, tuple(perm))
            shape = [1] * len(letters)
            for i in perm:
                shape[letters.index(spec_u[i])] = op.shape[perm.index(i)]
            op = xp.reshape(op, tuple(shape))
            total = op if total is None else xp.multiply(total, op)
        summed = tuple(i for i, c in enumerate(letters) if c not in out)
        if summed:
            # broadcast first so a letter of size 0 elsewhere empties the sum
            total = xp.broadcast_to(total, tuple(sizes[c] for c in letters))
            total = xp.sum(total, axis=summed, dtype=total.dtype)
        kept = [c for c in letters if c in out]
        total = xp.broadcast_to(total, tuple(sizes[c] for c in kept))
        return xp.asarray(xp.permute_dims(total, tuple(kept.index(c) for c in out)), copy=True)

    def pad(self, x, pads, mode, value):
        """torch's padding: ``pads`` holds one ``(before, after)`` pair per axis of
        ``x`` (negative values crop); ``mode`` is 'constant' (new elements are
        ``value``, a Python number of x's kind), 'reflect', 'replicate' or
        'circular'.  The op layer has validated the sizes.  Composed from
        slicing + concat (constant) or one ``take`` per padded axis."""
        xp = self.xp
        if mode == "constant":
            x = x[tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(pads, x.shape))]
            for ax, (lo, hi) in enumerate(pads):
                parts = []
                for k in (lo, hi):
                    shape = list(x.shape)
                    shape[ax] = max(k, 0)
                    parts.append(xp.full(tuple(shape), value, dtype=x.dtype) if k > 0 else None)
                if parts[0] is not None or parts[1] is not None:
                    x = xp.concat([p for p in (parts[0], x, parts[1]) if p is not None], axis=ax)
            return xp.asarray(x, copy=True)
        for ax, (lo, hi) in enumerate(pads):
            if lo or hi:
                idx = pad_indices(x.shape[ax], lo, hi, mode)
                x = xp.take(x, xp.asarray(idx, dtype=xp.int64), axis=ax)
        return xp.asarray(x, copy=True)

    def pad_backward(self, g, pads, mode, shape):
        """The adjoint of ``pad`` for 'reflect', 'replicate' and 'circular': each
        element of the result sums the entries of ``g`` (the padded gradient)
        that were read from it; ``shape`` is the unpadded shape.  Composed as a
        product with a one-hot matrix per padded axis."""
        xp = self.xp
        for ax, (lo, hi) in enumerate(pads):
            if lo or hi:
                n = shape[ax]
                idx = xp.asarray(pad_indices(n, lo, hi, mode), dtype=xp.int64)
                onehot = xp.astype(xp.equal(xp.reshape(idx, (-1, 1)),
                                            xp.reshape(xp.arange(n, dtype=xp.int64), (1, -1))),
                                   g.dtype)
                g = _moveaxis(xp, xp.matmul(_moveaxis(xp, g, ax), onehot), -1, ax)
        return xp.asarray(g, copy=True)

    def logsumexp(self, x, axis, keepdims):
        xp = self.xp
        m = xp.max(x, axis=axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, xp.zeros(m.shape, dtype=m.dtype))
        s = xp.log(xp.sum(xp.exp(xp.subtract(x, m)), axis=axis, keepdims=True))
        r = xp.add(s, m)
        return r if keepdims else xp.squeeze(r, axis=axis)

    def softmax(self, x, axis):
        xp = self.xp
        e = xp.exp(xp.subtract(x, xp.max(x, axis=axis, keepdims=True)))
        return xp.divide(e, xp.sum(e, axis=axis, keepdims=True))

    def log_softmax(self, x, axis):
        xp = self.xp
        return xp.subtract(x, self.logsumexp(x, axis, True))

    def layer_norm(self, x, k, weight, bias, eps):
        """torch.layer_norm over the last ``k`` axes of ``x``: returns ``(y, mean,
        rstd)`` where mean and rstd keep the reduced axes (size 1) and
        ``y = (x - mean) * rstd * weight + bias`` (weight / bias of the
        normalised shape, or None).  The variance is the biased one."""
        xp = self.xp
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = xp.mean(x, axis=axes, keepdims=True)
        xc = xp.subtract(x, mean)
        var = xp.mean(xp.multiply(xc, xc), axis=axes, keepdims=True)
        rstd = xp.divide(1, xp.sqrt(xp.add(var, eps)))
        y = xp.multiply(xc, rstd)
        if weight is not None:
            y = xp.multiply(y, weight)
        if bias is not None:
            y = xp.add(y, bias)
        return y, mean, rstd

    def embedding(self, weight, indices):
        """Rows of the 2-D ``weight`` picked by the int array ``indices``:
        shape ``indices.shape + (weight.shape[1],)``."""
        xp = self.xp
        flat = xp.reshape(indices, (-1,))
        rows = xp.take(weight, flat, axis=0)
        return xp.reshape(rows, tuple(indices.shape) + (weight.shape[1],))

    def scatter_add(self, x, axis, index, src):
        """out = copy of x; out[..., index[i], ...] += src[i] along ``axis``
        (index and src of equal shape, torch.scatter_add semantics)."""
        xp = self.xp
        n = x.shape[axis]
        # one-hot over the target axis: (..., k) x (..., k, n) -> (..., n)
        idx = _moveaxis(xp, index, axis)
        s = _moveaxis(xp, src, axis)
        onehot = xp.equal(xp.expand_dims(idx, axis=-1), xp.arange(n))
        contrib = xp.sum(xp.multiply(xp.expand_dims(s, axis=-1), xp.astype(onehot, s.dtype)), axis=-2)
        contrib = _moveaxis(xp, contrib, -1, axis)
        out = xp.asarray(x, copy=True)
        sl = tuple(slice(0, k) for k in contrib.shape)
        out[sl] = xp.add(out[sl], xp.astype(contrib, x.dtype))
        return out

    def scatter(self, x, axis, index, src):
        """out = copy of x; out[..., index[i], ...] = src[i] along ``axis``."""
        xp = self.xp
        n = x.shape[axis]
        idx = _moveaxis(xp, index, axis)
        s = _moveaxis(xp, src, axis)
        hit = xp.equal(xp.expand_dims(idx, axis=-1), xp.arange(n))        # (..., k, n)
        any_hit = xp.any(hit, axis=-2)
        # last writer wins, like a sequential loop
        last = xp.argmax(xp.flip(hit, axis=-2), axis=-2)
        last = xp.subtract(hit.shape[-2] - 1, last)
        vals = xp.take_along_axis(s, xp.clip(last, 0, s.shape[-1] - 1), axis=-1)
        out = xp.asarray(x, copy=True)
        sl = tuple(slice(0, k) for k in idx.shape[:-1]) + (slice(None),)
        region = _moveaxis(xp, out, axis)[sl]
        newv = xp.where(any_hit, xp.astype(vals, x.dtype), region)
        moved = _moveaxis(xp, out, axis)
        moved[sl] = newv
        return _moveaxis(xp, moved, -1, axis)

    def scatter_reduce(self, x, axis, index, src, reduce, include_self):
        """torch.scatter_reduce: out = copy of x, each out[..., index[i], ...]
        combined with src[i] by ``reduce`` ('sum', 'prod', 'mean', 'amax',
        'amin'); with include_self=False the old value of a target that
        receives anything is left out.  index and src of equal shape.  Integer
        'mean' rounds down like torch."""
        xp = self.xp
        out = xp.asarray(x, copy=True)
        if 0 in index.shape:
            return out
        n = x.shape[axis]
        idx = _moveaxis(xp, index, axis)                                    # (..., k)
        s = _moveaxis(xp, src, axis)
        if s.dtype != x.dtype:
            s = xp.astype(s, x.dtype)
        hit = xp.equal(xp.expand_dims(idx, axis=-1), xp.arange(n))          # (..., k, n)
        se = xp.expand_dims(s, axis=-1)
        count = xp.sum(xp.astype(hit, xp.int64), axis=-2)                   # (..., n)
        any_hit = xp.greater(count, 0)
        is_bool = x.dtype == xp.bool
        if is_bool:
            s_num = xp.astype(se, xp.int64)
        else:
            s_num = se
        zero = xp.zeros((), dtype=s_num.dtype)
        if reduce in ("sum", "mean"):
            contrib = xp.sum(xp.where(hit, s_num, zero), axis=-2)
        elif reduce == "prod":
            contrib = xp.prod(xp.where(hit, s_num, xp.ones((), dtype=s_num.dtype)), axis=-2)
        elif reduce in ("amax", "amin"):
            # the global min (max) of src is a neutral filler for a masked max (min)
            fill = xp.min(s_num) if reduce == "amax" else xp.max(s_num)
            red = xp.max if reduce == "amax" else xp.min
            contrib = red(xp.where(hit, s_num, fill), axis=-2)
        else:
            raise ValueError(f"unknown reduce {reduce!r}")
        moved = _moveaxis(xp, out, axis)
        sl = tuple(slice(0, k) for k in idx.shape[:-1]) + (slice(None),)
        region = moved[sl]
        reg = xp.astype(region, contrib.dtype) if is_bool else region
        if reduce == "mean":
            total = xp.add(contrib, reg) if include_self else contrib
            cnt = xp.add(count, 1) if include_self else xp.where(any_hit, count, xp.ones((), dtype=count.dtype))
            if self.dtype_of(x).category >= 2:
                new = xp.divide(total, xp.astype(cnt, total.dtype))
            else:
                new = xp.floor_divide(total, xp.astype(cnt, total.dtype))
        elif include_self:
            if reduce == "sum":
                new = xp.add(reg, contrib)
            elif reduce == "prod":
                new = xp.multiply(reg, contrib)
            elif reduce == "amax":
                new = xp.maximum(reg, contrib)
            else:
                new = xp.minimum(reg, contrib)
        else:
            new = contrib
        new = xp.where(any_hit, xp.astype(new, x.dtype), region)
        moved[sl] = new
        return _moveaxis(xp, moved, -1, axis)

    def median(self, x, axis):
        """torch.median along ``axis``: the lower median and its index;
        NaN if the slice holds a NaN."""
        xp = self.xp
        order = xp.argsort(x, axis=axis, stable=True)
        k = (x.shape[axis] - 1) // 2
        idx = xp.take(order, xp.asarray([k]), axis=axis)
        vals = xp.take_along_axis(x, idx, axis=axis)
        if self.dtype_of(x).category >= 2:  # float / complex: NaN wins
            nan = xp.isnan(x)
            has_nan = xp.any(nan, axis=axis, keepdims=True)
            first_nan = xp.astype(xp.argmax(nan, axis=axis, keepdims=True), idx.dtype)
            idx = xp.where(has_nan, first_nan, idx)
            vals = xp.take_along_axis(x, idx, axis=axis)
        return xp.squeeze(vals, axis=axis), xp.squeeze(idx, axis=axis)

    def nanmedian(self, x, axis):
        """torch.nanmedian along ``axis``: the lower median of the non-NaN
        values and its index; NaN (first NaN's index) if the slice is all NaN."""
        xp = self.xp
        if self.dtype_of(x).category < 2:
            return self.median(x, axis)
        nan = xp.isnan(x)
        # sort the numbers, then move every NaN behind them (stably)
        o1 = xp.argsort(xp.where(nan, xp.zeros((), dtype=x.dtype), x), axis=axis, stable=True)
        nan_sorted = xp.astype(xp.take_along_axis(nan, o1, axis=axis), xp.int8)
        order = xp.take_along_axis(o1, xp.argsort(nan_sorted, axis=axis, stable=True), axis=axis)
        count = xp.sum(xp.astype(xp.logical_not(nan), order.dtype), axis=axis, keepdims=True)
        k = xp.maximum(xp.floor_divide(xp.subtract(count, 1), 2), xp.zeros((), dtype=count.dtype))
        idx = xp.take_along_axis(order, k, axis=axis)
        vals = xp.take_along_axis(x, idx, axis=axis)
        return xp.squeeze(vals, axis=axis), xp.squeeze(idx, axis=axis)

    def cum_extreme(self, x, axis, largest):
        """torch.cummax (largest) / torch.cummin along ``axis``: running values
        and the index where each was found (the latest among equals; a NaN
        sticks and each later NaN takes over the index).  Composed as a
        log-depth scan."""
        xp = self.xp
        v = _moveaxis(xp, x, axis)
        idx = xp.broadcast_to(xp.arange(v.shape[-1], dtype=self.to_native_dtype(dt.int64)), v.shape)
        is_float = self.dtype_of(x).category >= 2
        key = xp.astype(v, xp.int8) if self.dtype_of(x) is dt.bool else v
        cmp = xp.greater_equal if largest else xp.less_equal

        def combine(early, late):
            ek, ev, ei = early
            lk, lv, li = late
            take = cmp(lk, ek)
            if is_float:
                take = xp.logical_or(take, xp.isnan(lk))
            return xp.where(take, lk, ek), xp.where(take, lv, ev), xp.where(take, li, ei)

        _, vals, inds = _scan(xp, (key, v, idx), combine)
        return _moveaxis(xp, vals, -1, axis), _moveaxis(xp, inds, -1, axis)

    def logcumsumexp(self, x, axis):
        """log(cumsum(exp(x))) along ``axis`` without overflow or underflow."""
        xp = self.xp
        (r,) = _scan(xp, (_moveaxis(xp, x, axis),), lambda e, l: (xp.logaddexp(e[0], l[0]),))
        return _moveaxis(xp, r, -1, axis)

    def mode(self, x, axis):
        """torch.mode along ``axis``: the most frequent value (the smallest
        among equally frequent ones) and the index of its last occurrence."""
        xp = self.xp
        v = _moveaxis(xp, x, axis)
        n = v.shape[-1]
        order = xp.argsort(v, axis=-1, stable=True)
        s = xp.take_along_axis(v, order, axis=-1)
        i64 = self.to_native_dtype(dt.int64)
        pos = xp.broadcast_to(xp.arange(n, dtype=i64), v.shape)
        edge = xp.not_equal(s[..., 1:], s[..., :-1])
        true1 = xp.ones(v.shape[:-1] + (1,), dtype=xp.bool)
        start = xp.concat([true1, edge], axis=-1)
        end = xp.concat([edge, true1], axis=-1)
        # run bounds: running max of start positions, reversed running min of end positions
        first, _ = self.cum_extreme(xp.where(start, pos, xp.zeros((), dtype=i64)), -1, True)
        last, _ = self.cum_extreme(xp.flip(xp.where(end, pos, xp.full((), n, dtype=i64)), axis=-1),
                                   -1, False)
        last = xp.flip(last, axis=-1)
        best = xp.argmax(xp.subtract(last, first), axis=-1, keepdims=True)
        vals = xp.take_along_axis(s, best, axis=-1)
        idx = xp.take_along_axis(order, xp.take_along_axis(last, best, axis=-1), axis=-1)
        return xp.squeeze(vals, axis=-1), xp.squeeze(xp.astype(idx, i64), axis=-1)

    def topk(self, x, k, axis, largest):
        """values and indices of the k largest (smallest) along axis, sorted."""
        xp = self.xp
        order = argsort_stable(xp, x, axis, largest)
        idx = xp.take(order, xp.arange(k), axis=axis)
        return xp.take_along_axis(x, idx, axis=axis), idx

    def im2col(self, x, kernel, dilation, padding, stride, value=0):
        """Sliding windows of ``x`` (N, C, *spatial; 1 to 3 spatial dims) as
        columns (N, C*K, L), K = prod(kernel), L = the number of windows, like
        torch's unfold.  ``padding`` holds one (before, after) pair per spatial
        dim (negative crops), filled with ``value``; only windows that fit
        whole are taken.  Composed: one strided slice per kernel offset, stacked."""
        xp = self.xp
        n, c = x.shape[0], x.shape[1]
        if any(lo or hi for lo, hi in padding):
            x = self.pad(x, ((0, 0), (0, 0)) + tuple(padding), "constant", value)
        outs = _window_counts(x.shape[2:], kernel, dilation, stride)
        k, l = _prod(kernel), _prod(outs)
        if l == 0 or k == 0 or n * c == 0:
            return xp.zeros((n, c * k, l), dtype=x.dtype)
        parts = [x[(slice(None), slice(None)) + _window_slices(offs, dilation, stride, outs)]
                 for offs in _offsets(kernel)]
        return xp.reshape(xp.stack(parts, axis=2), (n, c * k, l))

    def col2im(self, cols, size, kernel, dilation, padding, stride):
        """The adjoint of ``im2col``: columns (N, C*K, L) summed back into an
        (N, C, *size) array (overlaps add up, padding is dropped).
        Composed: one strided slice-add per kernel offset."""
        xp = self.xp
        n, ck = cols.shape[0], cols.shape[1]
        k = _prod(kernel)
        c = ck // k if k else 0
        padded = tuple(s + lo + hi for s, (lo, hi) in zip(size, padding))
        outs = _window_counts(padded, kernel, dilation, stride)
        buf = xp.zeros((n, c) + tuple(max(p, 0) for p in padded), dtype=cols.dtype)
        if _prod(outs) and n * c:
            cols = xp.reshape(cols, (n, c, k) + tuple(outs))
            for i, offs in enumerate(_offsets(kernel)):
                sl = (slice(None), slice(None)) + _window_slices(offs, dilation, stride, outs)
                buf[sl] = xp.add(buf[sl], cols[:, :, i])
        if any(lo or hi for lo, hi in padding):
            buf = self.pad(buf, ((0, 0), (0, 0)) + tuple((-lo, -hi) for lo, hi in padding),
                           "constant", 0)
        return buf

    def max_pool(self, x, kernel, dilation, padding, stride):
        """Max pooling of ``x`` (N, C, *spatial) over im2col's windows (padding
        never wins): (values (N, C, *out), int64 indices of each maximum in its
        flattened input plane, like torch's return_indices); the first maximum
        of a window wins."""
        xp = self.xp
        n, c = x.shape[0], x.shape[1]
        d = self.dtype_of(x)
        low = float("-inf") if d.category >= 2 else (False if d is dt.bool else -(2 ** (8 * d.itemsize - 1)))
        if d is dt.uint8:
            low = 0
        cols = self.im2col(x, kernel, dilation, padding, stride, value=low)
        outs = _window_counts(tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[2:], padding)),
                              kernel, dilation, stride)
        k, l = _prod(kernel), _prod(outs)
        cols = xp.reshape(cols, (n, c, k, l))
        i64 = self.to_native_dtype(dt.int64)
        if k == 0 or l == 0 or n * c == 0:
            return (xp.zeros((n, c) + tuple(outs), dtype=x.dtype),
                    xp.zeros((n, c) + tuple(outs), dtype=i64))
        best = xp.expand_dims(xp.astype(xp.argmax(cols, axis=2), i64), axis=2)
        vals = xp.reshape(xp.take_along_axis(cols, best, axis=2), (n, c) + tuple(outs))
        base, koff = _window_plane_offsets(x.shape[2:], kernel, dilation, padding, stride, outs)
        idx = xp.add(xp.take(xp.asarray(koff, dtype=i64), xp.reshape(best, (-1,))),
                     xp.reshape(xp.broadcast_to(xp.asarray(base, dtype=i64), (n, c, l)), (-1,)))
        return vals, xp.reshape(idx, (n, c) + tuple(outs))

    def random_bits(self, seed, offset, n):
        """``n`` uint32 words of the Philox4x32-10 stream for ``seed`` starting at
        word ``offset`` (a multiple of 4).  Every backend produces the same
        words, so a seeded program draws the same numbers on every device."""
        from ..random_philox import philox_words_xp
        return philox_words_xp(self.xp, seed, offset, n)

    def adam_step(self, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, step_sizes,
                  bc2_sqrts, *, weight, beta2, eps, weight_decay, decay, maximize):
        """One Adam / AdamW step over lists of same-shaped arrays (torch's
        single-tensor update, op by op).  ``weight`` = 1 - beta1 (the lerp
        weight of exp_avg); ``weight_decay``: L2 added to the gradient (Adam);
        ``decay``: the factor 1 - lr*wd of AdamW's decoupled decay, or None;
        ``step_sizes[i]`` = lr / (1 - beta1**step), ``bc2_sqrts[i]`` =
        sqrt(1 - beta2**step); ``max_exp_avg_sqs`` is None without amsgrad.
        Returns one (param, exp_avg, exp_avg_sq, max_exp_avg_sq or None) per
        tensor: the new values (a backend may update the inputs in place and
        return them; the caller copies any other array back)."""
        xp = self.xp
        out = []
        for i, (p, g, m, v) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs)):
            def c(s, _d=p.dtype):
                return xp.asarray(s, dtype=_d)
            vmax = max_exp_avg_sqs[i] if max_exp_avg_sqs is not None else None
            f64 = xp.float64 if dt.float64 in self.caps.dtypes else None

            def fma(x, y, z, _d=p.dtype):   # x + y * z rounded once, like torch's kernels
                if f64 is None:             # no doubles on this device: rounded twice
                    return xp.add(x, xp.multiply(y, z))
                return xp.astype(xp.add(xp.astype(x, f64), xp.multiply(
                    xp.astype(y, f64) if hasattr(y, "shape") else y, xp.astype(z, f64))), _d)

            def r(s, _d=p.dtype):           # a Python number rounded to the param dtype
                return float(xp.asarray(s, dtype=_d))
            if maximize:
                g = xp.negative(g)
            if weight_decay != 0:
                g = fma(g, r(weight_decay), p)
            if decay is not None:
                p = xp.multiply(p, c(decay))
            diff = xp.subtract(g, m)
            if abs(r(weight)) < 0.5:  # torch's lerp: the formula depends on the weight
                m = fma(m, r(weight), diff)
            else:
                m = fma(g, -r(1 - r(weight)), diff)
            v = fma(xp.multiply(v, c(beta2)), xp.multiply(g, c(1 - beta2)), g)
            src = v
            if vmax is not None:
                src = vmax = xp.maximum(vmax, v)
            denom = xp.add(xp.divide(xp.sqrt(src), c(bc2_sqrts[i])), c(eps))
            p = xp.add(p, xp.divide(xp.multiply(m, c(-step_sizes[i])), denom))
            out.append((p, m, v, vmax))
        return out


def _prod(xs):
    r = 1
    for v in xs:
        r *= v
    return r


def _window_counts(sizes, kernel, dilation, stride):
    """How many whole (dilated) windows fit along each padded spatial dim."""
    return tuple(max((p - d * (k - 1) - 1) // s + 1, 0) if p >= d * (k - 1) + 1 else 0
                 for p, k, d, s in zip(sizes, kernel, dilation, stride))


def _offsets(kernel):
    """Every kernel offset tuple, row-major (the order of im2col's K axis)."""
    import itertools
    return itertools.product(*(range(k) for k in kernel))


def _window_slices(offs, dilation, stride, outs):
    return tuple(slice(o * d, o * d + s * (m - 1) + 1, s)
                 for o, d, s, m in zip(offs, dilation, stride, outs))


def _window_plane_offsets(sizes, kernel, dilation, padding, stride, outs):
    """(base, koff): the flat in-plane index of window l's first element is
    base[l] (before padding is removed), of its offset k is base[l] + koff[k]."""
    pstr = [1] * len(sizes)
    for i in range(len(sizes) - 2, -1, -1):
        pstr[i] = pstr[i + 1] * sizes[i + 1]
    import itertools
    base = [sum((o * s - lo) * ps for o, s, (lo, _), ps in zip(pos, stride, padding, pstr))
            for pos in itertools.product(*(range(m) for m in outs))]
    koff = [sum(o * d * ps for o, d, ps in zip(offs, dilation, pstr)) for offs in _offsets(kernel)]
    return base, koff


def argsort_stable(xp, x, axis, descending):
    """Stable argsort along ``axis`` (int64); equal elements keep their order in
    both directions, NaN counts as the largest value.  Descending without
    negation (which would wrap unsigned ints): sort the flipped array, flip
    the order back and mirror the positions."""
    if not descending:
        order = xp.argsort(x, axis=axis, stable=True)
    else:
        n = x.shape[axis]
        r = xp.argsort(xp.flip(x, axis=axis), axis=axis, stable=True)
        order = xp.subtract(n - 1, xp.flip(r, axis=axis))
    return order if order.dtype == xp.int64 else xp.astype(order, xp.int64)


def _scan(xp, parts, combine):
    """Inclusive prefix scan along the last axis (Hillis-Steele, log2(n) steps):
    ``parts`` is a tuple of same-shaped arrays, ``combine(earlier, later)``
    an associative operation on such tuples."""
    n = parts[0].shape[-1]
    s = 1
    while s < n:
        comb = combine(tuple(p[..., :n - s] for p in parts), tuple(p[..., s:] for p in parts))
        parts = tuple(xp.concat([p[..., :s], c], axis=-1) for p, c in zip(parts, comb))
        s *= 2
    return parts


def _moveaxis(xp, x, src, dst=-1):
    nd = len(x.shape)
    src %= nd
    dst %= nd
    perm = [i for i in range(nd) if i != src]
    perm.insert(dst, src)
    return xp.permute_dims(x, tuple(perm))


def _diagonal_letters(xp, spec, op):
    """Take the diagonal for letters repeated inside one operand ('ii')."""
    while len(set(spec)) != len(spec):
        for i, c in enumerate(spec):
            j = spec.find(c, i + 1)
            if j >= 0:
                break
        n = op.shape[i]
        shape = [1] * len(spec)
        shape[i] = shape[j] = n
        # where, not a product with eye: a NaN off the diagonal must not leak in
        eye = xp.reshape(xp.astype(xp.eye(n), xp.bool), tuple(shape))
        op = xp.sum(xp.where(eye, op, xp.zeros((), dtype=op.dtype)), axis=j, dtype=op.dtype)
        spec = spec[:j] + spec[j + 1:]
    return op


def pad_indices(n, lo, hi, mode):
    """For an axis of size ``n`` padded by ``lo``/``hi`` (negative crops), the
    source index of every output position under torch's 'reflect',
    'replicate' or 'circular' padding."""
    m = n + lo + hi
    if mode == "reflect":     # reflect the virtual coordinate about both edges
        out = []
        for j in range(m):
            v = j - lo
            out.append(-v if v < 0 else 2 * (n - 1) - v if v > n - 1 else v)
        return out
    if mode == "replicate":   # clamp it
        return [min(max(j - lo, 0), n - 1) for j in range(m)]
    if mode == "circular":    # crop first, then wrap around what is left
        c0 = max(-lo, 0)
        c = n - c0 - max(-hi, 0)
        start = max(lo, 0)
        return [c0 + (j - start) % c for j in range(m)] if c > 0 else []
    raise ValueError(f"pad_indices: unknown mode {mode!r}")
