"""`vlm-agent models list|pull|export-onnx|build-engine`: checkpoints on disk, downloads, ONNX export
and TensorRT engines."""
from __future__ import annotations

import sys
from pathlib import Path


def add_commands(sub) -> None:
    models = sub.add_parser("models", help="model utilities").add_subparsers(dest="models_command", required=True)
    listing = models.add_parser("list", help="checkpoints on disk")
    listing.add_argument("--dir", default=None)
    listing.set_defaults(func=cmd_models_list)
    pulling = models.add_parser("pull", help="download a checkpoint (short name or Hugging Face repository)")
    pulling.add_argument("name")
    pulling.add_argument("--dir", default=None)
    pulling.set_defaults(func=cmd_models_pull)
    export = models.add_parser("export-onnx", help="export an OWL-ViT/OWLv2 checkpoint's encoders to ONNX")
    export.add_argument("model_dir")
    export.add_argument("out_dir")
    export.add_argument("--opset", type=int, default=17)
    export.set_defaults(func=cmd_export_onnx)
    engine = models.add_parser("build-engine", help="build (or find cached) TensorRT engines for exported encoders")
    engine.add_argument("onnx_dir")
    engine.add_argument("--precision", default="fp16", choices=("fp16", "fp32"))
    engine.add_argument("--cache-dir", default="~/.cache/vlm_agent/engines")
    engine.set_defaults(func=cmd_build_engine)


def cmd_models_list(args) -> int:
    from ..core.backends.checkpoints import MODELS_DIR
    from ..models import list_models
    found = list_models(Path(args.dir).expanduser() if args.dir else MODELS_DIR)
    for item in found:
        print(f"{item['model_type']:<16} {item['size_mb']:>9.1f} MB  {item['path']}")
    if not found:
        print("no checkpoints on disk; `vlm-agent models pull owlv2` downloads one where a network exists")
    return 0


def cmd_models_pull(args) -> int:
    from ..core.backends.checkpoints import KNOWN, MODELS_DIR
    from ..models import pull
    try:
        print(f"downloaded to {pull(args.name, Path(args.dir).expanduser() if args.dir else MODELS_DIR)}")
    except Exception as exc:  # no network, unknown repository, no access: say which
        print(f"error: cannot download '{args.name}' ({exc.__class__.__name__}: {str(exc)[:300]}). "
              f"Known short names: {', '.join(KNOWN)}", file=sys.stderr)
        return 1
    return 0


def cmd_export_onnx(args) -> int:
    from ..core.backends.owl import export_onnx
    image, text = export_onnx(args.model_dir, args.out_dir, args.opset)
    print(f"wrote {image} and {text}")
    return 0


def cmd_build_engine(args) -> int:
    from ..core.backends.tensorrt_engine import cached_engine
    from ..core.errors import InputError
    try:
        for name in ("image_encoder.onnx", "text_encoder.onnx"):
            print(f"ready: {cached_engine(Path(args.onnx_dir) / name, args.cache_dir, args.precision)}")
    except (InputError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
