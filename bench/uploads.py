"""Upload benchmark: API memory while receiving a large upload, and throughput against a plain copy.

  local store: `mam ingest` (resumable session, parallel parts, sha256) vs `cp` of the same file
  S3 store:    `mam ingest` (presigned parts straight to the store) vs boto3 `upload_file`, same server
Both against servers on loopback started here (`mam serve` and moto's S3 server). Results go to
results/uploads.json. Usage: python bench/uploads.py [--gib 2] [--s3-gib 0.5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.serve import start_server  # noqa: E402
from workers.embedded_redis import free_port  # noqa: E402

MiB = 1024 * 1024


def make_file(path: Path, size: int) -> None:
    """A file that sniffs as MP4 (an ftyp box) followed by random bytes."""
    with open(path, "wb") as fh:
        fh.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
        left = size - 24
        block = os.urandom(8 * MiB)
        while left > 0:
            fh.write(block[: min(left, len(block))])
            left -= len(block)


def rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def ingest(srv, path: Path, state: Path) -> float:
    env = {**srv.env, "MAM_API_URL": srv.url, "MAM_CLI_STATE_DIR": str(state)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cli.main", "ingest", str(path), "--json"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def sha256_s(path: Path) -> float:
    """Time of one sha256 pass over the file: the floor each side of a verified upload pays."""
    import hashlib

    start = time.perf_counter()
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(8 * MiB):
            h.update(chunk)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gib", type=float, default=2.0)
    ap.add_argument("--s3-gib", type=float, default=0.5)
    args = ap.parse_args()
    out: dict = {}
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as tmp:
        work = Path(tmp)
        big = work / "big.mp4"
        make_file(big, int(args.gib * 1024 * MiB))
        srv = start_server(work / "var", {"MAM_WORKERS": "0", "MAM_MAX_UPLOAD_BYTES": str(10 * 1024**4)})
        try:
            api_pid = srv.process.pid
            srv.client().get("/api/v1/assets")
            idle = rss_kib(api_pid, "VmRSS")
            os.sync()  # both ways start with nothing dirty and end with their bytes on disk
            start = time.perf_counter()
            ingest(srv, big, work / "state")
            os.sync()
            upload_s = time.perf_counter() - start
            peak = rss_kib(api_pid, "VmHWM")
            start = time.perf_counter()
            subprocess.run(["cp", str(big), str(work / "copy.bin")], check=True)
            os.sync()
            cp_s = time.perf_counter() - start
            (work / "copy.bin").unlink()
        finally:
            srv.stop()
        out["local"] = {"file_bytes": big.stat().st_size, "one_sha256_pass_s": sha256_s(big),
                        "api_idle_rss_mib": idle / 1024,
                        "api_peak_rss_mib": peak / 1024, "api_rss_growth_mib": (peak - idle) / 1024,
                        "ingest_s": upload_s, "cp_s": cp_s, "throughput_ratio_vs_cp": cp_s / upload_s}
        print("local:", json.dumps(out["local"]))

        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)

        port = free_port()
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        moto.start()
        endpoint = f"http://127.0.0.1:{port}"
        s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="b", aws_secret_access_key="b",
                          region_name="us-east-1")
        s3.create_bucket(Bucket="bench")
        small = work / "s3.mp4"
        make_file(small, int(args.s3_gib * 1024 * MiB))
        srv = start_server(work / "var-s3", {
            "MAM_WORKERS": "0", "MAM_STORAGE_URL": "s3://bench", "MAM_S3_ENDPOINT_URL": endpoint,
            "MAM_S3_ACCESS_KEY_ID": "b", "MAM_S3_SECRET_ACCESS_KEY": "b"})
        try:
            upload_s = ingest(srv, small, work / "state-s3")
            start = time.perf_counter()
            s3.upload_file(str(small), "bench", "baseline.bin")
            boto_s = time.perf_counter() - start
        finally:
            srv.stop()
            moto.stop()
        out["s3"] = {"file_bytes": small.stat().st_size, "ingest_s": upload_s, "boto3_upload_file_s": boto_s,
                     "throughput_ratio_vs_boto3": boto_s / upload_s}
        print("s3:", json.dumps(out["s3"]))
    dest = Path(__file__).parent / "results" / "uploads.json"
    dest.write_text(json.dumps(out, indent=2))
    print(f"written {dest}")


if __name__ == "__main__":
    main()
