#!/usr/bin/env python3
"""Drives an OpenAI-compatible server (takumi serve) with real clients and prints one JSON
object with what came back: the openai package (chat, streaming chat, completions with
suffix) and llama.vim's /infill request. Run with the peers venv's python:
  $(scripts/setup-peers)/python scripts/serve-clients.py URL [API_KEY]"""
import json
import sys
import urllib.request

import openai

url, key = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "none")
client = openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0, timeout=600)
out = {}
models = client.models.list()
model = models.data[0].id
out["models"] = [m.id for m in models.data]

chat = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Say hello."}], max_tokens=16)
out["chat"] = {"text": chat.choices[0].message.content, "finish_reason": chat.choices[0].finish_reason,
               "usage": chat.usage.model_dump() if chat.usage else None}

pieces, usage = [], None
for chunk in client.chat.completions.create(model=model, messages=[{"role": "user", "content": "Say hello."}], max_tokens=16,
                                            stream=True, stream_options={"include_usage": True}):
    if chunk.choices and chunk.choices[0].delta.content:
        pieces.append(chunk.choices[0].delta.content)
    if chunk.usage:
        usage = chunk.usage.model_dump()
out["stream"] = {"pieces": pieces, "usage": usage}

completion = client.completions.create(model=model, prompt="def add(a, b):\n    return ", suffix="\n", max_tokens=4)
out["completion"] = {"text": completion.choices[0].text, "finish_reason": completion.choices[0].finish_reason}

try:
    client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "x"}], max_tokens=4)
    out["unknown_model"] = None
except openai.NotFoundError as error:
    out["unknown_model"] = {"status": error.status_code, "code": error.code}

# llama.vim's request shape (its fields as it sends them; the server ignores what it does not use).
infill = {"input_prefix": "def add(a, b):\n", "input_suffix": "\n", "prompt": "    return ",
          "input_extra": [{"filename": "util.py", "text": "def sub(a, b):\n    return a - b\n"}],
          "n_predict": 8, "top_k": 40, "top_p": 0.99, "stream": False, "samplers": ["top_k", "top_p", "infill"],
          "cache_prompt": True, "t_max_prompt_ms": 500, "t_max_predict_ms": 1000,
          "response_fields": ["content", "timings/prompt_n", "timings/predicted_n"]}
request = urllib.request.Request(url + "/infill", data=json.dumps(infill).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + key})
with urllib.request.urlopen(request, timeout=600) as answer:
    body = json.load(answer)
out["infill"] = {"content": body.get("content"), "stop": body.get("stop"), "timings": body.get("timings")}
print(json.dumps(out))
