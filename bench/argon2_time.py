#!/usr/bin/python3
"""Time argon2id in-process with the libsodium that exammentor links (stdlib + ctypes only).

  argon2_time.py --lib /path/libsodium.so.23 --db em.db --email E --password PW [--n 10] [--label L]

Reads the stored hash of account E from the SQLite database (what every login of E
verifies), parses its parameters ($argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$...), then
times N verifies of PW against it and N fresh hashes with the same parameters
(crypto_pwhash_str_alg, ARGON2ID13), wall and CPU time each. Prints one JSON line.
"""
import argparse
import ctypes
import json
import re
import sqlite3
import statistics
import time

ALG_ARGON2ID13 = 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--email", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--label", default="", help="copied to the output (e.g. before / after the load)")
    a = ap.parse_args()

    row = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True).execute(
        "SELECT password_hash FROM users WHERE email = ?", (a.email,)).fetchone()
    if not row or not row[0]:
        raise SystemExit(f"no password hash stored for {a.email}")
    stored = row[0]
    m = re.match(r"^\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$", stored)
    if not m:
        raise SystemExit(f"not an argon2id hash: {stored[:30]}...")
    version, mem_kb, ops, lanes = (int(x) for x in m.groups())

    so = ctypes.CDLL(a.lib)
    if so.sodium_init() < 0:
        raise SystemExit("sodium_init failed")
    so.crypto_pwhash_str_alg.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulonglong,
                                         ctypes.c_ulonglong, ctypes.c_size_t, ctypes.c_int]
    so.crypto_pwhash_str_verify.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulonglong]
    pw = a.password.encode()
    out = ctypes.create_string_buffer(128)

    def timed(fn):
        walls, cpus = [], []
        for _ in range(a.n):
            w0, c0 = time.perf_counter(), time.process_time()
            rc = fn()
            cpus.append((time.process_time() - c0) * 1e3)
            walls.append((time.perf_counter() - w0) * 1e3)
            if rc != 0:
                raise SystemExit("libsodium call failed")
        return {"wall_ms_mean": round(statistics.mean(walls), 1), "wall_ms_min": round(min(walls), 1),
                "wall_ms_max": round(max(walls), 1), "cpu_ms_mean": round(statistics.mean(cpus), 1)}

    verify = timed(lambda: so.crypto_pwhash_str_verify(stored.encode(), pw, len(pw)))
    hashing = timed(lambda: so.crypto_pwhash_str_alg(out, pw, len(pw), ops, mem_kb * 1024, ALG_ARGON2ID13))
    version_str = ctypes.cast(so.sodium_version_string, ctypes.CFUNCTYPE(ctypes.c_char_p))()
    print(json.dumps({"label": a.label, "alg": "argon2id", "v": version, "opslimit": ops, "memlimit_kb": mem_kb, "lanes": lanes,
                      "n": a.n, "libsodium": version_str.decode(), "lib": a.lib,
                      "verify": verify, "hash": hashing}))


if __name__ == "__main__":
    main()
