"""Bridges from an ``nnc.Sequential`` to PyTorch and ONNX.

``to_torch(model)`` (``model.to_torch()``) builds the equivalent
``torch.nn.Sequential``: ``Dense`` becomes ``nn.Linear`` (its weight is
nnc's ``W`` transposed: PyTorch stores (out, in)), the activations their
PyTorch modules (``Step`` becomes ``nnc.export.TorchStep``, a small module
computing ``(x > 0)``), in the model's dtype (float32 or float64).
``from_torch(module)`` (``nnc.Sequential.from_torch(module)``) reads one
back: a ``torch.nn.Sequential`` (nested ones are flattened) of
``nn.Linear`` and the supported activations (``SUPPORTED_TORCH``); any other
module raises a TypeError naming it, a supported one with settings nnc lacks
(``Softmax(dim=0)``, ``PReLU(num_parameters=3)``) a ValueError.

``to_onnx(model, path)`` (``model.to_onnx(path)``) writes an ONNX model
(opset 17, written with ``onnx.helper``; no PyTorch needed) with one input
"X" of shape (batch, in_features) and one output "Y", checked with
``onnx.checker``.  onnxruntime runs it to the same outputs (float32 and
float64).

Needs ``pip install "nnc[torch]"`` (``torch==2.13.0`` is the tested
version) or ``pip install "nnc[onnx]"``.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterator, Tuple, Union

import numpy as np

from . import layers as _layers

if TYPE_CHECKING:  # pragma: no cover
    from .model import Sequential

__all__ = ["to_torch", "from_torch", "to_onnx", "SUPPORTED_TORCH"]

SUPPORTED_TORCH = ("Linear", "Identity", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "PReLU",
                   "ELU", "SELU", "Softmax", "LogSoftmax", "Softplus", "TorchStep")

_OPSET = 17


def _torch() -> Any:
    try:
        # torch is an optional extra, absent where the types are checked.
        import torch  # pyright: ignore[reportMissingImports]
    except ImportError:
        raise ImportError('nnc.export: PyTorch is needed: pip install "nnc[torch]" (tested '
                          'with pip install torch==2.13.0)') from None
    return torch


_STEP_CLASS = []


def _step_class() -> Any:
    """``TorchStep``, made on first use so that nnc imports without torch."""
    if not _STEP_CLASS:
        torch = _torch()

        class TorchStep(torch.nn.Module):
            """nnc's Step activation: 1 where x > 0, else 0 (gradient 0)."""

            def forward(self, x: Any) -> Any:
                return (x > 0).to(x.dtype)

        TorchStep.__module__ = __name__
        TorchStep.__qualname__ = "TorchStep"
        _STEP_CLASS.append(TorchStep)
    return _STEP_CLASS[0]


def __getattr__(name: str) -> Any:  # nnc.export.TorchStep, importable (and picklable) by name
    if name == "TorchStep":
        return _step_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _model_check(model: Any, what: str) -> None:
    from .model import Sequential as _Sequential

    if not isinstance(model, _Sequential):
        raise TypeError(f"{what}: expected an nnc.Sequential, got {type(model).__name__}")


# ---------------------------------------------------------------- PyTorch
def to_torch(model: Sequential) -> Any:
    """The ``torch.nn.Sequential`` computing what ``model`` computes, with
    copies of its parameters, in its dtype."""
    _model_check(model, "to_torch")
    torch = _torch()
    nn = torch.nn
    dt = torch.float64 if model.dtype == np.float64 else torch.float32
    mods = []
    with model._lock:
        for layer in model.layers:
            if isinstance(layer, _layers.Dense):
                lin = nn.Linear(layer.in_features, layer.out_features, bias=layer.use_bias,
                                dtype=dt)
                with torch.no_grad():
                    w = np.ascontiguousarray(layer.params["weight"].T)
                    lin.weight.copy_(torch.from_numpy(w))
                    if layer.use_bias:
                        lin.bias.copy_(torch.from_numpy(layer.params["bias"].copy()))
                mods.append(lin)
                continue
            name = layer.name
            if name == "identity":
                mods.append(nn.Identity())
            elif name == "step":
                mods.append(_step_class()())
            elif name == "sigmoid":
                mods.append(nn.Sigmoid())
            elif name == "tanh":
                mods.append(nn.Tanh())
            elif name == "relu":
                mods.append(nn.ReLU())
            elif name == "leaky_relu":
                mods.append(nn.LeakyReLU(layer.alpha))
            elif name == "elu":
                mods.append(nn.ELU(layer.alpha))
            elif name == "selu":
                mods.append(nn.SELU())
            elif name == "softmax":
                mods.append(nn.Softmax(dim=-1))
            elif name == "log_softmax":
                mods.append(nn.LogSoftmax(dim=-1))
            elif name == "softplus":
                # torch switches to y = x above `threshold`; from 40 on,
                # log(1 + exp(x)) rounds to x in float32 and float64 alike
                mods.append(nn.Softplus(beta=1.0, threshold=40.0))
            elif name == "prelu":
                p = nn.PReLU(num_parameters=1, dtype=dt)
                with torch.no_grad():
                    p.weight.fill_(float(layer.params["alpha"][0]))
                mods.append(p)
            else:
                raise TypeError(f"to_torch: {layer!r} has no PyTorch counterpart here")
    return nn.Sequential(*mods)


def _flatten(module: Any, prefix: str) -> Iterator[Tuple[str, Any]]:
    torch = _torch()
    for name, child in module.named_children():
        where = f"{prefix}[{name}]" if prefix else f"[{name}]"
        if isinstance(child, torch.nn.Sequential):
            yield from _flatten(child, where)
        else:
            yield where, child


def _numpy(tensor: Any, dtype: Any) -> np.ndarray:
    return tensor.detach().cpu().numpy().astype(dtype, copy=True)


def from_torch(module: Any, seed: int = 0) -> Sequential:
    """An ``nnc.Sequential`` computing what the ``torch.nn.Sequential``
    ``module`` computes: ``nn.Linear`` layers and the activations in
    ``SUPPORTED_TORCH`` (Softmax/LogSoftmax along the last dimension, PReLU
    with one shared slope).  The dtype is the parameters' (float32 or
    float64).  ``seed`` seeds the new model's generator (no weights are
    drawn).  Any other module is a TypeError naming it; a supported one with
    settings nnc lacks (``Softmax(dim=0)``, ``PReLU(3)``) a ValueError."""
    torch = _torch()
    nn = torch.nn
    if not isinstance(module, nn.Sequential):
        raise TypeError(f"from_torch: expected a torch.nn.Sequential, got "
                        f"{type(module).__name__}")
    children = list(_flatten(module, ""))
    if not children:
        raise ValueError("from_torch: the torch.nn.Sequential is empty")
    dtypes = {p.dtype for p in module.parameters()}
    if not dtypes:
        raise ValueError("from_torch: the module has no parameters (nnc needs at least one "
                         "Linear layer)")
    if len(dtypes) > 1 or dtypes.pop() not in (torch.float32, torch.float64):
        raise TypeError(f"from_torch: the parameters must all be float32 or all float64, got "
                        f"{sorted(str(p.dtype) for p in module.parameters())}; convert with "
                        f"module.double() or module.float()")
    dtype = np.float64 if next(module.parameters()).dtype == torch.float64 else np.float32
    step = _STEP_CLASS[0] if _STEP_CLASS else None
    layers = []
    for where, child in children:
        kind = type(child).__name__
        if isinstance(child, nn.Linear):
            w = np.ascontiguousarray(_numpy(child.weight, np.float64).T)
            b = _numpy(child.bias, np.float64) if child.bias is not None else 0.0
            layers.append(_layers.Dense(child.in_features, child.out_features,
                                        bias=child.bias is not None, weight=w, bias_init=b))
        elif type(child) is nn.Identity:
            layers.append(_layers.Identity())
        elif type(child) is nn.Sigmoid:
            layers.append(_layers.Sigmoid())
        elif type(child) is nn.Tanh:
            layers.append(_layers.Tanh())
        elif type(child) is nn.ReLU:
            layers.append(_layers.ReLU())
        elif type(child) is nn.LeakyReLU:
            layers.append(_layers.LeakyReLU(float(child.negative_slope)))
        elif type(child) is nn.ELU:
            layers.append(_layers.ELU(float(child.alpha)))
        elif type(child) is nn.SELU:
            layers.append(_layers.SELU())
        elif type(child) in (nn.Softmax, nn.LogSoftmax):
            if child.dim not in (None, -1, 1):
                raise ValueError(f"from_torch: module {where} {child!r} works along dim="
                                 f"{child.dim}; nnc's {kind} works along the last one (dim=-1)")
            layers.append(_layers.Softmax() if kind == "Softmax" else _layers.LogSoftmax())
        elif type(child) is nn.Softplus and hasattr(_layers, "Softplus"):
            if child.beta != 1 or child.threshold < 20:
                raise ValueError(f"from_torch: module {where} {child!r}: nnc's Softplus is "
                                 f"log(1 + exp(x)), torch's Softplus(beta=1, threshold >= 20)")
            layers.append(_layers.Softplus())
        elif type(child) is nn.PReLU:
            if child.num_parameters != 1:
                raise ValueError(f"from_torch: module {where} {child!r} has "
                                 f"{child.num_parameters} slopes; nnc's PReLU has one shared "
                                 f"slope (nn.PReLU() with num_parameters=1)")
            layers.append(_layers.PReLU(float(child.weight.detach().reshape(-1)[0])))
        elif step is not None and type(child) is step:
            layers.append(_layers.Step())
        else:
            raise TypeError(f"from_torch: module {where} is {child!r}, which nnc cannot "
                            f"read; supported: {', '.join(SUPPORTED_TORCH)}")
    from .model import Sequential as _Sequential

    model = _Sequential(layers, seed=seed, dtype=dtype)
    # PReLU's slope exactly as in torch (the constructor went through float64)
    for layer, (_, child) in zip(model.layers, children):
        if isinstance(layer, _layers.PReLU):
            layer.params["alpha"][...] = _numpy(child.weight, dtype).reshape(-1)[:1]
    return model


# ------------------------------------------------------------------- ONNX
def _onnx() -> Any:
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise ImportError('nnc.export: to_onnx needs the onnx package: pip install '
                          '"nnc[onnx]"') from None
    return onnx, helper, numpy_helper


def to_onnx(model: Sequential, path: Union[str, os.PathLike]) -> Any:
    """Writes ``model`` as an ONNX file at ``path`` (str or path-like) and
    returns the ``onnx.ModelProto``.  Graph: input "X" (batch, in_features)
    in the model's dtype, output "Y"; Dense is MatMul + Add, activations the
    ONNX operators (in float64, those whose ONNX form takes a float32
    attribute -- LeakyRelu, Elu, Selu, PRelu -- are written out from Where,
    Exp and constants in float64, so no constant is rounded)."""
    _model_check(model, "to_onnx")
    onnx, helper, numpy_helper = _onnx()

    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"to_onnx: path must be a file name (str or path-like), got "
                        f"{type(path).__name__}")
    dt = model.dtype
    elem = onnx.TensorProto.DOUBLE if dt == np.float64 else onnx.TensorProto.FLOAT
    nodes, inits = [], []
    counter = [0]

    def fresh(base):
        counter[0] += 1
        return f"{base}_{counter[0]}"

    def const(base, value):
        name = fresh(base)
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=dt), name))
        return name

    def node(op, inputs, base, **attrs):
        out = fresh(base)
        nodes.append(helper.make_node(op, inputs, [out], name=fresh(op), **attrs))
        return out

    def negative_part(x, i, make_negative):
        """Where(x > 0, x, make_negative(x))."""
        pos = node("Greater", [x, const(f"zero{i}", 0.0)], f"pos{i}")
        return node("Where", [pos, x, make_negative(x)], f"act{i}")

    x = "X"
    f64 = dt == np.float64
    with model._lock:
        for i, layer in enumerate(model.layers):
            if isinstance(layer, _layers.Dense):
                x = node("MatMul", [x, const(f"layers.{i}.weight", layer.weight)], f"mm{i}")
                if layer.use_bias:
                    x = node("Add", [x, const(f"layers.{i}.bias", layer.bias)], f"dense{i}")
                continue
            name = layer.name
            if name == "identity":
                x = node("Identity", [x], f"act{i}")
            elif name == "step":
                pos = node("Greater", [x, const(f"zero{i}", 0.0)], f"pos{i}")
                x = node("Cast", [pos], f"act{i}", to=elem)
            elif name == "sigmoid":
                x = node("Sigmoid", [x], f"act{i}")
            elif name == "tanh":
                x = node("Tanh", [x], f"act{i}")
            elif name == "relu":
                x = node("Relu", [x], f"act{i}")
            elif name == "softplus" and f64:  # onnxruntime has no float64 Softplus
                # max(x, 0) + log(1 + exp(-|x|)): nothing overflows
                e = node("Exp", [node("Neg", [node("Abs", [x], f"abs{i}")], f"nabs{i}")],
                         f"exp{i}")
                lg = node("Log", [node("Add", [e, const(f"one{i}", 1.0)], f"onep{i}")], f"log{i}")
                x = node("Add", [node("Relu", [x], f"relu{i}"), lg], f"act{i}")
            elif name == "softplus":
                x = node("Softplus", [x], f"act{i}")
            elif name == "softmax":
                x = node("Softmax", [x], f"act{i}", axis=-1)
            elif name == "log_softmax":
                x = node("LogSoftmax", [x], f"act{i}", axis=-1)
            elif name in ("leaky_relu", "prelu"):
                alpha = (layer.params["alpha"] if name == "prelu"
                         else np.array([layer.alpha]))
                if f64 or name == "leaky_relu":
                    a = const(f"layers.{i}.alpha", alpha.reshape(()))
                    x = negative_part(x, i, lambda v, a=a: node("Mul", [v, a], f"neg{i}"))
                else:
                    x = node("PRelu", [x, const(f"layers.{i}.alpha", alpha)], f"act{i}")
            elif name in ("elu", "selu"):
                if name == "elu":
                    alpha, scale = layer.alpha, None
                else:  # nnc's SELU constants, in the model's dtype
                    alpha, scale = 1.6732632423543772848, 1.0507009873554804934
                a = const(f"alpha{i}", alpha)
                one = const(f"one{i}", 1.0)

                def neg(v, a=a, one=one, i=i):
                    e = node("Exp", [v], f"exp{i}")
                    return node("Mul", [node("Sub", [e, one], f"em1{i}"), a], f"neg{i}")

                x = negative_part(x, i, neg)
                if scale is not None:
                    x = node("Mul", [x, const(f"scale{i}", scale)], f"selu{i}")
            else:
                raise TypeError(f"to_onnx: {layer!r} has no ONNX form here")
    nodes.append(helper.make_node("Identity", [x], ["Y"], name="output"))
    graph = helper.make_graph(
        nodes, "nnc.Sequential",
        [helper.make_tensor_value_info("X", elem, ["batch", model.in_features])],
        [helper.make_tensor_value_info("Y", elem, ["batch", model.out_features])],
        initializer=inits)
    proto = helper.make_model(graph, producer_name="nnc",
                              opset_imports=[helper.make_opsetid("", _OPSET)])
    proto.ir_version = 8  # what opset 17 needs; read by every onnxruntime since 1.13
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, os.fspath(path))
    return proto
