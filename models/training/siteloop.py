"""A site's first labels through the app's API, as a site would put them there (issue 15 item 5).

Against a running app started in Development (the dev API keys work), from `models/training`:

    OPENBLAS_NUM_THREADS=1 nice -n 19 /usr/bin/python3 siteloop.py --data data/site-300 --check data/site-check \
        --tag siteapi300 --version 4.0.1-siteapi300 --url http://127.0.0.1:5199

(The 2026-12-03 siteapi300 run, REPORT.md, trained with pos_weight 3 / damage_weight 1, retrain.py's defaults then;
add `--pos-weight 3 --damage-weight 1` to repeat it now that retrain.py runs its fine-tune preset, 20 / 3.)

The app, on a fresh data folder (from the repository root; --no-launch-profile, else launchSettings.json's
http://localhost:5080 wins over ASPNETCORE_URLS):

    nice -n 19 env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS=http://127.0.0.1:5199 \
        Grader__DataDirectory=/tmp/siteloop-data dotnet run -c Release --project src/Returns.Grader.Web --no-build \
        --no-launch-profile

Phases (each timed in the summary):
1. label    - every item of the package (all splits) is announced (POST /api/v1/returns, category `<tag>-<random>`), its
              photos uploaded (POST /api/v1/returns/{id}/photos), and graded with its label (POST .../grade: the grade and
              one damage box per annotation, scaled from the package photo's pixels to the stored photo's), as a grader.
2. export   - the category is exported as the data scientist (POST /api/v1/exports, poll, download, sha256 checked),
              and `check_package.py` reads the zip.
3. retrain  - `retrain.py` on the export (the recipe below: 4.0.0 fine-tuned with rehearsal), unless --skip-retrain.
4. register - POST /api/v1/models (model.onnx, model.json, MODEL_CARD.md): the model becomes shadow.
5. heldout  - held-out items (--check, all splits; --check-items limits them, spread over the package) are announced,
              photographed (both models predict on each photo), graded and flagged, then claimed and decided by the
              supervisor with the same label (the final label), so GET /api/v1/models/comparison has figures.
6. promote  - POST /api/v1/models/{id}/promote, then a new item's photo must get its suggestion from the promoted model.
The summary (counts, seconds per phase, the comparison, errors) goes to runs/<tag>.json.

Rate limits (429) and a full photo intake (503) are answered by waiting Retry-After and sending the same request again.
Only the standard library talks HTTP; the package is read with the kit's package.open_package.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request

from package import open_package
from rubric import GRADES, DAMAGE_TYPES, grade_from_damage

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = {"grader": "dev-grader", "supervisor": "dev-supervisor", "data": "dev-data", "admin": "dev-admin"}
# The disposition a site would pick for each grade (any is accepted; the export keeps it, training ignores it).
DISPOSITION = {"LikeNew": "restock", "VeryGood": "resell_used", "Good": "resell_used", "Acceptable": "refurbish",
               "Unsellable": "recycle"}
SAME_DAMAGE_REASON = "site label: the item's damage is boxed on every photo that shows it"


# ----------------------------------------------------------------------------- pure helpers (tested without the app)

def scale_box(box, src_size, stored_size, tolerance: float = 0.02) -> list[int]:
    """A damage box [x, y, w, h] in the package photo's pixels (src_size = (width, height)) as a box in the stored
    photo's pixels (stored_size, from the upload's answer): corners scaled, rounded, clamped inside the stored photo,
    at least 1 px. A stored photo whose aspect ratio differs (turned by an EXIF orientation, cropped) is refused."""
    sw, sh = src_size
    tw, th = stored_size
    if min(sw, sh, tw, th) <= 0:
        raise ValueError(f"bad sizes {src_size} -> {stored_size}")
    fx, fy = tw / sw, th / sh
    if abs(fx - fy) > tolerance * max(fx, fy):
        raise ValueError(f"stored photo {tw}x{th} is not the package photo {sw}x{sh} scaled (turned or cropped?)")
    def r(v):  # half up, not to even: the same box always lands on the same pixels
        return int(math.floor(v + 0.5))

    x, y, w, h = box
    x0 = min(max(r(x * fx), 0), tw - 1)
    y0 = min(max(r(y * fy), 0), th - 1)
    x1 = min(max(r((x + w) * fx), x0 + 1), tw)
    y1 = min(max(r((y + h) * fy), y0 + 1), th)
    return [x0, y0, x1 - x0, y1 - y0]


def damage_entries(photos: list[dict], stored: list[dict]) -> list[dict]:
    """The grade request's damage list: one entry per annotation of each package photo, on the stored photo it became.
    photos: package samples of one item (width, height, annotations with type index and bbox), in upload order;
    stored: the upload's answer for them ({photoId, width, height}), same order."""
    if len(photos) != len(stored):
        raise ValueError(f"{len(photos)} photos sent, {len(stored)} stored")
    out = []
    for p, s in zip(photos, stored):
        for a in p["annotations"]:
            out.append({"photoId": s["photoId"], "type": DAMAGE_TYPES[a["type"]], "source": "added",
                        "box": scale_box(a["bbox"], (p["width"], p["height"]), (s["width"], s["height"]))})
    return out


def grade_body(grade: str, damage: list[dict], notes: str, flag: bool = False) -> dict:
    """The body of POST /api/v1/returns/{id}/grade. The rubric counts every damage entry, so the same damage boxed on
    several photos sums to more points than the item has: such a grade carries a contradiction reason (as the station
    asks for one)."""
    body = {"grade": grade, "disposition": DISPOSITION[grade], "damage": damage, "notes": notes}
    if grade_from_damage([d["type"] for d in damage]) != grade:
        body["contradictionReason"] = SAME_DAMAGE_REASON
    if flag:
        body["flagForReview"] = True
    return body


def items_of(pkg, limit: int | None = None) -> list[tuple[str, str, list[dict]]]:
    """(item_id, grade, photos in view order) of every item of the package, all splits, in item order; with a limit,
    that many items spread evenly over the list (a check package lists each object clean, light, heavy together)."""
    by_item: dict[str, list[dict]] = {}
    for s in pkg.samples():
        by_item.setdefault(s["item_id"], []).append(s)
    items = []
    for item_id in sorted(by_item):
        photos = sorted(by_item[item_id], key=lambda s: (s["file_name"]))
        grades = {p["grade_index"] for p in photos}
        if len(grades) != 1:
            raise ValueError(f"item {item_id} has photos with different grades {grades}")
        items.append((item_id, GRADES[grades.pop()], photos))
    if limit is not None and limit < len(items):
        step = len(items) / limit
        items = [items[int(i * step)] for i in range(limit)]
    return items


def multipart(fields: list[tuple[str, str, str, bytes]]) -> tuple[bytes, str]:
    """multipart/form-data of (name, filename, content type, bytes) parts."""
    boundary = "----siteloop" + secrets.token_hex(12)
    out = bytearray()
    for name, filename, ctype, data in fields:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                f"Content-Type: {ctype}\r\n\r\n").encode("utf-8")
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode("utf-8")
    return bytes(out), f"multipart/form-data; boundary={boundary}"


# ----------------------------------------------------------------------------- the API client

class ApiError(RuntimeError):
    def __init__(self, method, path, status, text):
        super().__init__(f"{method} {path} -> {status}: {text[:600]}")
        self.status = status


class Api:
    def __init__(self, url: str, timeout: float = 300):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.waits = {"429": 0, "503": 0, "seconds": 0.0}
        self.requests = 0

    def call(self, method: str, path: str, role: str, body=None, raw: bytes | None = None, ctype: str | None = None,
             expect=(200, 201, 202), want_bytes: bool = False, tries: int = 30):
        data, headers = None, {"X-Api-Key": KEYS[role], "Accept": "application/json"}
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode("utf-8"), "application/json"
        elif raw is not None:
            data, headers["Content-Type"] = raw, ctype
        for attempt in range(tries):
            req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
            self.requests += 1
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as r:
                    status, payload, rh = r.status, r.read(), r.headers
            except urllib.error.HTTPError as e:
                status, payload, rh = e.code, e.read(), e.headers
            if status in (429, 503) and attempt + 1 < tries:
                wait = float(rh.get("Retry-After") or 1)
                self.waits[str(status)] += 1
                self.waits["seconds"] += wait
                time.sleep(max(wait, 0.2))
                continue
            if status not in expect:
                raise ApiError(method, path, status, payload.decode("utf-8", "replace"))
            if want_bytes:
                return payload, rh
            return json.loads(payload) if payload else None
        raise ApiError(method, path, status, "gave up after retries")

    def wait_ready(self, seconds: float = 180):
        deadline = time.time() + seconds
        while True:
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=10) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.time() > deadline:
                raise SystemExit(f"{self.url} is not ready after {seconds} s")
            time.sleep(2)


def upload(api: Api, item_id: str, pkg, photos: list[dict], role: str) -> list[dict]:
    """Uploads an item's photos (at most 10 per request, the app's default limit); returns the stored photos."""
    stored = []
    for i in range(0, len(photos), 10):
        parts = [("file", os.path.basename(p["file_name"]), "image/jpeg", pkg.read_image(p["file_name"])) for p in photos[i:i + 10]]
        raw, ctype = multipart(parts)
        stored += api.call("POST", f"/api/v1/returns/{item_id}/photos", role, raw=raw, ctype=ctype, expect=(201,))["photos"]
    return stored


def announce(api: Api, plate: str, category: str, title: str, role: str = "grader") -> dict:
    return api.call("POST", "/api/v1/returns", role, body={
        "returnId": plate, "sku": "SKU-" + plate, "title": title[:200], "category": category, "unitValue": 25.0}, expect=(201,))


# ----------------------------------------------------------------------------- phases

def phase_label(api, pkg, category, plate_prefix, summary, log):
    items = items_of(pkg)
    counts = {"items": 0, "photos": 0, "boxes": 0, "contradicting_rubric": 0,
              "suggestions_seen": 0, "resized_photos": 0, "per_grade": {g: 0 for g in GRADES}}
    for n, (pid, grade, photos) in enumerate(items):
        item = announce(api, f"{plate_prefix}-{n:04d}", category, f"{category} {pid}")
        stored = upload(api, item["id"], pkg, photos, "grader")
        damage = damage_entries(photos, stored)
        body = grade_body(grade, damage, f"siteloop: package item {pid}")
        api.call("POST", f"/api/v1/returns/{item['id']}/grade", "grader", body=body, expect=(201,))
        counts["items"] += 1
        counts["photos"] += len(stored)
        counts["boxes"] += len(damage)
        counts["per_grade"][grade] += 1
        counts["contradicting_rubric"] += "contradictionReason" in body
        counts["suggestions_seen"] += sum(1 for s in stored if s.get("suggestion"))
        counts["resized_photos"] += sum(1 for p, s in zip(photos, stored) if (p["width"], p["height"]) != (s["width"], s["height"]))
        if (n + 1) % 25 == 0:
            log(f"label: {n + 1}/{len(items)} items, {counts['photos']} photos, {api.waits}")
    # the app routes some of them to review by itself (contradiction, confidence, audit, ...); the export ("all"
    # labels) takes each item's current label either way
    summary["label"] = counts


def phase_export(api, category, zip_path, summary, log):
    job = api.call("POST", "/api/v1/exports", "data", body={"categories": [category], "labels": "all"}, expect=(202,))
    deadline = time.time() + 900
    while job["status"] not in ("completed", "failed"):
        if time.time() > deadline:
            raise RuntimeError(f"export {job['id']} still {job['status']} after 15 min")
        time.sleep(1)
        job = api.call("GET", f"/api/v1/exports/{job['id']}", "data")
    if job["status"] != "completed":
        raise RuntimeError(f"export failed: {json.dumps(job)[:800]}")
    payload, headers = api.call("GET", f"/api/v1/exports/{job['id']}/download", "data", want_bytes=True)
    sha = hashlib.sha256(payload).hexdigest()
    if job.get("sha256") and job["sha256"].lower() != sha:
        raise RuntimeError(f"downloaded zip sha256 {sha} != export's {job['sha256']}")
    os.makedirs(os.path.dirname(os.path.abspath(zip_path)), exist_ok=True)
    with open(zip_path, "wb") as f:
        f.write(payload)
    log(f"export: {job.get('name')} {len(payload) / 1e6:.1f} MB sha256 {sha[:16]}")
    check = subprocess.run([sys.executable, "check_package.py", zip_path], cwd=HERE, capture_output=True, text=True,
                           env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    if check.returncode != 0:
        raise RuntimeError(f"check_package.py failed: {check.stdout[-800:]} {check.stderr[-800:]}")
    summary["export"] = {"job": job, "zip": os.path.relpath(zip_path, HERE), "bytes": len(payload), "sha256": sha,
                         "check_package": json.loads(check.stdout)}


def phase_retrain(a, zip_path, summary, log):
    cmd = ["nice", "-n", "19", sys.executable, "retrain.py", "--data", zip_path, "--init", a.init, "--out", a.model_dir,
           "--version", a.version, "--work", a.work, "--cache", a.cache, "--max-minutes", str(a.max_minutes),
           "--lr", str(a.lr), "--warmup", str(a.warmup), "--threads", str(a.threads)]
    if a.bf16:
        cmd.append("--bf16")
    for flag, value in (("--pos-weight", a.pos_weight), ("--damage-weight", a.damage_weight)):
        if value is not None:
            cmd += [flag, str(value)]
    for r in a.rehearsal:
        cmd += ["--rehearsal", r]
    if a.rehearsal:
        cmd += ["--rehearsal-share", str(a.rehearsal_share)]
    log("retrain: " + " ".join(cmd))
    out_path = os.path.join(HERE, "runs", f"{a.tag}-retrain.out")
    with open(out_path, "w") as out:
        result = subprocess.run(cmd, cwd=HERE, stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    if result.returncode != 0:
        raise RuntimeError(f"retrain.py exited {result.returncode}; see {out_path} and {a.work}/retrain.log")
    with open(out_path) as f:
        last = [line for line in f.read().splitlines() if line.startswith("{")]
    summary["retrain"] = {"command": " ".join(cmd[3:]), "result": json.loads(last[-1]) if last else None}


def phase_register(api, a, summary, log):
    files = []
    for field, name, ctype in (("model", "model.onnx", "application/octet-stream"), ("manifest", "model.json", "application/json"),
                               ("card", "MODEL_CARD.md", "text/markdown")):
        with open(os.path.join(a.model_dir, name), "rb") as f:
            files.append((field, name, ctype, f.read()))
    raw, ctype = multipart(files)
    registered = api.call("POST", "/api/v1/models", "data", raw=raw, ctype=ctype, expect=(201,))
    log(f"register: {registered.get('modelVersion') or registered.get('version')} state {registered.get('state')}")
    summary["register"] = registered
    return registered


def phase_heldout(api, check, category, plate_prefix, limit, summary, log):
    items = items_of(check, limit)
    counts = {"items": 0, "photos": 0, "reviewed": 0, "per_grade": {g: 0 for g in GRADES}}
    for n, (pid, grade, photos) in enumerate(items):
        item = announce(api, f"{plate_prefix}-{n:04d}", category, f"{category} {pid}")
        stored = upload(api, item["id"], check, photos, "grader")
        damage = damage_entries(photos, stored)
        api.call("POST", f"/api/v1/returns/{item['id']}/grade", "grader",
                 body=grade_body(grade, damage, f"siteloop held-out: {pid}", flag=True), expect=(201,))
        details = api.call("GET", f"/api/v1/returns/{item['id']}", "supervisor")
        open_tasks = [r for r in details.get("reviews", []) if str(r.get("status", "")).lower() not in ("decided", "closed")]
        task = (open_tasks or details["reviews"])[0]["taskId"]
        api.call("POST", f"/api/v1/review-queue/{task}/claim", "supervisor", expect=(200,))
        api.call("POST", f"/api/v1/review-queue/{task}/decision", "supervisor", body={
            "grade": grade, "disposition": DISPOSITION[grade], "damage": damage, "notes": f"siteloop final: {pid}",
            "reasonCode": "approved"}, expect=(200, 201))
        counts["items"] += 1
        counts["photos"] += len(stored)
        counts["reviewed"] += 1
        counts["per_grade"][grade] += 1
        if (n + 1) % 25 == 0:
            log(f"heldout: {n + 1}/{len(items)} items, {counts['photos']} photos")
    summary["heldout"] = counts
    # the comparison: active (4.0.0) vs shadow (the new model), final labels; shadow predictions may land a little later
    deadline = time.time() + 120
    while True:
        comparison = api.call("GET", "/api/v1/models/comparison", "data")
        if comparison.get("photos", 0) >= counts["photos"] or time.time() > deadline:
            break
        time.sleep(3)
    summary["comparison"] = comparison
    b, c = comparison["baseline"], comparison["candidate"]
    log(f"comparison on {comparison['photos']} photos of {comparison['items']} items: "
        f"{b['modelVersion']} {json.dumps(b['vsLabel'])[:300]} ECE {b['expectedCalibrationError']:.3f} | "
        f"{c['modelVersion']} {json.dumps(c['vsLabel'])[:300]} ECE {c['expectedCalibrationError']:.3f}")


def phase_promote(api, registered, check, category, summary, log):
    model_id = registered["id"]
    version = registered.get("modelVersion") or registered.get("version")
    promoted = api.call("POST", f"/api/v1/models/{model_id}/promote", "data")
    # a new item's photo (uploaded by the supervisor, who sees the suggestion even on a blind item)
    pid, grade, photos = items_of(check)[0]
    item = announce(api, f"{category.upper()}-AFTER-{secrets.token_hex(3).upper()}", category + "-after", "after promotion", role="supervisor")
    stored = upload(api, item["id"], check, photos[:1], "supervisor")
    got = (stored[0].get("suggestion") or {}).get("modelVersion")
    models = api.call("GET", "/api/v1/models", "data")
    summary["promote"] = {"promoted": {k: promoted.get(k) for k in ("id", "modelVersion", "version", "state") if k in promoted},
                          "suggestion_model": got, "expected": version, "ok": got == version,
                          "models": [{k: m.get(k) for k in ("modelVersion", "version", "state") if k in m} for m in models]}
    log(f"promote: suggestion now from {got} (expected {version})")
    if got != version:
        raise RuntimeError(f"after promotion the suggestion came from {got}, not {version}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:5199")
    ap.add_argument("--data", required=True, help="the site's labelled items (dataset package; every split is put through)")
    ap.add_argument("--check", required=True, help="held-out package for the shadow comparison (data/site-check)")
    ap.add_argument("--check-items", type=int, help="held-out items to put through (default: all), spread over the package")
    ap.add_argument("--tag", required=True, help="names the category, the export, runs/<tag>/ and runs/<tag>.json")
    ap.add_argument("--version", required=True, help="the new model's version (new to the registry)")
    ap.add_argument("--init", default="../grader-vit-v1")
    ap.add_argument("--cache", default="data/cache")
    ap.add_argument("--max-minutes", type=float, default=20)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-bf16", dest="bf16", action="store_false")
    ap.add_argument("--pos-weight", type=float, help="train.py's damage-map pos_weight (default: retrain.py's preset; "
                                                     "the 2026-12-03 siteapi300 run had 3, retrain.py's preset has 20 since)")
    ap.add_argument("--damage-weight", type=float, help="train.py's damage loss weight (default: retrain.py's preset)")
    ap.add_argument("--rehearsal", action="append", default=None,
                    help="rehearsal packages for retrain.py (default: data/realmix-v1 and data/synth-v2; 'none' for none)")
    ap.add_argument("--rehearsal-share", type=float, default=0.5)
    ap.add_argument("--skip-retrain", action="store_true", help="use the model already in runs/<tag>-model")
    a = ap.parse_args()
    if a.rehearsal is None:
        a.rehearsal = ["data/realmix-v1", "data/synth-v2"]
    a.rehearsal = [r for r in a.rehearsal if r != "none"]
    os.chdir(HERE)
    a.work = os.path.join("runs", a.tag)
    a.model_dir = os.path.join("runs", f"{a.tag}-model")
    zip_path = os.path.join("runs", f"{a.tag}-export.zip")
    out_path = os.path.join("runs", f"{a.tag}.json")
    suffix = secrets.token_hex(3)
    category = f"{a.tag}-{suffix}"
    plate = f"{a.tag.upper()}-{suffix.upper()}"
    started = time.time()

    def log(msg):
        print(f"[{time.time() - started:7.1f} s] {msg}", flush=True)

    api = Api(a.url)
    summary = {"url": a.url, "data": a.data, "check": a.check, "category": category, "version": a.version,
               "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "seconds": {}, "errors": []}

    def write():
        summary["api"] = {"requests": api.requests, "retries": api.waits}
        with open(out_path, "w") as f:
            json.dump(summary, f, indent=2)

    api.wait_ready()
    summary["models_before"] = [{k: m.get(k) for k in ("modelVersion", "version", "state") if k in m}
                                for m in api.call("GET", "/api/v1/models", "data")]
    pkg, check = open_package(a.data), open_package(a.check)
    registered = None
    phases = [("label", lambda: phase_label(api, pkg, category, plate, summary, log)),
              ("export", lambda: phase_export(api, category, zip_path, summary, log)),
              ("retrain", lambda: None if a.skip_retrain else phase_retrain(a, zip_path, summary, log)),
              ("register", lambda: phase_register(api, a, summary, log)),
              ("heldout", lambda: phase_heldout(api, check, category + "-check", plate + "-C", a.check_items, summary, log)),
              ("promote", lambda: phase_promote(api, registered, check, category, summary, log))]
    for name, run in phases:
        t0 = time.time()
        log(f"phase {name}")
        try:
            result = run()
            if name == "register":
                registered = result
        except Exception as e:  # noqa: BLE001 - recorded in the summary, then stop: later phases need this one
            summary["errors"].append({"phase": name, "error": f"{type(e).__name__}: {e}"})
            summary["seconds"][name] = round(time.time() - t0, 1)
            log(f"FAILED {name}: {e}")
            write()
            return 1
        summary["seconds"][name] = round(time.time() - t0, 1)
        log(f"phase {name} done in {summary['seconds'][name]} s")
        write()
    summary["seconds"]["total"] = round(time.time() - started, 1)
    write()
    log(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
