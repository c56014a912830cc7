"""TensorRT engines built from the exported ONNX encoders, cached by what makes them valid.

An engine is only valid for the ONNX graph it came from, the GPU it was built on, the TensorRT
version and the precision, so the cache key is exactly those. `tensorrt` is imported only here,
lazily, so CPU machines import the package.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import InputError

# output names of the ONNX export (owl.export_onnx), in the order the OWL backend consumes them
IMAGE_OUTPUTS = ("boxes", "class_embeds", "logit_shift", "logit_scale")
TEXT_OUTPUT = "queries"


def import_tensorrt():
    try:
        import tensorrt
    except ImportError as exc:
        raise InputError("TensorRT is not installed: `pip install tensorrt` on a machine with an NVIDIA GPU and "
                         "driver, or use runtime onnx (ONNX Runtime picks its TensorRT or CUDA provider when "
                         f"present) ({exc})") from exc
    return tensorrt


def onnx_input_profiles(onnx_path: str | Path, max_batch: int = 8, opt_batch: int = 1) -> dict:
    """{input: (min, opt, max) shapes} for TensorRT optimisation profiles: every dynamic axis is a
    batch axis ranging 1..max_batch; static axes keep their size."""
    import onnx
    graph = onnx.load(str(onnx_path), load_external_data=False).graph
    initializers = {init.name for init in graph.initializer}
    profiles = {}
    for tensor in graph.input:
        if tensor.name in initializers:
            continue
        dims = tensor.type.tensor_type.shape.dim
        if any(not d.dim_value and not d.dim_param for d in dims):
            raise InputError(f"{onnx_path}: input {tensor.name} has an unknown dimension")
        shape = [(1, opt_batch, max_batch) if d.dim_param else (d.dim_value,) * 3 for d in dims]
        profiles[tensor.name] = tuple(tuple(s[i] for s in shape) for i in range(3))
    return profiles


def engine_cache_key(onnx_path: str | Path, gpu_name: str, trt_version: str, precision: str) -> str:
    digest = hashlib.sha256(Path(onnx_path).read_bytes()).hexdigest()[:16]
    gpu = "".join(c if c.isalnum() else "-" for c in gpu_name)
    return f"{Path(onnx_path).stem}-{digest}-{gpu}-trt{trt_version}-{precision}"


def fp16_graph(onnx_path: str | Path, out_path: str | Path) -> Path:
    """The graph with FP16 weights and activations but FP32 inputs and outputs, topologically sorted:
    what a strongly typed TensorRT build (the only kind in TensorRT 11) runs in FP16."""
    import onnx
    from onnxruntime.transformers.onnx_model import OnnxModel
    model = OnnxModel(onnx.load(str(onnx_path)))
    model.convert_float_to_float16(keep_io_types=True)
    out_path = Path(out_path)
    onnx.save(model.model, str(out_path))
    return out_path


def build_engine(onnx_path: str | Path, engine_path: str | Path, precision: str = "fp16",
                 profiles: dict | None = None, workspace_gib: float = 2.0,
                 progress: Callable[[str], None] = print) -> Path:
    """Parse the ONNX graph, build a serialized engine with one optimisation profile covering the
    dynamic axes, and write it to engine_path. FP16 comes from an FP16 graph in a strongly typed
    network (TensorRT 9 and later; the builder's FP16 flag is gone in 11), or from the FP16 builder
    flag on TensorRT 8."""
    trt = import_tensorrt()
    engine_path = Path(engine_path)
    engine_path.parent.mkdir(parents=True, exist_ok=True)
    strongly_typed = hasattr(trt.NetworkDefinitionCreationFlag, "STRONGLY_TYPED")
    source = Path(onnx_path)
    if precision == "fp16" and strongly_typed:
        source = fp16_graph(onnx_path, engine_path.with_suffix(".fp16.onnx"))
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    network = builder.create_network(1 << int(trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED) if strongly_typed
                                     else 0)  # explicit batch, the only mode since TensorRT 10
    parser = trt.OnnxParser(network, logger)
    if not parser.parse_from_file(str(source)):
        errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise InputError(f"TensorRT cannot parse {source}: {errors}")
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, int(workspace_gib * (1 << 30)))
    if precision == "fp16" and not strongly_typed:
        config.set_flag(trt.BuilderFlag.FP16)
    profile = builder.create_optimization_profile()
    for name, (minimum, optimum, maximum) in (profiles or onnx_input_profiles(onnx_path)).items():
        profile.set_shape(name, minimum, optimum, maximum)
    config.add_optimization_profile(profile)
    progress(f"building TensorRT {trt.__version__} engine for {Path(onnx_path).name} ({precision}); "
             "this takes minutes once")
    serialized = builder.build_serialized_network(network, config)
    if serialized is None:
        raise InputError(f"TensorRT failed to build an engine for {onnx_path}")
    engine_path.write_bytes(bytes(serialized))
    progress(f"engine written to {engine_path}")
    return engine_path


def cached_engine(onnx_path: str | Path, cache_dir: str | Path, precision: str = "fp16",
                  progress: Callable[[str], None] = print) -> Path:
    """The engine for this graph, GPU, TensorRT version and precision; built when missing."""
    trt = import_tensorrt()
    import torch
    if not torch.cuda.is_available():
        raise InputError("TensorRT engines need a CUDA GPU; none is visible")
    if precision == "fp16" and torch.cuda.get_device_capability(0) < (5, 3):
        progress("this GPU has no native FP16: building in FP32")
        precision = "fp32"
    key = engine_cache_key(onnx_path, torch.cuda.get_device_name(0), trt.__version__, precision)
    engine_path = Path(cache_dir).expanduser() / f"{key}.engine"
    if not engine_path.exists():
        stale = sorted(Path(cache_dir).expanduser().glob(f"{Path(onnx_path).stem}-*.engine"))
        if stale:
            progress(f"cached engine(s) {[p.name for p in stale]} do not match {key}: rebuilding")
        build_engine(onnx_path, engine_path, precision, progress=progress)
        engine_path.with_suffix(".json").write_text(json.dumps({"onnx": str(onnx_path), "key": key}))
    return engine_path


class TensorRTEncoder:
    """Runs one engine with device buffers (torch CUDA tensors) on the current CUDA stream."""

    def __init__(self, engine_path: str | Path):
        trt = import_tensorrt()
        import torch
        self._torch, self._trt = torch, trt
        runtime = trt.Runtime(trt.Logger(trt.Logger.WARNING))
        self.engine = runtime.deserialize_cuda_engine(Path(engine_path).read_bytes())
        if self.engine is None:
            raise InputError(f"cannot load TensorRT engine {engine_path} (built with another TensorRT?)")
        self.context = self.engine.create_execution_context()
        names = [self.engine.get_tensor_name(i) for i in range(self.engine.num_io_tensors)]
        self.inputs = [n for n in names if self.engine.get_tensor_mode(n) == trt.TensorIOMode.INPUT]
        self.outputs = [n for n in names if self.engine.get_tensor_mode(n) == trt.TensorIOMode.OUTPUT]

    def __call__(self, **arrays: np.ndarray) -> dict[str, np.ndarray]:
        """Outputs by name: an engine's I/O order need not be the ONNX graph's."""
        torch, trt = self._torch, self._trt
        device_inputs = {}
        for name in self.inputs:
            dtype = torch.from_numpy(np.empty(0, trt.nptype(self.engine.get_tensor_dtype(name)))).dtype
            device_inputs[name] = torch.from_numpy(np.ascontiguousarray(arrays[name])).to("cuda", dtype)
            self.context.set_input_shape(name, tuple(device_inputs[name].shape))
            self.context.set_tensor_address(name, device_inputs[name].data_ptr())
        device_outputs = {}
        for name in self.outputs:
            dtype = torch.from_numpy(np.empty(0, trt.nptype(self.engine.get_tensor_dtype(name)))).dtype
            tensor = torch.empty(tuple(self.context.get_tensor_shape(name)), dtype=dtype, device="cuda")
            self.context.set_tensor_address(name, tensor.data_ptr())
            device_outputs[name] = tensor
        stream = torch.cuda.current_stream()
        if not self.context.execute_async_v3(stream.cuda_stream):
            raise InputError("TensorRT execution failed")
        stream.synchronize()
        return {name: t.float().cpu().numpy() for name, t in device_outputs.items()}


class TensorRTRuntime:
    """The OWL encoders as TensorRT engines built from the ONNX export (cached)."""
    name = "tensorrt"

    def __init__(self, onnx_dir: str, cache_dir: str = "~/.cache/vlm_agent/engines", precision: str = "fp16"):
        self.image = TensorRTEncoder(cached_engine(Path(onnx_dir, "image_encoder.onnx"), cache_dir, precision))
        self.text = TensorRTEncoder(cached_engine(Path(onnx_dir, "text_encoder.onnx"), cache_dir, precision))

    def encode_image(self, pixel_values: np.ndarray):
        outputs = self.image(pixel_values=pixel_values.astype(np.float32))
        return tuple(outputs[name] for name in IMAGE_OUTPUTS)

    def encode_text(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        return self.text(input_ids=input_ids, attention_mask=attention_mask)[TEXT_OUTPUT]
