"""The Tensor class: one backend array plus autograd fields.

Ops live in ``rustorch/ops/`` and attach themselves to Tensor as methods; this
module holds only what every op needs: construction, attributes, autograd
fields and host conversion.
"""
from . import _dtype as dt
from ._errors import AutogradError, InvalidType, ShapeError, DTypeError
from .autograd.grad_mode import STATE
from .autograd.graph import RemovableHandle

_new = object.__new__


class Tensor:
    __slots__ = ("_data", "_b", "_rg", "_grad", "grad_fn", "_out_nr", "_version",
                 "_base", "_view_fn", "_view_ver", "_accum", "_hooks", "_post_acc_hooks",
                 "_retains_grad", "_inference", "__weakref__", "__dict__")

    def __new__(cls, *args, **kwargs):
        # Tensor(data) / Tensor(*sizes) like torch's legacy constructor
        if cls is Tensor or not args or not isinstance(args[0], Tensor):
            from .ops.creation import _legacy_new
            return _legacy_new(cls, *args, **kwargs)
        return _new(cls)

    # ------------------------------------------------------------ attributes
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return self._b.dtype_of(self._data)

    @property
    def device(self):
        return self._b.device

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        n = 1
        for s in self._data.shape:
            n *= s
        return n

    nelement = numel

    def element_size(self):
        return self.dtype.itemsize

    def stride(self, dim=None):
        s = self._b.element_strides(self._data)
        return s if dim is None else s[_wrap_dim(dim, self._data.ndim)]

    def storage_offset(self):
        return self._b.storage_offset(self._data) if hasattr(self._b, "storage_offset") else 0

    def is_contiguous(self, memory_format=None):
        if 0 in self._data.shape:  # like torch: an empty tensor is contiguous
            return True
        return self._b.is_contiguous(self._data)

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def is_cuda(self):
        return self._b.name == "cuda"

    @property
    def is_floating_point_(self):
        return self.dtype.category == 2

    def is_floating_point(self):
        return self.dtype.category == 2

    def is_complex(self):
        return self.dtype.category == 3

    @property
    def is_inference(self):
        return self._inference

    # ------------------------------------------------------------ autograd fields
    @property
    def requires_grad(self):
        if self._base is not None and self._view_ver != self._version[0]:
            from .autograd.graph import refresh_view  # the base changed in place
            refresh_view(self)
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag):
        if flag and self.grad_fn is not None:
            self._rg = True
            return
        if not flag and self.grad_fn is not None:
            raise AutogradError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if flag and self.dtype.category < 2:
            raise AutogradError("only Tensors of floating point and complex dtype can require "
                                f"gradients (got {self.dtype})")
        if flag and self._inference:
            raise AutogradError("Setting requires_grad=True on inference tensor outside "
                                "InferenceMode is not allowed.")
        self._rg = bool(flag)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise InvalidType(f"assigned grad expected to be a Tensor or None but got grad of "
                                  f"type {type(value).__name__}")
            if tuple(value.shape) != tuple(self.shape):
                raise ShapeError(f"assigned grad has data of a different size: {list(value.shape)} "
                                 f"vs {list(self.shape)}")
            if value.dtype is not self.dtype:
                raise DTypeError(f"assigned grad has data of a different type: {value.dtype} vs {self.dtype}")
            if value.device != self.device:
                raise DTypeError(f"assigned grad has data located on a different device: "
                                 f"{value.device} vs {self.device}")
        self._grad = value

    @property
    def data(self):
        return self.detach()

    @data.setter
    def data(self, other):
        self._data = other._data
        self._b = other._b
        self._version = other._version

    @property
    def output_nr(self):
        return self._out_nr

    @property
    def _version_counter(self):
        return self._version[0]

    def retain_grad(self):
        if self.grad_fn is None:
            if not self._rg:
                raise AutogradError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        self._retains_grad = True
        me = self

        def keep(grads):
            g = grads[me._out_nr]
            if g is not None:
                me._grad = g.detach() if me._grad is None else me._grad + g.detach()
        self.grad_fn.register_prehook(keep)

    @property
    def retains_grad(self):
        return bool(self._retains_grad)

    def register_hook(self, hook):
        """hook(grad) -> grad or None, called with the gradient of this tensor."""
        if not self._rg:
            raise AutogradError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            return RemovableHandle(self._hooks, hook)
        nr = self._out_nr

        def pre(grads):
            g = grads[nr]
            if g is None:
                return None
            r = hook(g)
            if r is None:
                return None
            out = list(grads)
            out[nr] = r
            return tuple(out)
        return self.grad_fn.register_prehook(pre)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise AutogradError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = []
        self._post_acc_hooks.append(hook)
        return RemovableHandle(self._post_acc_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd.engine import run_backward
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            grads = run_backward([self], [gradient], retain_graph, create_graph, inputs=inputs,
                                 allow_unused=True, accumulate=False)
            for t, g in zip(inputs, grads):
                if g is not None:
                    g = g if create_graph else g.detach()
                    t._grad = g if t._grad is None else t._grad + g
            return
        run_backward([self], [gradient], retain_graph, create_graph)

    def detach(self):
        t = self._alias()
        return t

    def detach_(self):
        if self._base is not None and self._base._rg:
            raise AutogradError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._rg = False
        return self

    def _alias(self):
        """A new tensor object on the same data and version counter, no graph."""
        t = _new(Tensor)
        t._data = self._data
        t._b = self._b
        t._rg = False
        t._grad = None
        t.grad_fn = None
        t._out_nr = 0
        t._version = self._version
        t._base = None
        t._view_fn = None
        t._view_ver = 0
        t._accum = None
        t._hooks = None
        t._post_acc_hooks = None
        t._retains_grad = False
        t._inference = self._inference
        return t

    # ------------------------------------------------------------ host conversion
    def item(self):
        if self.numel() != 1:
            raise ShapeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        v = self._b.to_list(self._data)
        while isinstance(v, list):
            v = v[0]
        return v

    def tolist(self):
        return self._b.to_list(self._data)

    async def tolist_async(self):
        """``tolist`` that awaits the device instead of blocking (in a browser,
        reading WebGPU memory is asynchronous); on host devices, ``tolist``."""
        reader = getattr(self._b, "to_list_async", None)
        return self._b.to_list(self._data) if reader is None else await reader(self._data)

    async def item_async(self):
        v = await self.tolist_async()
        while isinstance(v, list):
            v = v[0]
        return v

    async def numpy_async(self, *, force=False):
        """``numpy()`` after an awaited read (needs NumPy, e.g. loaded in Pyodide)."""
        if self._rg and not force:
            raise AutogradError("Can't call numpy() on Tensor that requires grad. "
                                "Use tensor.detach().numpy() instead.")
        reader = getattr(self._b, "to_bytes_async", None)
        if reader is None:
            return self.numpy(force=force)
        import numpy as np
        from . import _dtype as _dt
        raw = await reader(self._data)
        np_dtype = {_dt.bool: np.bool_}.get(self.dtype, getattr(np, self.dtype.name, None))
        return np.frombuffer(raw, dtype=np_dtype).reshape(tuple(self.shape)).copy()

    def numpy(self, *, force=False):
        if self._rg and not force:
            raise AutogradError("Can't call numpy() on Tensor that requires grad. "
                                "Use tensor.detach().numpy() instead.")
        if hasattr(self._b, "to_numpy"):
            return self._b.to_numpy(self._data)
        raise DTypeError(f"numpy() needs a 'cpu' tensor; this one is on '{self._b.name}' "
                         "(call .cpu() first)")

    def __array__(self, dtype=None, copy=None):
        a = self.detach().cpu().numpy()
        return a if dtype is None else a.astype(dtype)

    def __len__(self):
        if self._data.ndim == 0:
            raise InvalidType("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise InvalidType("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
        if self.numel() != 1:
            raise ShapeError(f"Boolean value of Tensor with more than one value is ambiguous "
                             f"(shape {list(self.shape)})")
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __index__(self):
        if self.dtype.category != 1 or self.numel() != 1:
            raise InvalidType("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self):
        return id(self)

    def __repr__(self):
        from ._repr import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0 and spec:
            return format(self.item(), spec)
        return repr(self)

    def to_bytes(self):
        """rustorch extension: the elements as C-ordered little-endian bytes
        (what file formats and inter-process transport need; torch spells it
        ``t.numpy().tobytes()``).  Inverse: ``rt.frombuffer(b, dtype=...).reshape(shape)``."""
        from ._errors import UnsupportedError
        try:
            return self._b.to_bytes(self._data)
        except UnsupportedError:   # a backend without raw export: go through the CPU
            return self.detach().to("cpu").to_bytes()

    def __reduce_ex__(self, proto):
        # raw bytes, not nested lists: a batch of images pickles ~10x smaller and faster
        from ._errors import UnsupportedError
        from .ops.creation import _rebuild, _rebuild_from_bytes
        try:
            raw = self._b.to_bytes(self._data)
        except UnsupportedError:
            return (_rebuild, (self.tolist(), self.dtype.name, str(self.device), self._rg))
        return (_rebuild_from_bytes, (raw, self.dtype.name, tuple(self.shape), str(self.device), self._rg))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise AutogradError("Only Tensors created explicitly by the user (graph leaves) "
                                "support the deepcopy protocol at the moment.")
        t = self.detach().clone()
        t._rg = self._rg
        if self._grad is not None:
            t._grad = self._grad.clone()
        memo[id(self)] = t
        return t


class Size(tuple):
    """torch.Size: a tuple of ints with torch's repr."""
    __slots__ = ()

    def __repr__(self):
        return "rustorch.Size([" + ", ".join(str(s) for s in self) + "])"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, k):
        r = tuple.__getitem__(self, k)
        return Size(r) if isinstance(k, slice) else r


def _wrap_dim(dim, ndim):
    from ._errors import IndexOutOfRange
    n = ndim if ndim > 0 else 1
    if not -n <= dim < n:
        raise IndexOutOfRange(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                              f"but got {dim})")
    return dim % n


wrap_dim = _wrap_dim


def make(data, b):
    """Wrap a backend array as a fresh tensor (the hot path of every op)."""
    t = _new(Tensor)
    if type(data) is not b.array_type:  # e.g. NumPy hands back scalars for 0-d
        data = b.xp.asarray(data)
    t._data = data
    t._b = b
    t._rg = False
    t._grad = None
    t.grad_fn = None
    t._out_nr = 0
    t._version = [0]
    t._base = None
    t._view_fn = None
    t._view_ver = 0
    t._accum = None
    t._hooks = None
    t._post_acc_hooks = None
    t._retains_grad = False
    t._inference = STATE.inference
    return t
