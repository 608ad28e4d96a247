"""Bytes for a saved FMU state, for fmi2SerializeFMUstate.

A state is a tree of dicts and lists holding numbers, strings, booleans,
``None`` and numpy arrays. It is written as JSON (floats round-trip exactly)
with arrays as base64 of their raw bytes; nothing in it is ever executed when
it is read back, unlike pickle.
"""
from __future__ import annotations

import base64
import json

import numpy as np

_ARRAY = "__ndarray__"


def _encode(value):
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        return {_ARRAY: base64.b64encode(array.tobytes()).decode("ascii"),
                "dtype": array.dtype.str, "shape": list(array.shape)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot serialize a state value of type {type(value).__name__}")


def _decode(value):
    if isinstance(value, dict):
        if _ARRAY in value:
            dtype = np.dtype(value["dtype"])
            if dtype.kind not in "biufc":
                raise ValueError(f"refusing a state array of dtype {dtype}")
            raw = base64.b64decode(value[_ARRAY])
            return np.frombuffer(raw, dtype=dtype).reshape(value["shape"]).copy()
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def to_bytes(state) -> bytes:
    return json.dumps(_encode(state), allow_nan=True).encode("utf-8")


def from_bytes(data: bytes):
    return _decode(json.loads(bytes(data).decode("utf-8")))
