#!/usr/bin/env python3
"""Runs the Dockerfile's steps without a Docker engine (none exists on the machines this is developed and tested on),
then checks that the published app works the way the container would run it (issue 18).

The build stage's WORKDIR / COPY / RUN lines are read from the Dockerfile itself and carried out in a staging folder
that holds only what those COPY lines copy (paths such as /src and /app are mapped into it), so the cached
"restore from the project files alone" layer is reproduced exactly. The runtime stage's ENV and ENTRYPOINT then start
the published app from its own folder, as a non-root user (nobody, when this runs as root), on a free loopback port,
and the script asks it for the sign-in page, the station after a local sign-in (Development, since production sign-in
needs Entra ID), and `_framework/blazor.web.js` — the file the interactive station needs, which went missing once.

Usage: python3 tests/container/emulate_dockerfile.py [--keep]   (from anywhere; exit code 0 = all checks passed)
"""
from __future__ import annotations

import glob
import html
import http.cookiejar
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def dockerfile_stages(path: str) -> dict[str, list[tuple[str, str]]]:
    """Stage name -> its instructions (keyword, rest), continuation lines joined, comments dropped."""
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    logical = ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not logical and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if line.endswith("\\"):
                logical += line[:-1] + " "
                continue
            logical += line
            keyword, _, rest = logical.strip().partition(" ")
            logical = ""
            keyword = keyword.upper()
            if keyword == "FROM":
                name = rest.split()[-1] if " AS " in rest.upper() else f"stage{len(stages)}"
                current = stages.setdefault(name, [])
            elif current is not None:
                current.append((keyword, rest.strip()))
    return stages


def json_or_words(rest: str) -> list[str]:
    rest = rest.strip()
    if rest.startswith("["):
        import json
        return json.loads(rest)
    return shlex.split(rest)


class Stage:
    """A container file system laid out under a staging folder: absolute container paths map into it."""

    def __init__(self, root: str):
        self.root = root
        self.workdir = "/"

    def host(self, container_path: str) -> str:
        absolute = container_path if container_path.startswith("/") else os.path.join(self.workdir, container_path)
        return os.path.join(self.root, absolute.lstrip("/"))

    def rewrite(self, command: str) -> str:
        """Container paths in a RUN command (-o /app, /src/...) become staging paths."""
        return re.sub(r"(?<![\w.])(/(?:app|src|data)\b)", lambda m: self.host(m.group(1)), command)


def copy_into(stage: Stage, sources: list[str], destination: str, context: str) -> None:
    target = stage.host(destination)
    several = len(sources) > 1 or destination.endswith("/")
    for source in sources:
        path = os.path.join(context, source)
        if os.path.isdir(path):
            # COPY dir/ dest/ copies the directory's contents; bin/obj are excluded by .dockerignore.
            shutil.copytree(path, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("bin", "obj", "App_Data", "TestResults", "training"))
        else:
            os.makedirs(target if several else os.path.dirname(target), exist_ok=True)
            shutil.copy2(path, os.path.join(target, os.path.basename(path)) if several else target)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    keep = "--keep" in sys.argv
    stages = dockerfile_stages(os.path.join(REPO, "Dockerfile"))
    build_name = next(name for name in stages if name.lower() == "build")
    runtime_name = [name for name in stages if name != build_name][-1]
    work = tempfile.mkdtemp(prefix="grader-image-")
    os.chmod(work, 0o755)
    build = Stage(os.path.join(work, "build"))
    failures: list[str] = []
    app = None
    try:
        for keyword, rest in stages[build_name]:
            if keyword == "WORKDIR":
                build.workdir = rest
                os.makedirs(build.host(rest), exist_ok=True)
            elif keyword == "COPY":
                words = [w for w in shlex.split(rest) if not w.startswith("--")]
                copy_into(build, words[:-1], words[-1], REPO)
            elif keyword == "RUN":
                command = build.rewrite(rest)
                print(f"==> RUN {rest}", flush=True)
                subprocess.run(command, shell=True, check=True, cwd=build.host(build.workdir))
            elif keyword not in ("ARG", "ENV", "LABEL"):
                raise SystemExit(f"build stage: {keyword} is not emulated")

        runtime = Stage(os.path.join(work, "runtime"))
        environment = dict(os.environ)
        entrypoint: list[str] = []
        for keyword, rest in stages[runtime_name]:
            if keyword == "WORKDIR":
                runtime.workdir = rest
            elif keyword == "COPY" and rest.startswith("--from="):
                words = shlex.split(rest)
                shutil.copytree(build.host(words[1]), runtime.host(words[2]), dirs_exist_ok=True)
            elif keyword == "ENV":
                for pair in shlex.split(rest):
                    key, _, value = pair.partition("=")
                    environment[key] = runtime.rewrite(value)
            elif keyword == "ENTRYPOINT":
                entrypoint = json_or_words(rest)
        app_folder = runtime.host(runtime.workdir)
        data = runtime.host("/data")
        os.makedirs(data, exist_ok=True)

        published = os.path.join(app_folder, "wwwroot", "_framework", "blazor.web.js")
        if not os.path.isfile(published):
            failures.append(f"the publish output has no {os.path.relpath(published, app_folder)}")
        for must in ["models/grader-vit-v1/model.onnx", "models/grader-vit-v1/model.json", "wwwroot-assets/js/station.js", "libonnxruntime.so", "libSkiaSharp.so"]:
            if not glob.glob(os.path.join(app_folder, "**", os.path.basename(must)), recursive=True):
                failures.append(f"the publish output has no {must}")

        for never_loaded in ["onnxruntime.dll", "libmsalruntime.so"]:
            if os.path.exists(os.path.join(app_folder, never_loaded)):
                failures.append(f"the image keeps {never_loaded}, which a Linux web app never loads")

        port = free_port()
        environment.update({
            "ASPNETCORE_HTTP_PORTS": str(port),
            "ASPNETCORE_ENVIRONMENT": "Development",  # the local sign-in; production needs Entra ID
            "DOTNET_CLI_HOME": data,
        })
        command = entrypoint
        if os.geteuid() == 0:
            # As in the image (USER app): not root. nobody owns the data folder, the app folder stays read-only to it.
            subprocess.run(["chown", "-R", "nobody:nogroup", data], check=True)
            environment["HOME"] = data
            command = ["runuser", "-u", "nobody", "--", *entrypoint]
        log_path = os.path.join(work, "app.log")
        with open(log_path, "w", encoding="utf-8") as log:
            app = subprocess.Popen(command, cwd=app_folder, env=environment, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

        def get(path: str) -> tuple[int, str]:
            try:
                with opener.open(base + path, timeout=30) as response:
                    return response.status, response.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as e:
                return e.code, ""

        deadline = time.time() + 180
        while time.time() < deadline:
            if app.poll() is not None:
                break
            try:
                if get("/healthz")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(1)
        else:
            failures.append("the app did not answer /healthz within 180 s")
        if app.poll() is not None:
            failures.append(f"the app exited with {app.returncode}")
        else:
            status, login = get("/account/login")
            token = re.search(r'name="__RequestVerificationToken"[^>]*value="([^"]+)"', login)
            if status != 200 or not token:
                failures.append(f"sign-in page: {status}")
            else:
                form = urllib.parse.urlencode({"name": "Image Check", "role": "Grader", "returnUrl": "/station",
                                               "__RequestVerificationToken": html.unescape(token.group(1))}).encode()
                opener.open(urllib.request.Request(base + "/account/local-sign-in", data=form), timeout=30).read()
                status, station = get("/station")
                if status != 200 or 'data-testid="station"' not in station:
                    failures.append(f"station page after sign-in: {status}")
                script = re.search(r'src="([^"]*blazor\.web[^"]*\.js)"', station)
                script_path = "/" + script.group(1).lstrip("/") if script else "/_framework/blazor.web.js"
                status, body = get(script_path)
                if status != 200 or len(body) < 1000:
                    failures.append(f"{script_path}: {status} ({len(body)} bytes)")
                if not glob.glob(os.path.join(data, "keys", "*.xml")):
                    failures.append("no Data Protection key under the data folder (keys would be lost on redeploy)")
        if failures:
            with open(log_path, encoding="utf-8") as f:
                print(f.read()[-4000:])
    finally:
        if app is not None and app.poll() is None:
            app.terminate()
            try:
                app.wait(timeout=20)
            except subprocess.TimeoutExpired:
                app.kill()
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print(f"FAILED: {failure}")
    print("Dockerfile steps emulated: " + ("all checks passed" if not failures else f"{len(failures)} check(s) failed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
