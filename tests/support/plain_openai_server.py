#!/usr/bin/env python3
"""TEST DOUBLE: a plain OpenAI-compatible server on Python's http.server, the kind people write in
a few lines and the kind whose listen backlog is 5 unless told otherwise.

    plain_openai_server.py [--backlog N] [--http 1.0|1.1] [--latency-ms N]

Binds 127.0.0.1 on an ephemeral port and prints "PORT <n>" once listening. Every
POST /v1/chat/completions gets the same small reply ("<answer>42</answer>") after --latency-ms.
--http 1.0 closes the connection after every response (one connection per request, as
BaseHTTPRequestHandler does by default); 1.1 keeps connections alive. GET /stats answers
{"connections": accepted sockets, "requests": chat requests}. Runs until SIGTERM or SIGINT.
The connection tests of the HTTP backend (tests/llm/connection_test.cpp) drive it.
"""
import argparse
import http.server
import json
import signal
import socketserver
import sys
import threading
import time

parser = argparse.ArgumentParser()
parser.add_argument("--backlog", type=int, default=5)
parser.add_argument("--http", choices=["1.0", "1.1"], default="1.0")
parser.add_argument("--latency-ms", type=float, default=0.0)
args = parser.parse_args()

counts = {"connections": 0, "requests": 0}
counts_lock = threading.Lock()

REPLY = json.dumps({
    "id": "plain-1", "object": "chat.completion", "created": 0, "model": "plain",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "<answer>42</answer>"},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/" + args.http

    def log_message(self, *unused):
        pass

    def send_json(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with counts_lock:
            body = json.dumps(counts).encode()
        self.send_json(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        with counts_lock:
            counts["requests"] += 1
        if args.latency_ms > 0:
            time.sleep(args.latency_ms / 1000.0)
        self.send_json(REPLY)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = args.backlog

    def get_request(self):
        accepted = super().get_request()
        with counts_lock:
            counts["connections"] += 1
        return accepted


server = Server(("127.0.0.1", 0), Handler)
signal.signal(signal.SIGTERM, lambda *unused: threading.Thread(target=server.shutdown).start())
print("PORT", server.server_address[1], flush=True)
try:
    server.serve_forever(poll_interval=0.05)
except KeyboardInterrupt:
    pass
server.server_close()
sys.exit(0)
