"""`vlm-agent listen` and `vlm-agent demo --voice`."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def _print_answer(trace) -> None:
    print(f"   outcome: {trace.status or 'no answer'}" + (f" ({trace.message})" if trace.message else ""), flush=True)
    for explanation in trace.explanations:
        print(f"   {explanation.stage}: {explanation.text}", flush=True)


def run_listen(args) -> int:
    """Hear commands from a microphone or WAV file/folder (in this process) and send them into the
    graph already running on this ROS domain; print each command and the agent's answer."""
    import rclpy

    from .core.errors import InputError
    from .core.speech.activation import SORRY, ActivationConfig
    from .core.speech.listener import Listener, guard_allows
    from .core.speech.recognizer import create_recognizer
    from .core.speech.snapping import SnapConfig
    from .core.speech.sources import MicrophoneSource, WavSource, wav_files
    from .launcher import use_project_dds_profile
    from .ros.client import AgentClient

    use_project_dds_profile()
    try:
        snap = SnapConfig(enabled=not getattr(args, "no_snap", False))
        listener = Listener(create_recognizer(args.recognizer),
                            ActivationConfig(mode=args.activation, min_confidence=args.min_confidence),
                            snap=snap, allowed=guard_allows() if snap.enabled else None)
        speaker = None
        if args.speak:
            from .core.speech.tts import Speaker
            speaker = Speaker()
        files = wav_files(args.file) if args.file else []
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with rclpy.init(), AgentClient("vlm_agent_listen") as client:
        try:
            # a probe answered through guard, grounding and planner: every topic this client reads is
            # matched, so no answer to the first spoken command is published before it can arrive
            if not client.wait_for_graph(timeout=args.startup_timeout):
                print(f"error: the graph on this ROS domain does not answer ({client.not_ready}); start it first "
                      "(vlm-agent launch)", file=sys.stderr)
                return 1

            def handle(heard):
                print(json.dumps(heard.as_dict(), ensure_ascii=False), flush=True)
                if heard.decision.kind in ("command", "stop"):
                    print(f"> {heard.decision.text}", flush=True)
                    trace = client.send(heard.decision.text, source="voice")
                    client.spin_until(lambda: trace.finished_at is not None, args.timeout)
                    _print_answer(trace)
                    if speaker is not None and trace.explanations:
                        speaker.say(trace.explanations[0].text)
                elif heard.decision.kind == "rejected":
                    print(f"   {SORRY} ({heard.decision.reason})", flush=True)
                    if speaker is not None:
                        speaker.say(SORRY)

            if files:
                for path in files:
                    source = WavSource(path)
                    for warning in source.warnings:
                        print(f"warning: {warning}", file=sys.stderr)
                    for block in source:
                        for heard in listener.feed(block, live=False):
                            handle(heard)
                    for heard in listener.finish():
                        handle(heard)
                return 0
            with MicrophoneSource(args.device) as microphone:
                print(f"listening on microphone {microphone.device if microphone.device is not None else '(default)'} "
                      f"at {microphone.sample_rate} Hz; Ctrl-C to stop", flush=True)
                for block in microphone.chunks.blocks(timeout_s=0.1):
                    rclpy.spin_once(client, timeout_sec=0.0)
                    if isinstance(block, np.ndarray) and len(block):
                        for heard in listener.feed(block):
                            handle(heard)
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 0
    return 0


def run_voice_demo(out_dir: Path, params_file: str | None, wav: str) -> int:
    """The demo's commands spoken (espeak-ng, or the WAV file/folder given) into the voice node of a
    graph started here, each followed to its outcome."""
    import rclpy

    from .core.speech.sources import read_wav_16k, wav_files
    from .core.speech.test_signals import speak
    from .demo import DEMO_COMMANDS, _outcome
    from .launcher import Graph, use_private_ros_domain, use_project_dds_profile
    from .ros.voice_client import VoiceClient

    # espeak voices Whisper tiny.en hears these sentences in (bench/voice_bench.py measures accuracy broadly)
    voices = {"is there a yellow ball?": "en-us+f3"}
    clips = ([(p.name, read_wav_16k(p)[0], None) for p in wav_files(wav)] if wav else
             [(text, speak(text, voices.get(text, "en-us"), 140), expected) for text, expected in DEMO_COMMANDS])
    out_dir.mkdir(parents=True, exist_ok=True)
    use_project_dds_profile()
    print(f"ROS domain {use_private_ros_domain()}, this machine only", flush=True)
    overrides = {"speech": {"output": "wav", "wav_dir": str((out_dir / "speech").resolve())}}
    failures = []
    with Graph(use_sim=True, params_file=params_file, log_dir=out_dir / "logs", voice=True, overrides=overrides) \
            as graph, rclpy.init(), VoiceClient("vlm_agent_voice_demo") as client:
        print("starting simulator, guard, grounding, planner, voice and speech ...", flush=True)
        if not (client.wait_for_graph(("sim", "guard", "grounding", "planner", "voice", "speech"), 180)
                and client.wait_for_voice(60)):
            print(f"the graph did not come up: {client.not_ready or 'the voice node is not listening'}\n"
                  f"node logs in {out_dir / 'logs'}\n{graph.report()}")
            return 1
        for name, audio, expected in clips:
            print(f"\n(speaking) {name}", flush=True)
            heard = client.said(np.concatenate([audio, np.zeros(8000, np.float32)]), realtime=True)
            for record in heard:
                print(f"   heard: {record['text']!r} (confidence {record['confidence']:.2f}, "
                      f"{record['latency_ms']:.0f} ms after speech) -> {record['decision']}"
                      + (f": {record['reason']}" if record["reason"] else ""), flush=True)
            acted = [client.traces[r["command_id"]] for r in heard if r["command_id"] in client.traces]
            for trace in acted:
                client.spin_until(lambda: trace.finished_at is not None, 60)
                _print_answer(trace)
            outcome = _outcome(acted[0]) if acted else "not understood"
            if expected is not None and outcome != expected:
                failures.append(name)
        print(f"\nspoken answers written to {out_dir / 'speech'}")
    print("\nvoice demo OK" if not failures else f"\nvoice demo FAILED for: {failures}")
    return 1 if failures else 0
