"""parameters_to_vector / vector_to_parameters."""
from ..._errors import DeviceError, InvalidArgument, InvalidType
from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_same_device(param, old):
    dev = param.device
    if old is not None and dev != old:
        raise DeviceError("Found two parameters on different devices, this is currently not supported.")
    return dev


def parameters_to_vector(parameters):
    """One 1-D tensor holding every parameter, flattened, in order."""
    from ... import cat
    dev = None
    vec = []
    for p in parameters:
        dev = _check_same_device(p, dev)
        vec.append(p.reshape(-1))
    return cat(vec)


def vector_to_parameters(vec, parameters):
    """Copy slices of ``vec`` into ``parameters`` (their data is replaced, in order)."""
    if not isinstance(vec, Tensor):
        raise InvalidType(f"expected torch.Tensor, but got: {type(vec).__name__}")
    dev = None
    pointer = 0
    for p in parameters:
        dev = _check_same_device(p, dev)
        n = p.numel()
        if pointer + n > vec.numel():
            raise InvalidArgument(f"vector of {vec.numel()} elements is too short for the parameters")
        p.data = vec[pointer:pointer + n].view_as(p).data
        pointer += n
