#!/usr/bin/env python3
"""llama.cpp's server (the pinned xllamacpp wheel, scripts/peers-requirements.txt) as a test
peer on loopback. Prints "listening http://127.0.0.1:PORT" once it answers, then serves until
killed. Run with the peers venv's python:  $(scripts/setup-peers)/python scripts/llama-peer.py MODEL.gguf
[--port N] [--alias NAME] [--api-key KEY] [--ctx N]"""
import argparse
import os
import socket
import threading
import sys
import time
import urllib.request

import xllamacpp


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--alias", default="qwen2.5-coder-0.5b-instruct")
    parser.add_argument("--api-key", default="")
    parser.add_argument("--ctx", type=int, default=8192)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.hostnames = ["127.0.0.1"]
    params.port = args.port or free_port()
    params.n_ctx = args.ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.model_alias = {args.alias}
    if args.api_key:
        params.api_keys = [args.api_key]
    server = xllamacpp.Server(params)
    url = "http://127.0.0.1:%d" % params.port
    for _ in range(600):
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except Exception:
            time.sleep(0.1)
    print("listening " + url, flush=True)
    # The test holds our stdin open; when it ends (the test process exited, even by a
    # crash), the peer goes too, so no server outlives its tests.
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    while server is not None:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
