"""The declared output shapes of an ONNX model, read from its protobuf without onnx/onnxruntime.

Plan time needs a model's dimension (to check a suite's `dims`) but must not build an inference
session or hash the weights. The shapes sit in ModelProto.graph.output; every other field on
the way (above all the initializers, i.e. the weights) is skipped with a seek, so this reads a
few kilobytes whatever the size of the model. Field numbers follow onnx/onnx.proto:
ModelProto.graph = 7; GraphProto.output = 12; ValueInfoProto.name = 1, .type = 2;
TypeProto.tensor_type = 1; TypeProto.Tensor.shape = 2; TensorShapeProto.dim = 1;
Dimension.dim_value = 1 (dim_param, a symbolic size, is read as None).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5


class _Stream:
    """A protobuf reader over a seekable file or a bytes buffer."""

    def __init__(self, fh: BinaryIO | None = None, data: bytes = b"") -> None:
        self.fh = fh
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.fh is not None:
            b = self.fh.read(1)
            if not b:
                raise EOFError
            return b[0]
        if self.pos >= len(self.data):
            raise EOFError
        self.pos += 1
        return self.data[self.pos - 1]

    def varint(self) -> int:
        value, shift = 0, 0
        while True:
            b = self.byte()
            value |= (b & 0x7F) << shift
            if b < 0x80:
                return value
            shift += 7

    def tell(self) -> int:
        return self.fh.tell() if self.fh is not None else self.pos

    def skip(self, n: int) -> None:
        if self.fh is not None:
            self.fh.seek(n, 1)
        else:
            self.pos += n

    def take(self, n: int) -> bytes:
        if self.fh is not None:
            return self.fh.read(n)
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def fields(self, end: int) -> Iterator[tuple[int, int, int]]:
        """(field number, wire type, varint value or payload length) up to offset `end`;
        a length-delimited payload must be read or skipped by the caller."""
        while self.tell() < end:
            key = self.varint()
            field, wire = key >> 3, key & 7
            if wire in (_VARINT, _LENGTH):
                yield field, wire, self.varint()
            elif wire in (_FIXED64, _FIXED32):
                self.skip(8 if wire == _FIXED64 else 4)
            else:
                raise ValueError(f"unsupported protobuf wire type {wire}")


def _message(data: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Fields of a small message held in memory: length-delimited payloads as bytes."""
    s = _Stream(data=data)
    for field, wire, value in s.fields(len(data)):
        yield field, wire, s.take(value) if wire == _LENGTH else value


def _sub(data: bytes, number: int) -> Iterator[bytes]:
    for field, wire, value in _message(data):
        if field == number and wire == _LENGTH:
            assert isinstance(value, bytes)
            yield value


def _shape(value_info: bytes) -> tuple[str, list[int | None] | None]:
    """(name, dims) of a ValueInfoProto; dims None when the type has no shape."""
    name = next((v.decode("utf-8", "replace") for v in _sub(value_info, 1)), "")
    for type_proto in _sub(value_info, 2):
        for tensor in _sub(type_proto, 1):
            for shape in _sub(tensor, 2):
                dims: list[int | None] = []
                for dim in _sub(shape, 1):
                    value = next((v for f, w, v in _message(dim) if f == 1 and w == _VARINT), None)
                    dims.append(value if isinstance(value, int) and value > 0 else None)
                return name, dims
    return name, None


def output_shapes(path: Path) -> dict[str, list[int | None] | None]:
    """{output name: dims (None for a symbolic size), or None without a declared shape}."""
    out: dict[str, list[int | None] | None] = {}
    with Path(path).open("rb") as fh:
        size = fh.seek(0, 2)
        fh.seek(0)
        s = _Stream(fh)
        for field, wire, value in s.fields(size):
            if wire != _LENGTH:
                continue
            if field != 7:
                s.skip(value)
                continue
            graph_end = s.tell() + value
            for g_field, g_wire, g_value in s.fields(graph_end):
                if g_wire != _LENGTH:
                    continue
                if g_field == 12:
                    name, dims = _shape(s.take(g_value))
                    out[name] = dims
                else:
                    s.skip(g_value)
            break
    return out


def graph_dim(model_path: Path) -> int | None:
    """The width of the token output the encoder pools, as the graph declares it (None when
    the graph does not say). Picks the output the way OnnxEncoder does."""
    try:
        shapes = output_shapes(model_path)
    except (OSError, EOFError, ValueError):
        return None
    dims = shapes.get("last_hidden_state")
    if dims is None:
        dims = next((d for d in shapes.values() if d is not None and len(d) == 3), None)
    return dims[-1] if dims else None
