#!/usr/bin/env python3
"""A small Kafka Connect REST server for cutover's tests (not shipped).

It follows the documented API of Apache Kafka 3.5+ Connect:
  GET  /connectors                      -> ["a", "b"]
  GET  /connectors/{name}/status        -> {"name", "connector": {"state", "worker_id"},
                                            "tasks": [{"id", "state", "worker_id", "trace"?}],
                                            "type"}
  PUT  /connectors/{name}/pause|resume  -> 202 Accepted, no body
  PUT  /connectors/{name}/stop          -> 204 No Content (KIP-875)
  GET  /connectors/{name}/offsets       -> {"offsets": [{"partition": {...}, "offset": {...}}]}
  unknown connector                     -> 404 {"error_code": 404, "message": "..."}
  during a rebalance                    -> 409 {"error_code": 409, "message": "..."}
State changes take effect after `delay_ms`. A stopped connector has no tasks.

Usage: connect_server.py CONFIG.json PORT_FILE REQUEST_LOG [TLS_DIR]
CONFIG: {"connectors": {"name": {"state": "RUNNING", "tasks": 2, "type": "source",
          "stuck": false, "fail": false, "offsets": [[topic, partition, offset], ...]}},
         "delay_ms": 300, "rebalance_requests": 0, "auth": ["user", "password"] | null,
         "not_json": false, "answer_delay_ms": 0}
Every answer waits `answer_delay_ms` first (a slow but steady Connect worker).
With TLS_DIR, a test CA and a server certificate for localhost are made there with openssl
(TLS_DIR/ca.pem is the CA to trust) and the server speaks HTTPS.
"""

import base64
import json
import os
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONFIG_PATH, PORT_FILE, LOG = sys.argv[1], sys.argv[2], sys.argv[3]
TLS_DIR = sys.argv[4] if len(sys.argv) > 4 else None
with open(CONFIG_PATH) as f:
    CONFIG = json.load(f)
WORKER = CONFIG.get("worker_id", "10.0.0.7:8083")
LOCK = threading.RLock()
DELAY = CONFIG.get("delay_ms", 300) / 1000.0
REBALANCE_LEFT = [CONFIG.get("rebalance_requests", 0)]


class Connector:
    def __init__(self, name, spec):
        self.name = name
        self.spec = spec
        self.tasks = spec.get("tasks", 1)
        self.state = spec.get("state", "RUNNING")  # the state reported now
        self.target = self.state
        self.due = 0.0

    def settle(self):
        if self.target != self.state and time.time() >= self.due:
            self.state = self.target

    def status(self):
        self.settle()
        body = {
            "name": self.name,
            "connector": {"state": self.state, "worker_id": WORKER},
            "tasks": [],
            "type": self.spec.get("type", "source"),
        }
        if self.state != "STOPPED":
            for i in range(self.tasks):
                task = {"id": i, "state": self.state, "worker_id": WORKER}
                if self.spec.get("stuck") and self.state == "PAUSED":
                    task["state"] = "RUNNING"
                if self.spec.get("fail") and i == 0:
                    task["state"] = "FAILED"
                    task["trace"] = "org.apache.kafka.connect.errors.ConnectException: test failure\n\tat Test.run(Test.java:1)\n"
                body["tasks"].append(task)
        return body

    def change(self, state):
        self.settle()
        self.target = state
        self.due = time.time() + DELAY


CONNECTORS = {name: Connector(name, spec) for name, spec in CONFIG["connectors"].items()}


def log(line):
    with LOCK:
        with open(LOG, "a") as f:
            f.write(line + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        if CONFIG.get("not_json") and body is not None:
            data = b"<html><body>Bad Gateway</body></html>"
        self.send_response(code)
        if body is not None:
            self.send_header("Content-Type", "application/json" if not CONFIG.get("not_json") else "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        auth = CONFIG.get("auth")
        if not auth:
            return True
        expected = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        if self.headers.get("Authorization") == expected:
            return True
        self.reply(401, {"error_code": 401, "message": "User cannot access the resource."})
        return False

    def handle_any(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = urllib.parse.unquote(self.path)
        log(f"{method} {path}")
        time.sleep(CONFIG.get("answer_delay_ms", 0) / 1000.0)
        if not self.authorized():
            return
        with LOCK:
            if REBALANCE_LEFT[0] > 0:
                REBALANCE_LEFT[0] -= 1
                log("  answered 409 (rebalance)")
                return self.reply(409, {"error_code": 409, "message": "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)"})
        parts = path.strip("/").split("/")
        if parts == ["connectors"] and method == "GET":
            return self.reply(200, sorted(CONNECTORS))
        if len(parts) != 3 or parts[0] != "connectors":
            return self.reply(404, {"error_code": 404, "message": "HTTP 404 Not Found"})
        name, verb = parts[1], parts[2]
        connector = CONNECTORS.get(name)
        if connector is None:
            return self.reply(404, {"error_code": 404, "message": f"Connector {name} not found"})
        with LOCK:
            if method == "GET" and verb == "status":
                return self.reply(200, connector.status())
            if method == "GET" and verb == "offsets":
                offsets = [
                    {"partition": {"cluster": "source", "partition": p, "topic": t}, "offset": {"offset": o}}
                    for (t, p, o) in connector.spec.get("offsets", [])
                ]
                return self.reply(200, {"offsets": offsets})
            if method == "PUT" and verb in ("pause", "resume", "stop"):
                connector.change({"pause": "PAUSED", "resume": "RUNNING", "stop": "STOPPED"}[verb])
                return self.reply(204 if verb == "stop" else 202)
        return self.reply(405, {"error_code": 405, "message": "HTTP 405 Method Not Allowed"})

    def do_GET(self):
        self.handle_any("GET")

    def do_PUT(self):
        self.handle_any("PUT")


def make_tls(dir):
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    os.makedirs(dir, exist_ok=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=cutover test CA",
        "-keyout", f"{dir}/ca.key", "-out", f"{dir}/ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
        "-keyout", f"{dir}/server.key", "-out", f"{dir}/server.csr")
    with open(f"{dir}/ext.cnf", "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", f"{dir}/server.csr", "-CA", f"{dir}/ca.pem", "-CAkey", f"{dir}/ca.key",
        "-CAcreateserial", "-days", "2", "-out", f"{dir}/server.pem", "-extfile", f"{dir}/ext.cnf")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if TLS_DIR:
    make_tls(TLS_DIR)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(f"{TLS_DIR}/server.pem", f"{TLS_DIR}/server.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
