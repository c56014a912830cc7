"""Extracts the MediaPipe person models from the PyPI wheel mediapipe==0.10.21 (x86_64; the
.tflite files are the same on every platform) into <prefix>/share/vlm_agent/models/.
Run by scripts/setup.sh at setup time; the package never downloads them at run time.

usage: python scripts/fetch_people_models.py [PREFIX]   (default: sys.prefix, i.e. the venv)
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "mediapipe==0.10.21"
MODELS = {  # file in the wheel -> sha256
    "mediapipe/modules/pose_detection/pose_detection.tflite":
        "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    "mediapipe/modules/face_detection/face_detection_short_range.tflite":
        "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
    "mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite":
        "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1",
    "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite":
        "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",
}


def missing(target: Path) -> list[str]:
    return [name for name, digest in MODELS.items()
            if not (target / Path(name).name).is_file()
            or hashlib.sha256((target / Path(name).name).read_bytes()).hexdigest() != digest]


def main() -> int:
    prefix = Path(sys.argv[1] if len(sys.argv) > 1 else sys.prefix)
    target = prefix / "share" / "vlm_agent" / "models"
    if not missing(target):
        return 0
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", WHEEL, "--no-deps", "--only-binary=:all:",
                        "--platform", "manylinux_2_28_x86_64", "--python-version", "311", "-d", tmp], check=True)
        wheel = next(Path(tmp).glob("mediapipe-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            for name, digest in MODELS.items():
                data = archive.read(name)
                if hashlib.sha256(data).hexdigest() != digest:
                    print(f"{wheel.name}: {name} does not have the expected sha256", file=sys.stderr)
                    return 1
                (target / Path(name).name).write_bytes(data)
    print(f"people models in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
