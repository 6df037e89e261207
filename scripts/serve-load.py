#!/usr/bin/env python3
"""A bounded load on `takumi serve`: N clients, each sending chat completions back to back for
S seconds. Reports every status seen, latency percentiles of the answered requests and the
server's peak resident memory (from /proc, when --pid is given). Standard library only.
  scripts/serve-load.py URL [--clients 16] [--seconds 60] [--max-tokens 16] [--pid PID]"""
import argparse
import json
import threading
import time
import urllib.error
import urllib.request


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--pid", type=int)
    args = parser.parse_args()
    end = time.time() + args.seconds
    lock = threading.Lock()
    statuses, latencies, errors = {}, [], []
    prompts = ["Write a Python function that %s." % what for what in
               ("adds two numbers", "reverses a string", "checks for a prime", "sums a list")]

    def client(number):
        i = 0
        while time.time() < end:
            body = {"messages": [{"role": "user", "content": prompts[(number + i) % len(prompts)]}],
                    "max_tokens": args.max_tokens}
            i += 1
            request = urllib.request.Request(args.url + "/v1/chat/completions", data=json.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"})
            started = time.time()
            try:
                with urllib.request.urlopen(request, timeout=600) as answer:
                    json.load(answer)
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
                if status == 429:
                    time.sleep(0.2)  # a polite client backs off
            except Exception as error:  # a dropped connection would be a server failure
                status = "error"
                with lock:
                    errors.append(repr(error))
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    latencies.append(time.time() - started)

    peak = [0]

    def sample():
        while time.time() < end + 1 and args.pid:
            try:
                with open("/proc/%d/status" % args.pid) as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            peak[0] = max(peak[0], int(line.split()[1]))
            except OSError:
                pass
            time.sleep(0.5)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    monitor = threading.Thread(target=sample)
    monitor.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    monitor.join()
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 2) if latencies else None

    print(json.dumps({"clients": args.clients, "seconds": args.seconds, "statuses": {str(k): v for k, v in statuses.items()},
                      "answered": len(latencies), "latency_s": {"p50": pct(50), "p90": pct(90), "p99": pct(99),
                                                                 "max": latencies[-1] if latencies else None},
                      "peak_rss_mb": round(peak[0] / 1024, 1) if peak[0] else None, "errors": errors[:5]}))


if __name__ == "__main__":
    main()
