"""Abuse against a real web server on loopback: what it answers and what it costs it.

Starts `manage.py runserver` (no worker: queued jobs stay queued) in a throwaway data folder,
creates two users, and runs bounded attacks through the REST API, as a stranger would:

- an oversized upload: a 300 MB multipart photo, streamed;
- palette bombs: N concurrent uploads of a 6300x6300 palette PNG (a few KB each);
- a JSON body nested 100,000 levels deep, and one of 30 MB;
- many queued jobs: one user asks for 40 paintings, then the other user for one;
- log-in floods: 60 wrong passwords for one account through the API and through the log-in
  page, then the right one.

For each it prints the answers (HTTP status: count), the server errors (5xx), the seconds, and
how far the web process's resident memory rose above what it held when the attack began
(polled every 20 ms). `--root` runs the same attacks against another checkout (say, the code
before a change) for a before and after comparison; every request has a timeout, and nothing
leaves 127.0.0.1.

    .venv/bin/python bench/abuse.py [--bombs 16] [--root PATH]
"""
from __future__ import annotations

import argparse
import collections
import http.client
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
TIMEOUT = 120
PASSWORD = "a-long-bench-password-42"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Site:
    """A runserver process in its own data folder, and requests to it."""

    def __init__(self, root: Path, data: Path):
        self.port = free_port()
        self.env = {**os.environ, "STYLE_DATA_DIR": str(data), "DJANGO_DEBUG": "false",
                    "DJANGO_SECRET_KEY": "bench-" + uuid.uuid4().hex, "PYTHONUNBUFFERED": "1"}
        self.root = root
        python = sys.executable
        self.manage = [python, str(root / "manage.py")]
        subprocess.run([*self.manage, "migrate", "--noinput", "-v", "0"], env=self.env,
                       check=True, cwd=root)
        script = ("from django.contrib.auth import get_user_model as g; U = g(); "
                  f"[U.objects.create_user(n, password='{PASSWORD}') for n in ('mallory', 'alice')]")
        subprocess.run([*self.manage, "shell", "-c", script], env=self.env, check=True, cwd=root)
        self.log = open(data / "web.log", "wb")
        self.proc = subprocess.Popen([*self.manage, "runserver", "--noreload",
                                      f"{HOST}:{self.port}"], env=self.env, cwd=root,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.request("GET", "/api/v1/themes/")
                break
            except OSError:
                time.sleep(0.2)
        self.process = psutil.Process(self.proc.pid)
        time.sleep(0.5)
        self.idle = self.process.memory_info().rss

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
        """One request; `body` may be bytes or an iterable of chunks (sent until the server
        stops reading: it may answer before the body is all there)."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        try:
            if body is None or isinstance(body, bytes):
                conn.request(method, path, body=body, headers=headers or {})
            else:
                conn.putrequest(method, path)
                for k, v in (headers or {}).items():
                    conn.putheader(k, v)
                conn.endheaders()
                try:
                    for chunk in body:
                        conn.send(chunk)
                except OSError:
                    pass  # the server closed the connection: it refused the rest
            response = conn.getresponse()
            return response.status, response.read()
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
            return 0, b""  # the server hung up without an answer
        finally:
            conn.close()

    def token(self, user: str) -> str:
        status, body = self.request("POST", "/api/v1/auth/token/",
                                    json.dumps({"username": user, "password": PASSWORD}).encode(),
                                    {"Content-Type": "application/json"})
        return json.loads(body)["token"]


class PeakMemory:
    """The web process's peak resident memory while the block runs (polled every 20 ms)."""

    def __init__(self, process: psutil.Process):
        self.process, self.stop = process, threading.Event()
        self.start = self.peak = process.memory_info().rss

    def __enter__(self):
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()
        return self

    def _poll(self):
        while not self.stop.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def multipart(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
            f"filename=\"{filename}\"\r\nContent-Type: image/png\r\n\r\n").encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def palette_bomb(side: int = 6300) -> bytes:
    buf = io.BytesIO()
    Image.new("P", (side, side)).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def attack(site: Site, name: str, requests_) -> dict:
    """Run the (method, path, body, headers[, send_only]) requests concurrently."""
    started = time.perf_counter()
    with PeakMemory(site.process) as memory, ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda r: site.request(*r), requests_))
    seconds = time.perf_counter() - started
    counts = collections.Counter(status for status, _ in answers)
    row = {"attack": name, "answers": dict(sorted(counts.items())),
           "5xx": sum(n for s, n in counts.items() if s >= 500),
           "seconds": round(seconds, 2),
           "peak_mb": round((memory.peak - memory.start) / 2**20)}
    print(f"{name:34} {str(row['answers']):34} 5xx {row['5xx']:3}  {seconds:6.1f} s  "
          f"+{row['peak_mb']:5} MB", flush=True)
    return row


def run(root: Path, bombs: int) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="abuse-") as tmp:
        site = Site(root, Path(tmp))
        try:
            print(f"web server: {root} on {HOST}:{site.port}, idle {site.idle / 2**20:.0f} MB")
            mallory = {"Authorization": f"Token {site.token('mallory')}"}
            alice = {"Authorization": f"Token {site.token('alice')}"}
            rows = []
            rows.append(attack(site, "one 300 MB upload", [(
                "POST", "/api/v1/photos/", *big_upload(300 * 2**20, mallory))]))
            spool = Path(tmp) / "tmp"
            left = len(list(spool.iterdir())) if spool.is_dir() else 0
            print(f"{'':34} temporary files left in the data folder: {left}")
            body, ctype = multipart("image", "bomb.png", palette_bomb())
            print(f"palette bomb: {len(body) / 1024:.0f} KB on the wire, 6300x6300 pixels")
            rows.append(attack(site, f"{bombs} concurrent palette bombs", [
                ("POST", "/api/v1/photos/", body, {**mallory, "Content-Type": ctype})] * bombs))
            deep = b"[" * 100_000 + b"]" * 100_000
            rows.append(attack(site, "JSON nested 100,000 deep", [
                ("POST", "/api/v1/jobs/", deep, {**mallory, "Content-Type": "application/json"})]))
            huge = json.dumps({"padding": "a" * (30 * 2**20)}).encode()
            rows.append(attack(site, "30 MB JSON body", [
                ("POST", "/api/v1/jobs/", huge, {**mallory, "Content-Type": "application/json"})]))
            # A small photo of each, then the queue.
            small = io.BytesIO()
            Image.new("RGB", (320, 240), (90, 120, 200)).save(small, format="PNG")
            photo_ids = {}
            for who, headers in (("mallory", mallory), ("alice", alice)):
                b, c = multipart("image", "p.png", small.getvalue())
                status, answer = site.request("POST", "/api/v1/photos/", b,
                                              {**headers, "Content-Type": c})
                photo_ids[who] = json.loads(answer)["id"] if status == 201 else None
            theme = install_theme(site)
            job = lambda who: json.dumps({"photo": photo_ids[who], "themes": [
                {"theme": theme, "weight": 1.0}]}).encode()  # noqa: E731
            rows.append(attack(site, "40 jobs from one user", [
                ("POST", "/api/v1/jobs/", job("mallory"), {**mallory,
                                                           "Content-Type": "application/json"})
            ] * 40))
            status, answer = site.request("POST", "/api/v1/jobs/", job("alice"),
                                          {**alice, "Content-Type": "application/json"})
            place = json.loads(answer).get("queue") if status == 201 else None
            print(f"{'then one job from another user':34} {status}: queue {place}")
            flood = [("POST", "/api/v1/auth/token/",
                      json.dumps({"username": "alice", "password": f"guess-{i}"}).encode(),
                      {"Content-Type": "application/json"})
                     for i in range(60)]
            rows.append(attack(site, "60 wrong passwords (API)", flood))
            rows.append(attack(site, "60 wrong passwords (log-in page)",
                               login_flood(site, "mallory", 60)))
            status, _ = site.request("POST", "/api/v1/auth/token/", json.dumps(
                {"username": "alice", "password": PASSWORD}).encode(),
                {"Content-Type": "application/json"})
            print(f"{'then the right password':34} {status}")
            return rows
        finally:
            site.stop()


def big_upload(size: int, headers: dict):
    """(body chunks, headers) of a valid multipart upload of `size` bytes of a "photo"."""
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; "
            f"filename=\"huge.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    chunk = b"\xff" * 2**20

    def chunks():
        yield head
        for _ in range(size // len(chunk)):
            yield chunk
        yield tail

    length = len(head) + size // len(chunk) * len(chunk) + len(tail)
    return chunks(), {**headers, "Content-Type": f"multipart/form-data; boundary={boundary}",
                      "Content-Length": str(length)}


def login_flood(site: Site, username: str, n: int) -> list:
    """`n` log-in form posts with wrong passwords, each with the form's CSRF token."""
    conn = http.client.HTTPConnection(HOST, site.port, timeout=TIMEOUT)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = next(c.split(";")[0] for c in response.headers.get_all("Set-Cookie")
                  if c.startswith("csrftoken="))
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    conn.close()
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
               "Referer": f"http://{HOST}:{site.port}/accounts/login/"}
    return [("POST", "/accounts/login/",
             f"csrfmiddlewaretoken={token}&username={username}&password=guess-{i}".encode(),
             headers) for i in range(n)]


def install_theme(site: Site) -> str:
    """A theme to paint with (a plain colour: no painting is run here)."""
    script = ("from gallery import services; from gallery.models import Theme; "
              "from django.core.files.uploadedfile import SimpleUploadedFile as F; import io; "
              "from PIL import Image; b = io.BytesIO(); "
              "Image.new('RGB', (64, 64), (200, 90, 30)).save(b, format='PNG'); "
              "services.theme_set_image(theme=Theme(slug='bench', title='Bench'), "
              "upload=F('t.png', b.getvalue()))")
    subprocess.run([*site.manage, "shell", "-c", script], env=site.env, check=True,
                   cwd=site.root, capture_output=True)
    return "bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bombs", type=int, default=16)
    parser.add_argument("--root", default=str(ROOT), help="the checkout whose server to attack")
    args = parser.parse_args()
    rows = run(Path(args.root).resolve(), args.bombs)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
