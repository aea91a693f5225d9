#!/usr/bin/python3
"""Slow clients for bench/slowloris.sh (standard library only).

  slowloris.py hold  --port P [--source 127.0.0.5] [--conns 4200] [--interval 5] ...
      Keep CONNS connections from SOURCE to 127.0.0.1:P, each sending the start of a
      request ("GET /health HTTP/1.1\\r\\n") and then one byte of a header line every
      INTERVAL seconds, never finishing it. A connection the server closes is opened
      again after RECONNECT seconds. Runs until SIGTERM (or DURATION seconds), then
      prints one JSON line: attempts, how many were closed at once (refused: within 1 s of connecting,
      before anything was read from them), cut later (with how long they had lived),
      connects that timed out, and the open connections over time.

  slowloris.py probe --port P [--rate 20] [--duration 20] [--timeout 5]
      GET /health on a new connection from 127.0.0.1, RATE times a second, each
      answer awaited up to TIMEOUT seconds; prints one JSON line: probes, ok, failed,
      latency percentiles in ms (of the answered ones) and the failures' kinds.
"""
import argparse
import json
import resource
import selectors
import signal
import socket
import statistics
import sys
import threading
import time

IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pct(values, p):
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * len(values) + 0.5)) - 1))
    return round(values[k], 2)


# ---------------------------------------------------------------- hold

class Slot:
    __slots__ = ("sock", "state", "t_connect", "t_open", "next_at", "sent")

    def __init__(self):
        self.sock = None
        self.state = "idle"      # idle (waiting to connect), connecting, open
        self.t_connect = 0.0
        self.t_open = 0.0
        self.next_at = 0.0       # idle: when to connect; open: when to send the next byte
        self.sent = 0


def hold(a):
    nofile = raise_nofile()
    if nofile < a.conns + 64:
        sys.exit(f"slowloris.py: open-file limit {nofile} is below {a.conns} connections")
    sel = selectors.DefaultSelector()
    slots = [Slot() for _ in range(a.conns)]
    start = time.monotonic()
    # connect in a ramp so a listen backlog is not flooded in one instant
    for i, s in enumerate(slots):
        s.next_at = start + i * a.ramp / max(1, a.conns)
    st = {"attempts": 0, "refused": 0, "cut": 0, "connect_timeouts": 0, "connect_errors": 0}
    lifetimes = []
    samples = []          # (t, open)
    n_open = 0
    next_sample = start + 1.0
    end = start + a.duration
    req = b"GET /health HTTP/1.1\r\nHost: bench\r\nX-Slow: "
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))

    def close_slot(s, now, reason):
        nonlocal n_open
        if s.sock is not None:
            try:
                sel.unregister(s.sock)
            except (KeyError, ValueError):
                pass
            s.sock.close()
            s.sock = None
        if s.state == "open":
            n_open -= 1
            life = now - s.t_open
            if reason == "eof" and life < 1.0 and s.sent <= 1:
                st["refused"] += 1
            else:
                st["cut"] += 1
                lifetimes.append(life)
        s.state = "idle"
        s.next_at = now + a.reconnect

    while True:
        now = time.monotonic()
        if now >= end or stop:
            break
        if now >= next_sample:
            samples.append((round(now - start, 1), n_open))
            next_sample += 1.0
        # due work: connects, trickled bytes, connect timeouts
        for s in slots:
            if s.next_at > now:
                continue
            if s.state == "idle":
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setblocking(False)
                try:
                    sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
                except OSError:
                    pass
                sock.bind((a.source, 0))
                st["attempts"] += 1
                try:
                    sock.connect((a.host, a.port))
                except BlockingIOError:
                    pass
                except OSError:
                    st["connect_errors"] += 1
                    sock.close()
                    s.next_at = now + a.reconnect
                    continue
                s.sock = sock
                s.state = "connecting"
                s.t_connect = now
                s.next_at = now + a.connect_timeout
                sel.register(sock, selectors.EVENT_WRITE, s)
            elif s.state == "connecting":
                st["connect_timeouts"] += 1
                close_slot(s, now, "timeout")
            elif s.state == "open":
                try:
                    s.sock.send(b"x")
                    s.sent += 1
                    s.next_at = now + a.interval
                except OSError:
                    close_slot(s, now, "error")
        wait = max(0.0, min(0.05, end - now))
        for key, ev in sel.select(wait):
            s = key.data
            now = time.monotonic()
            if s.state == "connecting":
                err = s.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err != 0:
                    st["connect_errors"] += 1
                    close_slot(s, now, "error")
                    continue
                s.state = "open"
                s.t_open = now
                s.sent = 0
                n_open += 1
                try:
                    s.sock.send(req)
                    s.sent = 1
                except OSError:
                    close_slot(s, now, "error")
                    continue
                sel.modify(s.sock, selectors.EVENT_READ, s)
                # stagger the trickled bytes over the interval
                s.next_at = now + a.interval * (0.2 + 0.8 * (hash(id(s)) % 1000) / 1000.0)
            elif s.state == "open":
                try:
                    data = s.sock.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    close_slot(s, now, "eof")
    opened = [n for _, n in samples]
    print(json.dumps({
        "mode": "hold", "source": a.source, "conns": a.conns, "interval_s": a.interval,
        "duration_s": round(time.monotonic() - start, 1), **st,
        "open_max": max(opened) if opened else 0,
        "open_last": opened[-1] if opened else 0,
        "open_median_after_ramp": statistics.median([n for t, n in samples if t >= a.ramp] or [0]),
        "cut_lifetime_s": {"p50": pct(lifetimes, 50), "p99": pct(lifetimes, 99),
                           "max": round(max(lifetimes), 2) if lifetimes else None},
        "open_by_second": samples,
    }))


# ---------------------------------------------------------------- probe

def probe_once(a, out, lock):
    t0 = time.monotonic()
    kind = None
    try:
        with socket.create_connection((a.host, a.port), timeout=a.timeout) as sock:
            sock.settimeout(max(0.1, a.timeout - (time.monotonic() - t0)))
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        if not data.startswith(b"HTTP/1.1 200"):
            kind = "closed" if not data else "status " + data[9:12].decode("ascii", "replace")
    except socket.timeout:
        kind = "timeout"
    except OSError as e:
        kind = type(e).__name__
    ms = (time.monotonic() - t0) * 1000.0
    with lock:
        out.append((ms, kind))


def probe(a):
    out, lock, threads = [], threading.Lock(), []
    start = time.monotonic()
    n = int(a.duration * a.rate)
    for i in range(n):
        at = start + i / a.rate
        delay = at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        t = threading.Thread(target=probe_once, args=(a, out, lock), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(a.timeout + 1)
    ok = [ms for ms, kind in out if kind is None]
    kinds = {}
    for _, kind in out:
        if kind is not None:
            kinds[kind] = kinds.get(kind, 0) + 1
    print(json.dumps({
        "mode": "probe", "probes": n, "ok": len(ok), "failed": n - len(ok), "failures": kinds,
        "p50_ms": pct(ok, 50), "p90_ms": pct(ok, 90), "p99_ms": pct(ok, 99),
        "max_ms": round(max(ok), 2) if ok else None, "timeout_s": a.timeout,
    }))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hold")
    h.add_argument("--host", default="127.0.0.1")
    h.add_argument("--port", type=int, required=True)
    h.add_argument("--source", default="127.0.0.5")
    h.add_argument("--conns", type=int, default=4200)
    h.add_argument("--interval", type=float, default=5.0)
    h.add_argument("--ramp", type=float, default=5.0)
    h.add_argument("--reconnect", type=float, default=1.0)
    h.add_argument("--connect-timeout", type=float, default=10.0)
    h.add_argument("--duration", type=float, default=600.0)
    p = sub.add_parser("probe")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--rate", type=float, default=20.0)
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--timeout", type=float, default=5.0)
    a = ap.parse_args()
    hold(a) if a.cmd == "hold" else probe(a)


if __name__ == "__main__":
    main()
