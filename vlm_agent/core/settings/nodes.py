"""The settings of every node, declared once. A node's parameters, its block in config/agent.yaml,
its launch arguments and the README tables all come from the class registered in NODE_SETTINGS.

A new node adds a frozen dataclass here (fields made with `setting(...)`) and one line in
NODE_SETTINGS; its ROS adapter calls `declare_settings(self, MySettings)`."""
from __future__ import annotations

from dataclasses import dataclass

from ..backends import BACKENDS, BackendSettings
from ..language.extra_vocabulary import vocabulary_problem
from ..planning.planner import PlannerConfig
from ..perception.privacy import MODES as PRIVACY_MODES
from ..safety.plan_guard import ExecutionLimits, PlanGuard, Workspace
from ..safety.separation import SeparationConfig
from ..speech.activation import MODES as ACTIVATION_MODES
from ..speech.snapping import SnapConfig
from ..speech.tts import DEFAULT_PLAY, DEFAULT_WAV, OUTPUTS as SPEECH_OUTPUTS, TtsConfig
from ..speech.vad import VadConfig
from .schema import setting

BASE_FRAME = "base_link"                     # REP 105
CAMERA_FRAME = "camera_color_optical_frame"  # REP 103 optical frame (z forward, x right, y down)
_WORKSPACE, _PLANNER, _LIMITS, _PLAN_GUARD = Workspace(), PlannerConfig(), ExecutionLimits(), PlanGuard()
_SEPARATION, _TTS, _VAD, _SNAP = SeparationConfig(), TtsConfig(), VadConfig(), SnapConfig()
RELIABILITIES = ("reliable", "best_effort")


@dataclass(frozen=True)
class GateKeySettings:
    gate_key_file: str = setting("", "File with the HMAC key that signs approvals ('' = the VLM_AGENT_GATE_KEY_FILE "
                                 "variable, else ~/.config/vlm_agent/gate.key, created on first use).")


@dataclass(frozen=True)
class HealthSettings:
    """Thresholds of the /diagnostics levels every managed node publishes."""
    latency_warn_ms: float = setting(1000.0, "/diagnostics WARN when a stage's p95 latency exceeds this.",
                                     unit="ms", minimum=0.0, runtime=True)
    latency_error_ms: float = setting(5000.0, "/diagnostics ERROR when a stage's p95 latency exceeds this.",
                                      unit="ms", minimum=0.0, runtime=True)


@dataclass(frozen=True)
class FrameAgeSettings:
    """How old the latest camera frame may be, for every node that reads the camera (node clock:
    sim time under use_sim_time)."""
    max_frame_age_s: float = setting(2.0, "A latest frame older than this (node clock: sim time under use_sim_time) "
                                     "means the camera stopped: /diagnostics ERROR; grounding answers no command "
                                     "with it.", unit="s", minimum=0.0, runtime=True)
    frame_age_warn_s: float = setting(1.0, "/diagnostics WARN when the latest frame is older than this.", unit="s",
                                      minimum=0.0, runtime=True)
    max_frame_future_s: float = setting(0.5, "A frame stamped further than this in the future (clock skew, wrong "
                                        "stamps, a clock that jumped back): /diagnostics ERROR; grounding rejects "
                                        "it.", unit="s", minimum=0.0, runtime=True)


@dataclass(frozen=True)
class CameraPoseSettings:
    """Where the camera is, for every node that puts what it sees into the base frame."""
    base_from_camera: tuple[float, ...] = setting([0.0], "Static camera pose: 16 floats, row-major 4x4 "
                                                  "base_from_camera; [0.0] = camera_pose_source decides.", length=16)
    camera_pose_source: str = setting("topic", "Where the camera pose comes from when base_from_camera is [0.0]: "
                                      "topic (PoseStamped on camera/pose, in base_frame, from one publisher) or "
                                      "tf (base_frame <- the image's frame_id at the image's stamp; needs tf2_ros).",
                                      choices=("topic", "tf"))
    max_camera_pose_jump_m: float = setting(0.05, "A camera/pose further than this from the last accepted one is "
                                            "used only after the node's confirm_camera_pose service is called.",
                                            unit="m", minimum=0.0, runtime=True)
    max_camera_pose_jump_deg: float = setting(5.0, "The same for rotation.", unit="deg", minimum=0.0, runtime=True)


@dataclass(frozen=True)
class PeopleTrustSettings:
    """Where people detections come from, for every node that reads vlm_agent/people."""
    people_source: str = setting("/people", "Fully qualified name of the only node trusted on vlm_agent/people "
                                 "(the people detector); detections from any other publisher are ignored.")
    people_max_age_s: float = setting(_SEPARATION.max_age_s, "People detections older than this mean the detector "
                                      "is down (no person can be ruled out).", unit="s", minimum=0.0)


@dataclass(frozen=True)
class PeopleStaleSettings(PeopleTrustSettings):
    people_stale_action: str = setting(_SEPARATION.on_stale, "Detector down or stale: halt (fail closed: no plan "
                                       "released, motion held) or warn (go on with a loud warning).",
                                       choices=("halt", "warn"))


@dataclass(frozen=True)
class ExecutorSettings(PeopleStaleSettings, GateKeySettings):
    """What every plan executor (simulator, Gazebo, a robot driver on PlanExecutorNode) reads."""
    base_frame: str = setting(BASE_FRAME, "Robot base frame (REP 105); plans must be in it.")
    speedup: float = setting(4.0, "Simulated seconds per wall-clock second while executing plans.",
                             minimum=0.1, maximum=100.0)
    workspace_min: tuple[float, ...] = setting(_WORKSPACE.minimum, "Executor's own workspace lower corner x, y, z "
                                               "in base_frame (defence in depth).", unit="m", length=3)
    workspace_max: tuple[float, ...] = setting(_WORKSPACE.maximum, "Executor's own workspace upper corner x, y, z "
                                               "in base_frame.", unit="m", length=3)
    max_speed: float = setting(_LIMITS.max_speed, "Highest speed the executor will move at.", unit="m/s",
                               minimum=0.0)
    max_steps: int = setting(_LIMITS.max_steps, "Most steps in one plan.", minimum=1)
    max_plan_duration_s: float = setting(_LIMITS.max_duration_s, "Longest plan the executor will run.", unit="s",
                                         minimum=0.0)
    separation_stop_distance: float = setting(_SEPARATION.stop_distance, "A person this close (horizontal) to the "
                                              "arm or its remaining path stops the plan at once.", unit="m",
                                              minimum=0.0)
    separation_slow_distance: float = setting(_SEPARATION.slow_distance, "A person this close caps the speed "
                                              "(not below separation_stop_distance).", unit="m", minimum=0.0)
    separation_slow_speed: float = setting(_SEPARATION.slow_speed, "Speed cap inside the slow zone.", unit="m/s",
                                           minimum=0.0)
    separation_clear_time_s: float = setting(_SEPARATION.clear_time_s, "The zone must stay clear this long before "
                                             "speed comes back.", unit="s", minimum=0.0)
    separation_max_pause_s: float = setting(20.0, "A plan held still longer than this is halted.", unit="s",
                                            minimum=0.0)


@dataclass(frozen=True)
class SimSettings(ExecutorSettings):
    scene: str = setting("tabletop", "Built-in scene name or path to a scene YAML.")
    depth_noise: str = setting("none", "Simulated depth sensor error: none, d435, d455 or zed2, optionally "
                               "times a factor (d435x2); see vlm_agent/core/sim/depth_noise.py.")
    publish_rate: float = setting(5.0, "Camera frames per second.", unit="Hz", minimum=0.1, maximum=60.0)
    depth_encoding: str = setting("32FC1", "Depth image encoding: 32FC1 (metres) or 16UC1 (millimetres).",
                                  choices=("32FC1", "16UC1"))
    image_reliability: str = setting("reliable", "QoS reliability of the image publishers. Reliable was measured "
                                     "to be the only one that delivers 640x480 frames between processes.",
                                     choices=RELIABILITIES)
    camera_frame: str = setting(CAMERA_FRAME, "Camera optical frame id (REP 103).")
    publish_clock: bool = setting(False, "Publish the simulated time on /clock (rosgraph_msgs/Clock; it starts at 0 "
                                  "and runs at speedup times wall-clock time) and follow it (use_sim_time on this "
                                  "node); the other nodes follow it with use_sim_time true. publish_rate is then "
                                  "per simulated second.")
    tasks: bool = setting(True, "Serve the ExecuteTask action (vlm_agent/execute) and the Ground service "
                          "(vlm_agent/ground) on this world: multi-step tasks, checked by a command guard and a "
                          "plan guard in this node, run through the same control loop and separation monitoring.")
    task_guard_embedding: bool = setting(True, "The task command guard runs its learned layer (sentence "
                                         "embeddings; loads the MiniLM model into the sim process).")
    task_audit_log: str = setting("~/.vlm_agent/task_audit.jsonl", "Every task's verdicts (JSON lines).")


@dataclass(frozen=True)
class GazeboExecutorSettings(ExecutorSettings):
    """launch/gazebo.launch.py's executor; its block is written by `vlm-agent export-gazebo`
    (gazebo_params.yaml), not config/agent.yaml."""
    scene: str = setting("tabletop", "The scene exported to the gz world (scene.yaml of export-gazebo).")
    world_name: str = setting("tabletop", "gz world name (for messages).")


@dataclass(frozen=True)
class CameraSettings:
    source: str = setting("0", "Device index, video file, image folder or SCENE_DIR.", launch="camera_source")
    camera_info_path: str = setting("", "ROS camera_info YAML with the calibration ('' = SCENE_DIR's camera.yaml, "
                                    "or a guess from the image size with a 60 degree field of view).")
    frame_rate: float = setting(5.0, "Frames per second to publish.", unit="Hz", minimum=0.1, maximum=120.0)
    image_reliability: str = setting("reliable", "QoS reliability of the image publishers.", choices=RELIABILITIES)
    frame_id: str = setting(CAMERA_FRAME, "Optical frame id of the images (REP 103).")
    base_frame: str = setting(BASE_FRAME, "Frame of the published camera pose (REP 105).")
    loop: bool = setting(True, "Restart video files and image folders at the end.")


@dataclass(frozen=True)
class GuardSettings(PeopleStaleSettings, HealthSettings, GateKeySettings):
    base_frame: str = setting(_PLAN_GUARD.base_frame, "Frame plans must be expressed in (REP 105).")
    workspace_min: tuple[float, ...] = setting(_WORKSPACE.minimum, "Workspace lower corner x, y, z in base_frame.",
                                               unit="m", length=3)
    workspace_max: tuple[float, ...] = setting(_WORKSPACE.maximum, "Workspace upper corner x, y, z in base_frame.",
                                               unit="m", length=3)
    max_speed: float = setting(_PLAN_GUARD.max_speed, "Highest end-effector speed a plan may request.", unit="m/s", minimum=0.0,
                               runtime=True, safer="lower")
    keep_out_zones: tuple[float, ...] = setting([0.0], "Boxes no plan step may enter: 6 floats each (min x, y, z, "
                                                "max x, y, z) in base_frame; [0.0] = none.", unit="m", multiple_of=6)
    person_clearance: float = setting(_PLAN_GUARD.person_clearance, "Distance a plan keeps from people on the people topic.", unit="m",
                                      minimum=0.0, runtime=True, safer="higher")
    near_person: str = setting(_PLAN_GUARD.near_person, "refuse, or slow (cap speeds at slow_speed) near people.",
                               choices=("refuse", "slow"))
    slow_speed: float = setting(_PLAN_GUARD.slow_speed, "Speed cap near people in slow mode.", unit="m/s", minimum=0.0, runtime=True,
                                safer="lower")
    sweep_radius: float = setting(_PLAN_GUARD.sweep_radius, "Radius of the gripper and what it holds, swept along the path.", unit="m",
                                  minimum=0.0, runtime=True, safer="higher")
    hazard_clearance: float = setting(_PLAN_GUARD.hazard_clearance, "Distance a hazardous object (knife, scissors, ...) is carried from "
                                      "people.", unit="m", minimum=0.0, runtime=True, safer="higher")
    forbidden_labels: tuple[str, ...] = setting(_PLAN_GUARD.forbidden_labels, "Object categories a plan may "
                                                "never handle.", runtime=True, safer="more")
    guard_config: str = setting("", "Guard rules and examples ('' = config/guard.yaml).")
    use_embedding_guard: bool = setting(True, "Run the sentence-embedding layer.")
    check_timeout_s: float = setting(0.5, "A command check that has not answered within this time is refused.",
                                     unit="s", minimum=0.01, runtime=True)
    plan_deadline_s: float = setting(2.0, "An approved plan must be taken up by the executor within this time; "
                                     "executors ignore it afterwards.", unit="s", minimum=0.1, runtime=True,
                                     safer="lower")
    stage_timeout_s: float = setting(15.0, "Longest wait for grounding or planning of one command before it is "
                                     "answered with an error.", unit="s", minimum=0.1)
    execution_timeout_s: float = setting(60.0, "Longest silence of the executor while it runs a plan.", unit="s",
                                         minimum=0.1)
    image_guard_model_path: str = setting("", "ShieldGemma 2 weights to check the camera image before releasing a "
                                          "plan ('' = off).")
    image_guard_threshold: float = setting(0.5, "ShieldGemma 2 'Yes' probability that refuses (above 1 = never).",
                                           minimum=0.0, runtime=True, safer="lower")
    audit_log: str = setting("~/.vlm_agent/guard_audit.jsonl", "Append-only JSON-lines audit log.")
    max_commands: int = setting(20, "Commands accepted per rate_window_s from one source; more are answered busy.",
                                minimum=1, runtime=True)
    rate_window_s: float = setting(10.0, "Rate-limit window.", unit="s", minimum=0.1, runtime=True)
    queue_warn: int = setting(5, "/diagnostics WARN when more commands than this wait for their check.", minimum=1,
                              runtime=True)


@dataclass(frozen=True)
class GroundingSettings(CameraPoseSettings, FrameAgeSettings, PeopleTrustSettings, HealthSettings,
                        GateKeySettings, BackendSettings):
    backend: str = setting("rgbd_geometry", "Grounding backend: rgbd_geometry (embedded default), owl "
                           "(OWL-ViT/OWLv2), grounding_dino, florence2 or qwen2_5_vl (weights in model_path), or "
                           "remote (OpenAI-compatible VLM server).", choices=BACKENDS, launch="backend")
    image_reliability: str = setting("auto", "Image subscriptions: auto (match the publishers), reliable or "
                                     "best_effort.", choices=("auto", *RELIABILITIES))
    sync_slop_s: float = setting(0.05, "Max stamp difference between RGB and depth of one frame.", unit="s",
                                 minimum=0.0)
    base_frame: str = setting(BASE_FRAME, "Robot base frame for poses and plans (REP 105).")
    synonyms_model_path: str = setting("", "Sentence-embedding model folder for unknown nouns; '' = the bundled "
                                       "MiniLM, 'none' = off.")
    vocabulary_extra: tuple[str, ...] = setting([], "Object words beyond the built-in ones: 'word' names a new kind "
                                                "of object that open-vocabulary backends look for, "
                                                "'word=known_word' a synonym (thermos=can: grounded like a can).",
                                                runtime=True, check=vocabulary_problem)
    publish_annotated_image: bool = setting(True, "Publish vlm_agent/annotated_image.", runtime=True)
    annotated_people: str = setting("box", "People in vlm_agent/annotated_image: box (covered), blur, or show "
                                    "(opt-in).", choices=PRIVACY_MODES)
    latency_warn_ms: float = setting(2000.0, "/diagnostics WARN when a stage's p95 latency exceeds this.",
                                     unit="ms", minimum=0.0, runtime=True)
    latency_error_ms: float = setting(10000.0, "/diagnostics ERROR when a stage's p95 latency exceeds this.",
                                      unit="ms", minimum=0.0, runtime=True)


@dataclass(frozen=True)
class PlannerSettings(HealthSettings, GateKeySettings):
    approach_height: float = setting(_PLANNER.approach_height, "Height above objects before descending.", unit="m",
                                     minimum=0.0, runtime=True)
    lift_height: float = setting(_PLANNER.lift_height, "Lift after grasping.", unit="m", minimum=0.0, runtime=True)
    place_gap: float = setting(_PLANNER.place_gap, "Gap left beside a reference object.", unit="m", minimum=0.0,
                               runtime=True)
    push_distance: float = setting(_PLANNER.push_distance, "How far a push moves.", unit="m", minimum=0.0,
                                   runtime=True)
    point_height: float = setting(_PLANNER.point_height, "Pointing height above objects.", unit="m", minimum=0.0,
                                  runtime=True)
    max_speed: float = setting(_PLANNER.max_speed, "Free-motion speed.", unit="m/s", minimum=0.0, runtime=True)
    contact_speed: float = setting(_PLANNER.contact_speed, "Speed near contact.", unit="m/s", minimum=0.0,
                                   runtime=True)
    base_frame: str = setting(_PLANNER.base_frame, "Frame plans are expressed in (REP 105).")
    handover_distance: float = setting(_PLANNER.handover_distance, "A handed object (\"give the cup to the person\") "
                                       "is released this far short of the person's centre.", unit="m", minimum=0.0,
                                       runtime=True)
    handover_height: float = setting(_PLANNER.handover_height, "Height the handed object is released at.", unit="m",
                                     minimum=0.0, runtime=True)


@dataclass(frozen=True)
class PeopleSettings(CameraPoseSettings, FrameAgeSettings, HealthSettings):
    model_dir: str = setting("", "Folder with the MediaPipe .tflite person models ('' = the package's models/ data "
                             "folder, filled by scripts/setup.sh).")
    min_score: float = setting(0.5, "Lowest person-detector score reported.", minimum=0.0, maximum=1.0)
    use_mask: bool = setting(True, "Selfie-segmentation person mask for tight boxes and positions.")
    max_rate: float = setting(15.0, "Most frames processed per second.", unit="Hz", minimum=0.1, maximum=120.0)
    image_reliability: str = setting("auto", "Image subscriptions: auto (match the publishers), reliable or "
                                     "best_effort.", choices=("auto", *RELIABILITIES))
    sync_slop_s: float = setting(0.05, "Max stamp difference between RGB and depth of one frame.", unit="s",
                                 minimum=0.0)
    base_frame: str = setting(BASE_FRAME, "Frame of the published positions (REP 105).")
    track_max_missed: int = setting(5, "Frames a person may go unseen and keep their id.", minimum=0)


@dataclass(frozen=True)
class VoiceSettings(HealthSettings):
    enabled: bool = setting(False, "Start the voice and speech nodes with the graph (launch argument voice:=true "
                            "and `vlm-agent launch --voice` do too).")
    source: str = setting("topic", "Audio input: topic (vlm_agent/AudioChunk on audio_topic), microphone or file.",
                          choices=("topic", "microphone", "file"))
    audio_topic: str = setting("audio", "vlm_agent/AudioChunk input (source topic).")
    device: str = setting("", "Microphone index or name ('' = the system's default input).")
    file: str = setting("", "WAV file or folder (source file).")
    recognizer: str = setting("whisper", "Speech recogniser: whisper (tiny.en, int8) or sphinx (pocketsphinx + "
                              "JSGF command grammar).", choices=("whisper", "sphinx"))
    model_path: str = setting("", "CTranslate2 Whisper folder ('' = the bundled tiny.en).")
    threads: int = setting(1, "Recogniser CPU threads.", minimum=1)
    activation: str = setting("always_on", "always_on, wake_phrase (\"robot, ...\") or push_to_talk "
                              "(vlm_agent/voice/talk).", choices=ACTIVATION_MODES)
    wake_phrase: str = setting("robot", "Word that must start a command (wake_phrase mode).")
    min_confidence: float = setting(0.65, "Transcripts below this are never executed (\"Sorry, I did not catch "
                                    "that\").", minimum=0.0, maximum=1.0)
    max_no_speech_prob: float = setting(0.6, "Above this the audio is not speech.", minimum=0.0, maximum=1.0)
    snap_to_vocabulary: bool = setting(True, "Replace a heard word the robot does not know by the vocabulary word it "
                                       "sounds most like (\"read cube\" -> \"red cube\") when the match is close and "
                                       "unambiguous; the guard checks the text before and after.")
    snap_max_distance: float = setting(_SNAP.max_distance, "Largest phoneme distance of a snap (0 same sounds, "
                                       "about 1 unrelated).", minimum=0.0, maximum=1.0)
    snap_min_margin: float = setting(_SNAP.min_margin, "How much farther the next-nearest vocabulary word must be "
                                     "(nearer: ambiguous, not snapped).", minimum=0.0, maximum=1.0)
    vad_threshold: float = setting(_VAD.threshold, "Silero VAD speech probability that starts an utterance.",
                                   minimum=0.0, maximum=1.0)
    min_silence_s: float = setting(_VAD.min_silence_s, "Silence that ends an utterance.", unit="s", minimum=0.0)
    pre_roll_s: float = setting(_VAD.pre_roll_s, "Audio kept before the detected start of speech.", unit="s",
                                minimum=0.0)
    max_utterance_s: float = setting(_VAD.max_utterance_s, "Longest utterance.", unit="s", minimum=0.1)
    audit_log: str = setting("~/.vlm_agent/voice_audit.jsonl", "Voice decisions (JSON lines).")


@dataclass(frozen=True)
class SpeechSettings:
    output: str = setting(_TTS.output, "auto (play if an audio device exists, else WAV files), play or wav.",
                          choices=SPEECH_OUTPUTS)
    voice: str = setting(_TTS.voice, "TTS (espeak-ng) voice.")
    rate: int = setting(_TTS.rate, "Words per minute.", minimum=1)
    play_command: str = setting(DEFAULT_PLAY, "Command that speaks {text} aloud.")
    wav_command: str = setting(DEFAULT_WAV, "Command that writes {text} to {wav}.")
    wav_dir: str = setting("~/.vlm_agent/speech", "Folder for WAV files.")
    stages: tuple[str, ...] = setting(["planner", "guard", "voice"], "Explanation stages spoken.")


@dataclass(frozen=True)
class TaskSettings:
    """The stand-alone task node (ExecuteTask action, Ground service on a simulator of its own,
    scripts/task_node); in the graph the sim node serves them (SimSettings.tasks)."""
    scene: str = setting("tabletop", "Built-in scene name or scene YAML the simulated executor runs.")
    speedup: float = setting(4.0, "Simulated seconds per wall-clock second while executing (0: no pacing).",
                             minimum=0.0)
    grasp_slip: float = setting(0.0, "Fault injection: probability that a grasp slips.", minimum=0.0, maximum=1.0)
    guard_embedding: bool = setting(True, "Run the command guard's learned layer (sentence embeddings).")
    base_frame: str = setting(BASE_FRAME, "Robot base frame (REP 105).")
    task_audit_log: str = setting("~/.vlm_agent/task_audit.jsonl", "Every task's verdicts (JSON lines).")


@dataclass(frozen=True)
class LifecycleManagerSettings:
    node_names: tuple[str, ...] = setting(["grounding", "planner", "people", "guard"], "Lifecycle nodes: "
                                          "configured all at once, then activated in this order (the guard last: "
                                          "the gate opens when the rest can serve); shut down in reverse. The "
                                          "launchers add voice before the guard when the voice nodes run.")
    autostart: bool = setting(True, "Configure and activate the nodes at start.", launch="autostart")
    transition_timeout_s: float = setting(600.0, "Longest wait for one node's transition (configure loads "
                                          "models: minutes on a loaded CPU).", unit="s", minimum=1.0)


NODE_SETTINGS = {"sim": SimSettings, "camera": CameraSettings, "guard": GuardSettings,
                 "grounding": GroundingSettings, "planner": PlannerSettings, "people": PeopleSettings,
                 "voice": VoiceSettings, "speech": SpeechSettings, "lifecycle_manager": LifecycleManagerSettings}
# nodes started outside config/agent.yaml's graph, with parameters files of their own
STANDALONE_SETTINGS = {"gazebo_executor": GazeboExecutorSettings, "tasks": TaskSettings}
