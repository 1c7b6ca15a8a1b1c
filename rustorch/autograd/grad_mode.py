"""Global autograd switches: grad mode, inference mode, anomaly detection."""
import functools


class _State:
    __slots__ = ("enabled", "inference", "anomaly", "anomaly_check_nan")

    def __init__(self):
        self.enabled = True
        self.inference = False
        self.anomaly = False
        self.anomaly_check_nan = True


STATE = _State()


def is_grad_enabled():
    return STATE.enabled


def is_inference_mode_enabled():
    return STATE.inference


class _Mode:
    """Context manager and decorator that sets grad mode for its body."""
    _enable = True

    def __enter__(self):
        self._prev = (STATE.enabled, STATE.inference)
        self._apply()

    def _apply(self):
        STATE.enabled = self._enable

    def __exit__(self, *exc):
        STATE.enabled, STATE.inference = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_Mode):
    _enable = False


class enable_grad(_Mode):
    _enable = True


class set_grad_enabled(_Mode):
    """Works as a function call (``set_grad_enabled(False)``) and as a context."""

    def __init__(self, mode):
        self._enable = bool(mode)
        self._prev = (STATE.enabled, STATE.inference)
        STATE.enabled = self._enable

    def __enter__(self):
        pass

    def clone(self):
        return set_grad_enabled(self._enable)


class inference_mode(_Mode):
    """Like no_grad, and tensors made inside are marked as inference tensors."""

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def _apply(self):
        if self.mode:
            STATE.enabled = False
            STATE.inference = True
        else:
            STATE.inference = False

    def clone(self):
        return inference_mode(self.mode)


class detect_anomaly:
    """Check every backward output for NaN and name the op that made it;
    remember where each op was created so the error can point at it."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = (STATE.anomaly, STATE.anomaly_check_nan)
        STATE.anomaly, STATE.anomaly_check_nan = True, self.check_nan

    def __exit__(self, *exc):
        STATE.anomaly, STATE.anomaly_check_nan = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly(detect_anomaly):
    def __init__(self, mode, check_nan=True):
        super().__init__(check_nan)
        self._prev = (STATE.anomaly, STATE.anomaly_check_nan)
        STATE.anomaly, STATE.anomaly_check_nan = bool(mode), check_nan

    def __enter__(self):
        pass


def is_anomaly_enabled():
    return STATE.anomaly
