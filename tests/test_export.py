"""nnc.export: model.to_torch(), nnc.Sequential.from_torch(), model.to_onnx().
The torch tests skip when PyTorch is not installed (install torch==2.13.0);
the ONNX tests need onnx and onnxruntime (in the test extra)."""
import io
import pickle

import numpy as np
import pytest

import nnc

ACTS = [nnc.Identity, nnc.Step, nnc.Sigmoid, nnc.Tanh, nnc.ReLU, lambda: nnc.LeakyReLU(0.1),
        lambda: nnc.PReLU(0.3), lambda: nnc.ELU(0.7), nnc.SELU, nnc.Softmax, nnc.LogSoftmax]
ACT_IDS = ["identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "selu",
           "softmax", "log_softmax"]
if hasattr(nnc.layers, "Softplus"):  # with the op table's Softplus
    ACTS.append(nnc.layers.Softplus)
    ACT_IDS.append("softplus")
# the bridges' outputs against nnc's: |a - b| <= TOL * (1 + |b|)
TOL = {"float32": 1e-6, "float64": 1e-12}


def trained(make_act, dtype, seed=3):
    """A small trained network whose hidden and last layers use the activation."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(64, 4)) * 2
    y = np.sin(X[:, :2])
    model = nnc.Sequential([nnc.Dense(4, 16), make_act(), nnc.Dense(16, 8), nnc.Tanh(),
                            nnc.Dense(8, 2, bias=False), make_act()], seed=seed, dtype=dtype)
    model.fit(X, y, loss="mse", optimizer="adam", epochs=3, batch_size=16, divergence=None)
    return model, X


def close(got, ref, dtype):
    got = np.asarray(got)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    err = np.max(np.abs(got.astype(np.float64) - ref) / (1 + np.abs(ref)))
    assert err <= TOL[dtype], err
    return err


# ------------------------------------------------------------------ PyTorch
@pytest.mark.parametrize("make_act", ACTS, ids=ACT_IDS)
def test_to_torch_and_back(make_act, dtype):
    torch = pytest.importorskip("torch")
    dt = np.dtype(dtype).name
    model, X = trained(make_act, dt)
    ref = model.predict(X)
    net = model.to_torch()
    assert isinstance(net, torch.nn.Sequential) and len(net) == len(model.layers)
    assert all(p.dtype == (torch.float64 if dt == "float64" else torch.float32)
               for p in net.parameters())
    with torch.no_grad():
        out = net(torch.from_numpy(X.astype(dt))).numpy()
    close(out, ref, dt)
    # the parameters are copies, in torch's (out, in) layout
    np.testing.assert_array_equal(net[0].weight.detach().numpy(), model.layers[0].weight.T)
    net[0].weight.data.zero_()
    assert np.any(model.layers[0].weight)
    back = nnc.Sequential.from_torch(model.to_torch())
    assert back.dtype == model.dtype
    assert [repr(a) for a in back.layers] == [repr(a) for a in model.layers]
    np.testing.assert_array_equal(back.get_flat_params(), model.get_flat_params())
    np.testing.assert_array_equal(back.predict(X), ref)


def test_from_torch_reads_a_torch_built_network(dtype):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    dt = np.dtype(dtype).name
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 7), nn.ReLU(),
                        nn.Sequential(nn.Linear(7, 7), nn.LeakyReLU(0.2)),
                        nn.Linear(7, 3, bias=False), nn.Softmax(dim=1))
    net = net.double() if dt == "float64" else net.float()
    X = np.random.default_rng(1).normal(size=(30, 5))
    with torch.no_grad():
        ref = net(torch.from_numpy(X.astype(dt))).numpy()
    model = nnc.Sequential.from_torch(net, seed=5)
    assert model.dtype == dt and model.seed == 5
    assert [type(a).__name__ for a in model.layers] == \
        ["Dense", "ReLU", "Dense", "LeakyReLU", "Dense", "Softmax"]
    close(model.predict(X), ref.astype(np.float64).astype(dt), dt)
    # and it trains on in nnc
    model.fit(X, np.eye(3)[np.arange(30) % 3], loss="cross_entropy", optimizer="adam",
              epochs=2)


def test_from_torch_refuses_what_nnc_cannot_read():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    with pytest.raises(TypeError, match=r"module \[1\] is Dropout\(p=0.5.*supported: Linear"):
        nnc.Sequential.from_torch(nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)))
    with pytest.raises(TypeError, match=r"module \[1\]\[0\] is Conv1d"):
        nnc.Sequential.from_torch(nn.Sequential(nn.Linear(2, 2),
                                                nn.Sequential(nn.Conv1d(1, 1, 1))))
    with pytest.raises(ValueError, match=r"dim=0; nnc's Softmax works along the last one"):
        nnc.Sequential.from_torch(nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=0)))
    with pytest.raises(ValueError, match="3 slopes"):
        nnc.Sequential.from_torch(nn.Sequential(nn.Linear(2, 3), nn.PReLU(3)))
    with pytest.raises(TypeError, match=r"float32 or all float64.*module.double\(\)"):
        nnc.Sequential.from_torch(nn.Sequential(nn.Linear(2, 2)).half())
    with pytest.raises(TypeError, match="expected a torch.nn.Sequential, got Linear"):
        nnc.Sequential.from_torch(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="empty"):
        nnc.Sequential.from_torch(nn.Sequential())
    with pytest.raises(ValueError, match="no parameters"):
        nnc.Sequential.from_torch(nn.Sequential(nn.ReLU()))

    # subclasses of the supported modules are not silently taken for them
    class MyReLU(nn.ReLU):
        def forward(self, x):
            return super().forward(x) * 2

    with pytest.raises(TypeError, match="MyReLU"):
        nnc.Sequential.from_torch(nn.Sequential(nn.Linear(2, 2), MyReLU()))


def test_torch_step_module_pickles():
    torch = pytest.importorskip("torch")
    net = nnc.Sequential([nnc.Dense(2, 2), nnc.Step()]).to_torch()
    buf = io.BytesIO()
    torch.save(net, buf)
    buf.seek(0)
    again = torch.load(buf, weights_only=False)
    x = torch.tensor([[0.5, -1.0], [2.0, 0.0]], dtype=torch.float64)
    assert torch.equal(again(x), net(x))
    assert pickle.loads(pickle.dumps(net))[1].__class__ is nnc.export.TorchStep


# --------------------------------------------------------------------- ONNX
@pytest.mark.parametrize("make_act", ACTS, ids=ACT_IDS)
def test_to_onnx_runs_in_onnxruntime(make_act, dtype, tmp_path):
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    dt = np.dtype(dtype).name
    model, X = trained(make_act, dt)
    path = tmp_path / "model.onnx"
    proto = model.to_onnx(path)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    assert [i.name for i in proto.graph.input] == ["X"]
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (out,) = sess.run(None, {"X": X.astype(dt)})
    close(out, model.predict(X), dt)
    # any batch size
    (one,) = sess.run(None, {"X": X[:1].astype(dt)})
    close(one, model.predict(X[:1]), dt)


def test_to_onnx_bad_path(tmp_path):
    pytest.importorskip("onnx")
    model = nnc.Sequential([nnc.Dense(2, 1)])
    with pytest.raises(TypeError, match="path must be a file name"):
        model.to_onnx(3)
    with pytest.raises(OSError):
        model.to_onnx(tmp_path / "no" / "such" / "dir" / "m.onnx")
