"""OWL-ViT / OWLv2 backend on tiny randomly initialised checkpoints built from the real
transformers classes: loading, caching, ONNX export with ONNX Runtime parity, and the same
result shape as the embedded default. (No real weights are reachable here: accuracy is untested.)"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
from tiny_models import build_tiny_owl  # noqa: E402

from vlm_agent.core.backends import create_backend  # noqa: E402
from vlm_agent.core.backends.owl import OwlBackend, export_onnx, load_torch_encoders, patch_logits  # noqa: E402
from vlm_agent.core.errors import InputError  # noqa: E402
from vlm_agent.core.perception.frame import RGBDFrame  # noqa: E402
from vlm_agent.core.perception.grounding import Grounder  # noqa: E402
from vlm_agent.core.perception.report import result_dict  # noqa: E402

pytestmark = pytest.mark.slow  # builds, exports and runs tiny OWL models


@pytest.fixture(scope="module", params=["owlvit", "owlv2"])
def owl(request, tmp_path_factory):
    folder = build_tiny_owl(tmp_path_factory.mktemp(request.param), request.param)
    onnx_dir = tmp_path_factory.mktemp(f"{request.param}_onnx")
    export_onnx(str(folder), str(onnx_dir))
    return folder, onnx_dir


def test_wrapper_reproduces_the_transformers_detector(owl):
    folder, _ = owl
    image_encoder, text_encoder, model = load_torch_encoders(str(folder))
    backend = OwlBackend(str(folder))
    tokens = backend.tokenizer(["a red cube", "a blue ball"], padding="max_length", max_length=16,
                               return_tensors="pt")
    pixels = torch.from_numpy(backend.preprocess(np.random.default_rng(0).integers(0, 255, (48, 64, 3), np.uint8)))
    with torch.inference_mode():
        reference = model(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"],
                          pixel_values=pixels)
        boxes, embeds, shift, scale = image_encoder(pixels)
        queries = text_encoder(tokens["input_ids"], tokens["attention_mask"])
    ours = patch_logits(embeds[0].numpy(), shift[0].numpy(), scale[0].numpy(), queries.numpy())
    assert np.allclose(ours, reference.logits[0].numpy(), atol=1e-4)
    assert np.allclose(boxes.numpy(), reference.pred_boxes.numpy(), atol=1e-5)


def test_preprocessing_puts_the_scene_where_the_checkpoints_own_processor_does(owl):
    """OWLv2 pads to a square, OWL-ViT stretches: a bright block lands on the same pixels as with
    the transformers image processor of that model type, and boxes map back the same way."""
    from transformers.models.owlv2.image_processing_pil_owlv2 import Owlv2ImageProcessorPil
    from transformers.models.owlvit.image_processing_pil_owlvit import OwlViTImageProcessorPil
    folder, _ = owl
    backend = OwlBackend(str(folder))
    rgb = np.zeros((48, 64, 3), np.uint8)
    rgb[10:22, 40:56] = 255
    size = {"height": 64, "width": 64}
    processor = (Owlv2ImageProcessorPil(size=size) if backend.pad_to_square
                 else OwlViTImageProcessorPil(size=size, crop_size=size))
    theirs = processor(images=[rgb], return_tensors="np")["pixel_values"][0, 0]
    ours = backend.preprocess(rgb)[0, 0]

    def centroid(channel):
        rows, cols = np.nonzero(channel > channel.max() / 2)
        return np.array([rows.mean(), cols.mean()])
    assert np.linalg.norm(centroid(ours) - centroid(theirs)) < 1.0
    expected = np.array([16 * 64 / 64, 48 * 64 / 64]) if backend.pad_to_square else np.array([16 * 64 / 48, 48])
    assert np.linalg.norm(centroid(ours) - expected) < 1.0


def test_onnx_runtime_matches_pytorch_with_dynamic_batch(owl):
    folder, onnx_dir = owl
    torch_backend, onnx_backend = OwlBackend(str(folder)), OwlBackend(str(folder), "onnx", str(onnx_dir))
    pixels = np.concatenate([torch_backend.preprocess(np.full((40, 50, 3), v, np.uint8)) for v in (30, 200)])
    for a, b in zip(torch_backend.runtime.encode_image(pixels), onnx_backend.runtime.encode_image(pixels)):
        assert a.shape == b.shape and a.shape[0] == 2 and np.allclose(a, b, atol=1e-4)
    tokens = torch_backend.tokenizer(["a", "a red cube", "plate"], padding="max_length", max_length=16,
                                     return_tensors="np")
    ids, mask = tokens["input_ids"].astype(np.int64), tokens["attention_mask"].astype(np.int64)
    assert np.allclose(torch_backend.runtime.encode_text(ids, mask), onnx_backend.runtime.encode_text(ids, mask),
                       atol=1e-4)
    assert onnx_backend.runtime.providers[-1] == "CPUExecutionProvider"


def test_onnx_graph_properties_tensorrt_relies_on(owl):
    _, onnx_dir = owl
    for name, inputs in (("image_encoder.onnx", ["pixel_values"]), ("text_encoder.onnx", ["input_ids", "attention_mask"])):
        graph = onnx.load(str(onnx_dir / name))
        onnx.checker.check_model(graph)
        assert max(o.version for o in graph.opset_import if o.domain in ("", "ai.onnx")) == 17
        assert [i.name for i in graph.graph.input] == inputs
        for tensor in list(graph.graph.input) + list(graph.graph.output):
            first = tensor.type.tensor_type.shape.dim[0]
            assert first.dim_param and not first.dim_value, f"{name}:{tensor.name} needs a dynamic batch axis"


def test_text_encoder_runs_once_per_phrase_and_image_encoder_once_per_frame(owl, tabletop, monkeypatch):
    folder, _ = owl
    backend = OwlBackend(str(folder))
    calls = []
    original = backend.runtime.encode_image
    monkeypatch.setattr(backend.runtime, "encode_image", lambda p: calls.append(1) or original(p))
    grounder = Grounder(backend)
    frame = RGBDFrame(tabletop[1].rgb, None, None, key="frame-1")
    for _ in range(3):
        for text in ("pick up the red cube", "point at the blue ball"):
            grounder.ground(frame, text)
    assert len(calls) == 1
    assert backend.text_passes == 3  # the proposal query + two phrases, each once
    grounder.ground(RGBDFrame(tabletop[1].rgb, None, None, key="frame-2"), "pick up the red cube")
    assert len(calls) == 2 and backend.text_passes == 3


def test_a_new_query_template_is_encoded_on_the_next_command_and_the_image_encoding_kept(owl, tabletop):
    backend = OwlBackend(str(owl[0]))
    encoded = []
    tokenizer = backend.tokenizer
    backend.tokenizer = lambda texts, **options: encoded.extend(texts) or tokenizer(texts, **options)
    grounder = Grounder(backend)
    frame = RGBDFrame(tabletop[1].rgb, None, None, key="frame-1")
    grounder.ground(frame, "pick up the red cube")
    assert encoded == ["a photo of an object", "a photo of a red cube"]
    backend.set_prompts("a close-up photo of a {}", "a photo of a thing on a table")
    grounder.ground(frame, "pick up the red cube")
    assert encoded[2:] == ["a photo of a thing on a table", "a close-up photo of a red cube"]
    assert backend._encoded.misses == 1  # the image encoding does not depend on the text

def test_same_json_shape_as_the_default_backend(owl, tabletop):
    folder, onnx_dir = owl
    owl_result = Grounder(create_backend("owl", model_path=str(folder), runtime="onnx", onnx_dir=str(onnx_dir)))
    default = Grounder(create_backend("rgbd_geometry"))
    a = result_dict(owl_result.ground(RGBDFrame(tabletop[1].rgb, None, None, key=1), "pick up the red cube"))
    b = result_dict(default.ground(tabletop[2], "pick up the red cube"))
    assert set(a) == set(b) and a["status"] in ("ok", "not_found", "ambiguous")
    for match in [a["target"]] + a["candidates"]:
        if match:
            x0, y0, x1, y1 = match["bbox_xyxy"]
            assert 0 <= x0 <= x1 <= 640 and 0 <= y0 <= y1 <= 480


def test_missing_weights_say_how_to_get_them(tmp_path):
    with pytest.raises(InputError, match="huggingface-cli download"):
        OwlBackend(str(tmp_path))


@pytest.mark.slow  # runs the CLI in subprocesses
def test_cli_exports_and_grounds_with_onnx_runtime(owl, tmp_path):
    folder, _ = owl
    run = lambda *a: subprocess.run([sys.executable, "-m", "vlm_agent.cli", *a], capture_output=True, text=True,
                                    timeout=300)
    done = run("models", "export-onnx", str(folder), str(tmp_path / "onnx"))
    assert done.returncode == 0, done.stderr
    assert run("render", "tabletop", str(tmp_path / "scene")).returncode == 0
    done = run("ground", str(tmp_path / "scene"), "-c", "pick up the red cube", "--backend", "owl", "--model",
               str(folder), "--runtime", "onnx", "--onnx-dir", str(tmp_path / "onnx"), "--no-synonyms")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] in ("ok", "not_found", "ambiguous")


def test_boxes_get_3d_positions_from_depth(owl, tabletop, grounder):
    from vlm_agent.core.backends.base import box_center_3d
    folder, _ = owl
    frame, truth = tabletop[2], tabletop[3]
    for obj in OwlBackend(str(folder)).propose(frame):
        assert (obj.center_camera is not None) == (box_center_3d(frame, obj.bbox_xyxy) is not None)
        assert (obj.center_base is not None) == (obj.center_camera is not None)
    red = grounder.ground(frame, "pick up the red cube").target.obj
    center = frame.to_base(box_center_3d(frame, red.bbox_xyxy))[0]
    assert np.linalg.norm(center[:2] - truth["red_cube"].position[:2]) < 0.03  # a box's depth lands on the object


@pytest.mark.slow  # runs the CLI in subprocesses
def test_model_path_may_name_a_pulled_model_or_a_hub_cache_repository(owl, tmp_path, monkeypatch, tabletop):
    import shutil
    from vlm_agent.core.backends import checkpoints
    folder, _ = owl
    monkeypatch.setattr(checkpoints, "MODELS_DIR", tmp_path / "models")
    shutil.copytree(folder, tmp_path / "models" / "google--owlv2-base-patch16-ensemble")
    assert checkpoints.require_checkpoint("owlv2", "OWL", "") == str(tmp_path / "models" /
                                                                       "google--owlv2-base-patch16-ensemble")
    snapshot = tmp_path / "hub" / "models--test--tiny-owl" / "snapshots" / "0123abcd"
    shutil.copytree(folder, snapshot)
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("0123abcd")
    scene_dir = tmp_path / "scene"
    from vlm_agent.core.perception.scene_dir import write_scene_dir
    frame = tabletop[2]
    write_scene_dir(scene_dir, frame.rgb, frame.depth_m, frame.intrinsics, frame.base_from_camera)
    env = {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub"), "PATH": "/usr/bin:/bin",
           "VLM_AGENT_MODELS": str(tmp_path / "empty")}
    done = subprocess.run([sys.executable, "-m", "vlm_agent.cli", "ground", str(scene_dir), "-c", "point at the cube",
                           "--backend", "owl", "--model", "test/tiny-owl", "--no-synonyms"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert json.loads(done.stdout)["status"] in ("ok", "not_found", "ambiguous"), done.stdout + done.stderr
    missing = subprocess.run([sys.executable, "-m", "vlm_agent.cli", "ground", str(scene_dir), "-c", "point at it",
                              "--backend", "owl", "--model", "test/not-cached", "--no-synonyms"],
                             capture_output=True, text=True, env=env, timeout=300)
    assert "no OWL-ViT/OWLv2 weights in 'test/not-cached'" in json.loads(missing.stdout)["message"]


def test_models_list_finds_checkpoints_and_pull_fails_clearly_offline(owl, tmp_path):
    folder, _ = owl
    env = {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "hub"), "PATH": "/usr/bin:/bin"}
    listed = subprocess.run([sys.executable, "-m", "vlm_agent.cli", "models", "list", "--dir", str(folder.parent)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert listed.returncode == 0 and str(folder) in listed.stdout and "owl" in listed.stdout
    pulled = subprocess.run([sys.executable, "-m", "vlm_agent.cli", "models", "pull", "owlv2", "--dir",
                             str(tmp_path)], capture_output=True, text=True, env=env, timeout=120)
    assert pulled.returncode == 1 and "cannot download 'owlv2'" in pulled.stderr


def test_tensorrt_profiles_and_cache_key_from_the_onnx_graph(owl):
    from vlm_agent.core.backends.tensorrt_engine import engine_cache_key, onnx_input_profiles
    _, onnx_dir = owl
    image = onnx_input_profiles(onnx_dir / "image_encoder.onnx", max_batch=4)
    assert image == {"pixel_values": ((1, 3, 64, 64), (1, 3, 64, 64), (4, 3, 64, 64))}
    text = onnx_input_profiles(onnx_dir / "text_encoder.onnx", max_batch=8)
    assert set(text) == {"input_ids", "attention_mask"} and text["input_ids"][2] == (8, 16)
    key = engine_cache_key(onnx_dir / "image_encoder.onnx", "NVIDIA H100 80GB", "10.3.0", "fp16")
    assert key.startswith("image_encoder-") and key.endswith("-NVIDIA-H100-80GB-trt10.3.0-fp16")
    assert key != engine_cache_key(onnx_dir / "image_encoder.onnx", "NVIDIA H100 80GB", "10.3.0", "fp32")


def test_fp16_graph_for_tensorrt_runs_in_onnx_runtime_close_to_fp32(owl, tmp_path):
    """The FP16 graph a strongly typed TensorRT build gets: FP32 inputs/outputs, FP16 inside, valid
    (topologically sorted) ONNX, and outputs within FP16 rounding of the FP32 graph."""
    import onnx
    import onnxruntime as ort
    from vlm_agent.core.backends.tensorrt_engine import fp16_graph
    folder, onnx_dir = owl
    backend = OwlBackend(str(folder), "onnx", str(onnx_dir))
    pixels = backend.preprocess(np.random.default_rng(1).integers(0, 255, (48, 64, 3), np.uint8))
    tokens = backend.tokenizer(["a red cube", "plate"], padding="max_length", max_length=16, return_tensors="np")
    feeds = {"image_encoder": {"pixel_values": pixels},
             "text_encoder": {k: tokens[k].astype(np.int64) for k in ("input_ids", "attention_mask")}}
    for name, inputs in feeds.items():
        half = fp16_graph(onnx_dir / f"{name}.onnx", tmp_path / f"{name}.fp16.onnx")
        model = onnx.load(str(half))
        onnx.checker.check_model(model)
        assert {i.type.tensor_type.elem_type for i in model.graph.input} <= {onnx.TensorProto.FLOAT,
                                                                            onnx.TensorProto.INT64}
        assert {o.type.tensor_type.elem_type for o in model.graph.output} == {onnx.TensorProto.FLOAT}
        assert any(t.data_type == onnx.TensorProto.FLOAT16 for t in model.graph.initializer)
        full = ort.InferenceSession(str(onnx_dir / f"{name}.onnx"), providers=["CPUExecutionProvider"]).run(None, inputs)
        reduced = ort.InferenceSession(str(half), providers=["CPUExecutionProvider"]).run(None, inputs)
        for a, b in zip(full, reduced):
            assert b.dtype == np.float32 and np.allclose(a, b, atol=3e-2)


class _RecordingTensorRT:
    """The slice of the `tensorrt` module build_engine uses, recording calls; `generation` 11 has no
    FP16 builder flag (strong typing only), 8 has no strongly typed networks."""

    def __init__(self, generation: int):
        import types
        trt = self
        self.__version__ = f"{generation}.0.0"
        self.calls = []
        self.NetworkDefinitionCreationFlag = types.SimpleNamespace(**({"STRONGLY_TYPED": 0} if generation > 8 else {}))
        self.BuilderFlag = types.SimpleNamespace(**({"FP16": 1} if generation < 11 else {}))
        self.MemoryPoolType = types.SimpleNamespace(WORKSPACE=0)
        self.Logger = type("Logger", (), {"WARNING": 2, "__init__": lambda self, level: None})

        class Recorder:
            def __init__(self, *args):
                pass

            def __getattr__(self, name):
                def call(*args):
                    trt.calls.append((name, args))
                    return {"parse_from_file": True, "build_serialized_network": b"engine"}.get(name, Recorder())
                return call
        self.Builder = self.OnnxParser = Recorder


@pytest.mark.parametrize("generation", [8, 10, 11])
def test_engine_build_uses_only_the_api_of_its_tensorrt_generation(owl, tmp_path, monkeypatch, generation):
    from vlm_agent.core.backends.tensorrt_engine import build_engine
    _, onnx_dir = owl
    trt = _RecordingTensorRT(generation)
    monkeypatch.setitem(sys.modules, "tensorrt", trt)
    engine = build_engine(onnx_dir / "image_encoder.onnx", tmp_path / "image.engine", "fp16", progress=lambda m: None)
    assert engine.read_bytes() == b"engine"
    calls = dict(trt.calls)
    parsed = Path(calls["parse_from_file"][0])
    if generation == 8:
        assert calls["create_network"] == (0,) and calls["set_flag"] == (1,) and parsed.name == "image_encoder.onnx"
    else:
        assert calls["create_network"] == (1,) and "set_flag" not in calls and parsed.name == "image.fp16.onnx"
    assert calls["set_shape"] == ("pixel_values", (1, 3, 64, 64), (1, 3, 64, 64), (8, 3, 64, 64))


@pytest.mark.parametrize("precision, tolerance", [("fp32", 1e-3), ("fp16", 3e-2)])
def test_tensorrt_engine_matches_onnx_runtime(owl, tmp_path, precision, tolerance):
    trt = pytest.importorskip("tensorrt", reason="TensorRT is not installable on these machines (no GPU)")
    if not torch.cuda.is_available():
        pytest.skip("TensorRT needs a CUDA GPU")
    folder, onnx_dir = owl
    from vlm_agent.core.backends.tensorrt_engine import TensorRTRuntime
    reference = OwlBackend(str(folder), "onnx", str(onnx_dir))
    engine = TensorRTRuntime(str(onnx_dir), cache_dir=str(tmp_path), precision=precision)
    pixels = reference.preprocess(np.full((40, 50, 3), 90, np.uint8))
    for a, b in zip(reference.runtime.encode_image(pixels), engine.encode_image(pixels)):
        assert np.allclose(a, b, atol=tolerance)
    tokens = reference.tokenizer(["a red cube"], padding="max_length", max_length=16, return_tensors="np")
    ids, mask = tokens["input_ids"].astype(np.int64), tokens["attention_mask"].astype(np.int64)
    assert np.allclose(reference.runtime.encode_text(ids, mask), engine.encode_text(ids, mask), atol=tolerance)
    assert trt.__version__ in next(tmp_path.glob("image_encoder-*.engine")).name


def test_triton_runtime_against_a_local_kserve_v2_server(owl):
    """A loopback server speaking Triton's KServe v2 JSON protocol, running the exported ONNX."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from vlm_agent.core.backends.owl import OnnxRuntime
    folder, onnx_dir = owl
    sessions = OnnxRuntime(str(onnx_dir))
    dtypes = {"FP32": np.float32, "INT64": np.int64}

    class Triton(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            session = sessions.image if "image" in self.path else sessions.text
            feeds = {i["name"]: np.asarray(i["data"], dtypes[i["datatype"]]).reshape(i["shape"]) for i in body["inputs"]}
            outputs = session.run(None, feeds)
            names = [o.name for o in session.get_outputs()]
            data = json.dumps({"outputs": [{"name": n, "shape": list(o.shape), "datatype": "FP32",
                                            "data": o.reshape(-1).tolist()} for n, o in zip(names, outputs)]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Triton)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        remote = OwlBackend(str(folder), "triton", triton_url=f"http://127.0.0.1:{server.server_port}")
        local = OwlBackend(str(folder), "onnx", str(onnx_dir))
        pixels = local.preprocess(np.full((40, 50, 3), 120, np.uint8))
        for a, b in zip(local.runtime.encode_image(pixels), remote.runtime.encode_image(pixels)):
            assert np.allclose(a, b, atol=1e-5)
        assert np.allclose(local.query("a red cube"), remote.query("a red cube"), atol=1e-5)
    finally:
        server.shutdown()
    with pytest.raises(InputError, match="Triton server"):
        OwlBackend(str(folder), "triton", triton_url="http://127.0.0.1:9").runtime.encode_image(pixels)
