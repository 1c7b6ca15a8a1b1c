"""torch.nn.utils.rnn: PackedSequence and the packing / padding helpers.

A PackedSequence holds the time steps of a batch of variable-length sequences
one after another: ``data`` is (sum of lengths, *), ``batch_sizes[t]`` is how
many sequences are still running at step ``t`` (a CPU int64 tensor, as in
torch), and ``sorted_indices`` / ``unsorted_indices`` map between the caller's
batch order and the length-sorted order used inside.
"""
from collections import namedtuple

from ... import _tensor
from ..._errors import InvalidArgument, ShapeError

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


def _rt():
    import rustorch
    return rustorch


_PackedSequenceBase = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def _bind(x, fn):
    return None if x is None else fn(x)


class PackedSequence(_PackedSequenceBase):
    """Holds the data and ``batch_sizes`` of a packed sequence (see module doc)."""
    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise InvalidArgument(
                    "batch_sizes should always be on CPU. Instances of PackedSequence should never be "
                    "created manually. They should be instantiated by functions like pack_sequence and "
                    "pack_padded_sequences in nn.utils.rnn.")
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        # the (data, batch_sizes) tuple form
        if not (isinstance(data, (list, tuple)) and len(data) == 2):
            raise InvalidArgument("PackedSequence(data) expects a (data, batch_sizes) pair when batch_sizes is not given")
        return super().__new__(cls, data[0], data[1], sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self

        def call_to(t):
            return t.to(data.device)
        return type(self)(data, self.batch_sizes, _bind(self.sorted_indices, call_to),
                          _bind(self.unsorted_indices, call_to))

    def cuda(self, *args, **kwargs):
        return self.to("cuda", *args, **kwargs)

    def cpu(self, *args, **kwargs):
        return self.to("cpu", *args, **kwargs)

    def double(self):
        return self.to(dtype=_rt().float64)

    def float(self):
        return self.to(dtype=_rt().float32)

    def half(self):
        return self.to(dtype=_rt().float16)

    def long(self):
        return self.to(dtype=_rt().int64)

    def int(self):
        return self.to(dtype=_rt().int32)

    def short(self):
        return self.to(dtype=_rt().int16)

    def char(self):
        return self.to(dtype=_rt().int8)

    def byte(self):
        return self.to(dtype=_rt().uint8)

    def pin_memory(self):
        return self

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def invert_permutation(permutation):
    """The inverse of an index permutation (None stays None)."""
    if permutation is None:
        return None
    rt = _rt()
    n = permutation.numel()
    output = rt.empty_like(permutation)
    output.scatter_(0, permutation, rt.arange(n, dtype=permutation.dtype, device=permutation.device))
    return output


def _lengths_list(lengths):
    if isinstance(lengths, _tensor.Tensor):
        if lengths.ndim != 1:
            raise ShapeError(f"'lengths' argument should be a 1D tensor, got a {lengths.ndim}-D tensor")
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def _batch_sizes_of(lengths_sorted):
    """batch_sizes (Python ints) for lengths sorted in decreasing order."""
    if not lengths_sorted:
        return []
    out = []
    n = len(lengths_sorted)
    for t in range(lengths_sorted[0]):
        while n > 0 and lengths_sorted[n - 1] <= t:
            n -= 1
        out.append(n)
    return out


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch of variable-length sequences (``input`` is T x B x * or B x T x *)."""
    rt = _rt()
    lens = _lengths_list(lengths)
    batch_dim = 0 if batch_first else 1
    if len(lens) != input.shape[batch_dim]:
        raise ShapeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lens)} "
                         f"(batch_size={input.shape[batch_dim]})")
    if enforce_sorted:
        if any(lens[i] < lens[i + 1] for i in range(len(lens) - 1)):
            raise InvalidArgument(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can "
                "pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this "
                "requirement if you do not need ONNX exportability.")
        sorted_indices = None
        order = list(range(len(lens)))
    else:
        # stable sort by decreasing length, like torch.sort(descending=True) on the CPU
        order = sorted(range(len(lens)), key=lambda i: -lens[i])
        sorted_indices = rt.tensor(order, dtype=rt.int64, device=input.device)
        input = input.index_select(batch_dim, sorted_indices)
    lens_sorted = [lens[i] for i in order]
    if lens_sorted and lens_sorted[-1] <= 0:
        raise InvalidArgument("Length of all samples has to be greater than 0, but found an element in "
                              "'lengths' that is <= 0")
    if lens_sorted and lens_sorted[0] > input.shape[1 - batch_dim]:
        raise InvalidArgument(f"Expected all lengths to be at most the sequence length "
                              f"{input.shape[1 - batch_dim]}, but got {lens_sorted[0]}")
    if batch_first:
        input = input.transpose(0, 1)
    bs = _batch_sizes_of(lens_sorted)
    pieces = [input[t, :b] for t, b in enumerate(bs)]
    data = rt.cat(pieces, 0) if pieces else input.reshape((0,) + tuple(input.shape[2:]))
    batch_sizes = rt.tensor(bs, dtype=rt.int64, device="cpu")
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of pack_padded_sequence: (padded T x B x * or B x T x *, lengths)."""
    rt = _rt()
    data, batch_sizes = sequence.data, sequence.batch_sizes
    bs = [int(b) for b in batch_sizes.tolist()]
    max_len = len(bs)
    if total_length is not None:
        if total_length < max_len:
            raise InvalidArgument(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {max_len}")
        max_len = total_length
    B = bs[0] if bs else 0
    feat = tuple(data.shape[1:])
    rows = []
    off = 0
    for b in bs:
        piece = data[off:off + b]
        off += b
        if b < B:
            piece = rt.cat([piece, data.new_full((B - b,) + feat, padding_value)], 0)
        rows.append(piece)
    for _ in range(max_len - len(bs)):
        rows.append(data.new_full((B,) + feat, padding_value))
    padded = rt.stack(rows, 0) if rows else data.new_full((max_len, B) + feat, padding_value)
    lengths = [sum(1 for b in bs if b > i) for i in range(B)]
    if batch_first:
        padded = padded.transpose(0, 1)
    lengths_t = rt.tensor(lengths, dtype=rt.int64, device="cpu")
    if sequence.unsorted_indices is not None:
        batch_dim = 0 if batch_first else 1
        padded = padded.index_select(batch_dim, sequence.unsorted_indices)
        perm = [int(i) for i in sequence.unsorted_indices.tolist()]
        lengths_t = rt.tensor([lengths[i] for i in perm], dtype=rt.int64, device="cpu")
    return padded, lengths_t


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack a list of (L_i, *) tensors into (max L, B, *) (or (B, max L, *)), padding."""
    rt = _rt()
    if padding_side not in ("left", "right"):
        raise InvalidArgument(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, _tensor.Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise InvalidArgument("received an empty list of sequences")
    max_len = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        n = max_len - s.shape[0]
        if n:
            pad = s.new_full((n,) + tuple(s.shape[1:]), padding_value)
            s = rt.cat([s, pad] if padding_side == "right" else [pad, s], 0)
        padded.append(s)
    out = rt.stack(padded, 0)
    return out if batch_first else out.transpose(0, 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of variable-length tensors."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lens = _lengths_list(lengths)
    if len(lens) != padded_sequences.shape[0]:
        raise InvalidArgument(f"unpad_sequence: got {len(lens)} lengths for a batch of {padded_sequences.shape[0]}")
    return [seq[:n] for seq, n in zip(padded_sequences.unbind(0), lens)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of (L_i, *) tensors."""
    lengths = [int(v.shape[0]) for v in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """Inverse of pack_sequence: a list of (L_i, *) tensors."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
