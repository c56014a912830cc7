"""Contract tests: the OpenAI-compatible VLM client against a local HTTP server that answers in
the documented chat-completions format (loopback only), including failures."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from conftest import position_error

from vlm_agent.core.backends.remote import OpenAICompatibleClient, RemoteVLMBackend
from vlm_agent.core.errors import InputError
from vlm_agent.core.perception.grounding import Grounder


class FakeVLM(BaseHTTPRequestHandler):
    behaviour = []  # per request: "ok", "500", "slow", "garbage", "400"
    requests = []
    objects = []
    reply_text = None  # answer to prompts without a JSON schema

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeVLM.requests.append((self.path, dict(self.headers), body))
        mode = FakeVLM.behaviour.pop(0) if FakeVLM.behaviour else "ok"
        if mode == "slow":
            time.sleep(1.0)
        if mode in ("500", "400"):
            self.send_response(int(mode))
            self.end_headers()
            return
        content = "not json" if mode == "garbage" else json.dumps({"objects": FakeVLM.objects})
        if mode == "ok" and "response_format" not in body and FakeVLM.reply_text is not None:
            content = FakeVLM.reply_text
        reply = {"id": "x", "object": "chat.completion", "model": body["model"],
                 "choices": [{"index": 0, "finish_reason": "stop",
                              "message": {"role": "assistant", "content": content}}]}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeVLM)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    FakeVLM.behaviour, FakeVLM.requests, FakeVLM.objects, FakeVLM.reply_text = [], [], [], None
    yield f"http://127.0.0.1:{httpd.server_port}/v1"
    httpd.shutdown()


def _objects_from_truth(scene, rendered, frame):
    """Boxes the way a good VLM would report them: from the simulator's segmentation."""
    items = []
    for index, spec in enumerate(scene.objects):
        rows, cols = np.nonzero(rendered.segmentation == index)
        items.append({"label": {"sphere": "ball", "cylinder": "can"}.get(spec.shape, spec.shape),
                      "color": spec.color, "box": [int(cols.min()), int(rows.min()), int(cols.max()), int(rows.max())]})
    return items


def test_request_format_and_grounding_with_depth(server, tabletop):
    scene, rendered, frame, truth = tabletop
    FakeVLM.objects = _objects_from_truth(scene, rendered, frame)
    backend = RemoteVLMBackend(server, "qwen2.5-vl", api_key="secret", timeout_s=5)
    result = Grounder(backend).ground(frame, "pick up the ball")
    assert result.status == "ok" and position_error(result.target, truth["yellow_ball"]) < 0.03
    path, headers, body = FakeVLM.requests[0]
    assert path == "/v1/chat/completions" and headers["Authorization"] == "Bearer secret"
    image = body["messages"][0]["content"][1]
    assert image["type"] == "image_url" and image["image_url"]["url"].startswith("data:image/png;base64,")
    assert body["response_format"]["type"] == "json_schema" and body["temperature"] == 0
    Grounder(backend).ground(frame, "pick up the red cube")
    assert len(FakeVLM.requests) == 1  # one request per frame, whatever the number of commands


def test_retries_server_errors_then_succeeds(server):
    FakeVLM.behaviour = ["500", "500", "ok"]
    client = OpenAICompatibleClient(server, "m", timeout_s=5, retries=2)
    assert json.loads(client.chat("hi")) == {"objects": []} and len(FakeVLM.requests) == 3


@pytest.mark.parametrize("behaviour, message", [(["slow", "slow"], "failed after 2"), (["400"], "HTTP 400"),
                                                (["garbage"], "not the JSON")])
def test_failures_raise_clear_errors(server, behaviour, message, tabletop):
    FakeVLM.behaviour = list(behaviour)
    backend = RemoteVLMBackend(server, "m", timeout_s=0.3, retries=1)
    with pytest.raises(InputError, match=message):
        backend.propose(tabletop[2])


def test_questions_and_descriptions_go_to_the_server(server, tabletop):
    FakeVLM.reply_text = "The can is orange and  stands left of the plate."
    backend = RemoteVLMBackend(server, "m", timeout_s=5)
    result = Grounder(backend).ground(tabletop[2], "Which side of the plate is the can on?")
    assert result.status == "ok" and result.answer == "The can is orange and stands left of the plate."
    assert len(FakeVLM.requests) == 1  # one request: the question, no object listing before it
    prompt = FakeVLM.requests[-1][2]["messages"][0]["content"][0]["text"]
    assert prompt.startswith("Which side of the plate is the can on?")
    assert "response_format" not in FakeVLM.requests[-1][2]  # free text, no schema
    described = Grounder(backend).ground(tabletop[2], "describe the scene")
    assert described.answer == "The can is orange and stands left of the plate."


def test_unreachable_server_raises_so_callers_report_an_error(tabletop):
    backend = RemoteVLMBackend("http://127.0.0.1:9/v1", "m", timeout_s=0.5, retries=0)
    with pytest.raises(InputError):
        Grounder(backend).ground(tabletop[2], "pick up the red cube")


@pytest.mark.parametrize("objects, message", [
    ([{"label": "cube", "box": [1, 2, 3]}], "malformed object"),
    ([{"box": [1, 2, 3, 4]}], "malformed object"),
    ([{"label": "cube", "box": "left"}], "malformed object"),
])
def test_malformed_objects_are_errors_not_guesses(server, tabletop, objects, message):
    FakeVLM.objects = objects
    with pytest.raises(InputError, match=message):
        RemoteVLMBackend(server, "m", timeout_s=5).propose(tabletop[2])


def test_an_answer_without_an_object_list_is_an_error(server, tabletop):
    FakeVLM.behaviour = ["ok"]
    FakeVLM.objects = None
    with pytest.raises(InputError, match="no object list"):
        RemoteVLMBackend(server, "m", timeout_s=5).propose(tabletop[2])
