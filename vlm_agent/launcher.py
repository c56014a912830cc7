"""Start the node graph from config/agent.yaml without ros2 launch (pip/venv installs).

One process per node, as `ros2 launch` does, so a slow node (the simulator rendering)
never stalls another and a crash stays contained.

Fast DDS transports: with the default UDP + 0.5 MB shared-memory segments, 0.9 MB images
between processes here lost fragments and waited for reliable retransmission (stalls of
~3 s, measured). FASTDDS_BUILTIN_TRANSPORTS=LARGE_DATA removed the stalls, but its TCP
discovery sometimes never matched two of the five nodes started together. config/fastdds.xml
(UDP + 32 MB shared-memory segments) removes the stalls, matches every time and still talks
to processes with default settings, so the graph uses it unless the environment names a
profile or transport already.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml

from .core.settings import SettingsError
from .core.settings.params_file import load_params_file
from .graph import default_params_file, managed_nodes, selected_nodes, voice_enabled

DDS_PROFILE_VARIABLE = "FASTDDS_DEFAULT_PROFILES_FILE"
# Fast DDS maps domain d to UDP ports 7400 + 250 d + ...; every id up to 232 fits
PRIVATE_DOMAINS = range(100, 230)


LOCALHOST_PARTICIPANTS = 32  # rmw_fastrtps' maxInitialPeersRange under ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
_reservation: socket.socket | None = None  # this process's claim on its private domain


def _domain_in_use(domain: int) -> bool:
    """Whether a DDS participant on this machine holds one of the domain's discovery ports."""
    for participant in range(LOCALHOST_PARTICIPANTS):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind(("", 7400 + 250 * domain + 10 + 2 * participant))
            except OSError:
                return True
    return False


def _reserve(domain: int) -> socket.socket | None:
    """Claim the domain for this process (an abstract socket: freed when the process ends), so runs
    side by side never choose one domain even before either starts a participant; None if taken."""
    claim = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        claim.bind(f"\0vlm_agent_ros_domain_{domain}")
    except OSError:
        claim.close()
        return None
    return claim


def use_private_ros_domain(seed: int | None = None) -> int:
    """A ROS domain of its own for this process and its children (the demo, tests), discovered on
    this machine only, so parallel runs and other graphs on the network never talk to it: the
    first domain from the seed (default: the process id) on that no participant here uses and no
    other process has claimed. Call before rclpy.init()."""
    global _reservation
    start = os.getpid() if seed is None else seed
    candidates = [PRIVATE_DOMAINS[(start + i) % len(PRIVATE_DOMAINS)] for i in range(len(PRIVATE_DOMAINS))]
    domain, claim = candidates[0], None
    for candidate in candidates:
        if not _domain_in_use(candidate):
            claim = _reserve(candidate)
            if claim is not None:
                domain = candidate
                break
    if _reservation is not None:
        _reservation.close()
    _reservation = claim
    os.environ["ROS_DOMAIN_ID"] = str(domain)
    os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
    return domain


def use_next_private_ros_domain() -> int:
    """Move this process (call before rclpy.init()) to the next free private domain: tests that
    start graphs one after another never meet what an earlier graph left behind in DDS."""
    current = int(os.environ.get("ROS_DOMAIN_ID", PRIVATE_DOMAINS.start))
    return use_private_ros_domain(current - PRIVATE_DOMAINS.start + 1)


def use_project_dds_profile() -> str | None:
    """Use config/fastdds.xml for this process and its children unless the environment already
    configures Fast DDS; call before rclpy.init()."""
    if DDS_PROFILE_VARIABLE in os.environ or "FASTDDS_BUILTIN_TRANSPORTS" in os.environ:
        return os.environ.get(DDS_PROFILE_VARIABLE)
    profile = default_params_file().parent / "fastdds.xml"
    if profile.exists():
        os.environ[DDS_PROFILE_VARIABLE] = str(profile)
    return os.environ.get(DDS_PROFILE_VARIABLE)


def _yaml_value(node: str, key: str, value) -> str:
    """A -p value as YAML: a string setting such as source '0' stays a string; any other value given
    as text ('[1.0, 0.05, 0.6]') is passed as written."""
    from .core.settings import NODE_SETTINGS, settings_fields
    if isinstance(value, bool):
        return "true" if value else "false"
    kinds = {i.name: i.kind for i in settings_fields(NODE_SETTINGS[node])} if node in NODE_SETTINGS else {}
    if isinstance(value, str) and kinds.get(key) == "str":
        try:
            plain = yaml.safe_load(value) == value
        except yaml.YAMLError:
            plain = False
        return value if plain else json.dumps(value)
    return str(value)


def _catches_sigusr1(pid: int) -> bool:
    """Whether the process has its SIGUSR1 handler yet (before, the signal would kill it)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next((line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), "0")
    return bool(int(caught, 16) & (1 << (signal.SIGUSR1 - 1)))


class Graph:
    """The running node processes; use as a context manager to stop them on exit."""

    def __init__(self, use_sim: bool = True, params_file: str | Path | None = None,
                 overrides: dict[str, dict] | None = None, log_dir: str | Path | None = None,
                 voice: bool | None = None):
        self.params_file = Path(params_file or default_params_file())
        if not self.params_file.exists():
            raise FileNotFoundError(f"parameters file {self.params_file} not found")
        load_params_file(self.params_file)  # SettingsError naming the file, node block and key
        voice = voice_enabled(self.params_file) if voice is None else voice
        self.nodes = selected_nodes(use_sim, voice)
        self.overrides = overrides or {}
        if voice:  # the lifecycle manager brings the voice node up too
            self.overrides = {**self.overrides, "lifecycle_manager": {
                **self.overrides.get("lifecycle_manager", {}),
                "node_names": json.dumps(managed_nodes(self.params_file, voice))}}
        self.log_dir = Path(log_dir) if log_dir else None
        self.processes: dict[str, subprocess.Popen] = {}

    def command(self, spec) -> list[str]:
        args = [sys.executable, "-m", spec.module, "--ros-args", "-r", f"__node:={spec.name}",
                "--enclave", spec.enclave, "--params-file", str(self.params_file)]
        for key, value in self.overrides.get(spec.name, {}).items():
            args += ["-p", f"{key}:={_yaml_value(spec.name, key, value)}"]
        return args

    def start(self) -> "Graph":
        use_project_dds_profile()
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        for spec in self.nodes:
            output = None
            if self.log_dir:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                output = open(self.log_dir / f"{spec.name}.log", "w")
            self.processes[spec.name] = subprocess.Popen(self.command(spec), env=env, stdout=output,
                                                         stderr=subprocess.STDOUT if output else None)
        return self

    def failed(self) -> dict[str, int]:
        """Nodes that exited, with their exit codes."""
        return {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}

    def report(self, lines: int = 4, stacks: bool = True) -> str:
        """Which nodes exited, and the last lines each node logged; with `stacks`, then each live
        node's threads' Python stacks: for a graph that did not come up."""
        logs = {name: self.log_dir / f"{name}.log" for name in self.processes} if self.log_dir else {}
        before = {name: log.read_bytes() if log.exists() else b"" for name, log in logs.items()}
        alive = [name for name, p in self.processes.items() if p.poll() is None and _catches_sigusr1(p.pid)]
        if stacks and logs:
            for name in alive:
                self.processes[name].send_signal(signal.SIGUSR1)  # faulthandler, in ros.common.run
            deadline = time.monotonic() + 3.0
            while time.monotonic() < deadline and any(
                    logs[n].exists() and logs[n].stat().st_size == len(before[n]) for n in alive):
                time.sleep(0.05)
        parts = [f"exited: {self.failed()}"]
        for name, log in logs.items():
            tail = before[name].decode(errors="replace").splitlines()[-lines:]
            stack = log.read_bytes()[len(before[name]):].decode(errors="replace") if stacks and log.exists() else ""
            parts.append(f"--- {name} (pid {self.processes[name].pid}): " + (" | ".join(tail) or "(nothing logged)")
                         + (f"\n{stack}" if stack else ""))
        return "\n".join(parts)

    def stop(self, timeout: float = 10.0) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + timeout
        for name, process in self.processes.items():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"vlm_agent: node {name} did not stop within {timeout:.0f} s of SIGINT: killed",
                      file=sys.stderr)
                process.kill()
                process.wait()

    def __enter__(self) -> "Graph":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def run_graph(use_sim: bool, params_file: str | None, overrides: dict[str, dict], voice: bool | None = None) -> int:
    """Foreground launcher: runs until Ctrl-C or until a node dies."""
    try:
        graph = Graph(use_sim, params_file, overrides, voice=voice).start()
    except (SettingsError, FileNotFoundError) as exc:
        print(f"vlm_agent: {exc}", file=sys.stderr)
        return 2
    names = ", ".join(graph.processes)
    print(f"vlm_agent: started {names} with {graph.params_file} (Ctrl-C to stop); "
          f"Fast DDS profile: {os.environ.get(DDS_PROFILE_VARIABLE, 'default')}", flush=True)
    try:
        while not graph.failed():
            time.sleep(0.5)
        print(f"vlm_agent: node(s) exited: {graph.failed()}; stopping the graph", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        graph.stop()
