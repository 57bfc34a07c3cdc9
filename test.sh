#!/usr/bin/env bash
# Runs every test of Returns.Grader on a fresh Debian machine: installs what the tests need (Chromium for the browser
# tests, PostgreSQL for the integration tests' second provider, Node.js + the Azurite storage emulator for the Azure
# Blob photo store, PyTorch for the training-code tests and for the .NET tests that read exported packages with the
# training code and retrain on one), starts a throwaway PostgreSQL and Azurite, then runs the .NET unit, bUnit,
# integration (SQLite and PostgreSQL; file system and Azure Blob stores) and Playwright tests, the Dockerfile's steps
# (emulated: no Docker engine here), then pytest.
# Usage: ./test.sh            (everything)
#        ./test.sh --no-install  (skip apt; for a machine that already has the packages)
#        ./test.sh --no-install --run CMD ARGS...  (start PostgreSQL and Azurite, run CMD with them, stop them: e.g.
#                  --run dotnet test tests/Returns.Grader.IntegrationTests -c Release --filter TwoNodeTests)
set -euo pipefail
cd "$(dirname "$0")"

install=1
[[ "${1:-}" == "--no-install" ]] && { install=0; shift; }
run=()
[[ "${1:-}" == "--run" ]] && { shift; run=("$@"); }

apt_packages=(chromium postgresql)
# Azurite runs on Node.js; only install Debian's when there is no node at all (a newer one may come from elsewhere).
command -v node >/dev/null || apt_packages+=(nodejs npm)
if [[ -d models/training/tests ]]; then
  apt_packages+=(python3-torch python3-torchvision python3-onnx python3-numpy python3-pil python3-pytest libopenblas0-pthread)
fi

missing=()
for package in "${apt_packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [[ $install == 1 && ${#missing[@]} -gt 0 ]]; then
  echo "==> Installing ${missing[*]} (apt)"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Where services start on install (systemd), the package starts its default cluster: the tests use their own, so stop
  # the one this install started rather than leave a server running.
  if [[ " ${missing[*]} " == *" postgresql "* ]] && command -v pg_lsclusters >/dev/null; then
    pg_lsclusters --no-header | while read -r version name _ status _; do
      [[ $status == online ]] && $sudo_cmd pg_ctlcluster "$version" "$name" stop || true
    done
  fi
fi

# A throwaway PostgreSQL cluster for the integration tests: a temporary folder, loopback only, a free port, trust
# authentication (nothing else can reach it). initdb refuses to run as root, so under root (CI) the server runs as the
# postgres user the package created. It is stopped and removed when this script ends, however it ends.
pg_root=""
stop_postgres() {
  [[ -n "$pg_root" && -d "$pg_root" ]] || return 0
  if [[ -f "$pg_root/data/postmaster.pid" ]]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_root/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$pg_root"
}
trap 'stop_azurite; stop_postgres' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
start_postgres() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -x "$pg_bin/initdb" ]] || { echo "PostgreSQL server binaries not found under /usr/lib/postgresql (apt package postgresql)" >&2; exit 1; }
  pg_root=$(mktemp -d "${TMPDIR:-/tmp}/grader-pg.XXXXXX")
  [[ $(id -u) -eq 0 ]] && chown postgres: "$pg_root"
  as_pg "$pg_bin/initdb" -D "$pg_root/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$pg_root/initdb.log" 2>&1 \
    || { cat "$pg_root/initdb.log" >&2; exit 1; }
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break # nothing listens there
  done
  as_pg "$pg_bin/pg_ctl" -D "$pg_root/data" -l "$pg_root/server.log" -w -t 60 \
    -o "-p $port -k $pg_root -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null \
    || { cat "$pg_root/server.log" >&2; exit 1; }
  export GRADER_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres"
  echo "==> PostgreSQL $(basename "$(dirname "$pg_bin")") on 127.0.0.1:$port (throwaway cluster in $pg_root)"
}

# Azurite (the Azure Storage emulator, blob service only) for the Azure Blob photo store's tests: installed into the
# git-ignored .tools/azurite (no root needed), data in a temporary folder, loopback only, a free port, stopped and removed
# when this script ends. --skipApiVersionCheck: Azure.Storage.Blobs 12.30 sends an API version Azurite does not know yet.
azurite_version=3.37.0
azurite_root=""
azurite_pid=""
stop_azurite() {
  if [[ -n "$azurite_pid" ]] && kill -0 "$azurite_pid" 2>/dev/null; then
    kill "$azurite_pid" 2>/dev/null || true
    wait "$azurite_pid" 2>/dev/null || true
  fi
  [[ -n "$azurite_root" && -d "$azurite_root" ]] && rm -rf "$azurite_root"
  return 0
}
start_azurite() {
  local tools=.tools/azurite
  local bin="$tools/node_modules/.bin/azurite-blob"
  if [[ ! -x "$bin" ]] || ! grep -q "\"version\": \"$azurite_version\"" "$tools/node_modules/azurite/package.json" 2>/dev/null; then
    command -v npm >/dev/null || { echo "npm not found: Azurite needs Node.js and npm (apt packages nodejs npm)" >&2; exit 1; }
    echo "==> Installing azurite@$azurite_version into $tools (npm)"
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "azurite@$azurite_version" >/dev/null
  fi
  azurite_root=$(mktemp -d "${TMPDIR:-/tmp}/grader-azurite.XXXXXX")
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break # nothing listens there
  done
  "$bin" --blobHost 127.0.0.1 --blobPort "$port" --location "$azurite_root/data" --skipApiVersionCheck --disableTelemetry \
    --silent >"$azurite_root/azurite.log" 2>&1 &
  azurite_pid=$!
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$azurite_pid" 2>/dev/null || { cat "$azurite_root/azurite.log" >&2; echo "Azurite did not start" >&2; exit 1; }
    sleep 0.1
  done
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { cat "$azurite_root/azurite.log" >&2; echo "Azurite did not listen on $port within 30 s" >&2; exit 1; }
  # Azurite's well-known development account and key: published by Microsoft, accepted only by the emulator.
  export GRADER_TEST_AZURITE="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$port/devstoreaccount1;"
  echo "==> Azurite $azurite_version (blob) on 127.0.0.1:$port (data in $azurite_root)"
}

# axe-core, the accessibility rules the browser tests check pages against (AccessibilityTests): the same pinned version,
# into the git-ignored .tools/axe-core with npm, read by the tests from GRADER_TEST_AXE.
axe_version=4.14.1
install_axe() {
  local tools=.tools/axe-core
  if ! grep -q "\"version\": \"$axe_version\"" "$tools/node_modules/axe-core/package.json" 2>/dev/null; then
    command -v npm >/dev/null || { echo "npm not found: axe-core needs npm (apt packages nodejs npm)" >&2; exit 1; }
    echo "==> Installing axe-core@$axe_version into $tools (npm)"
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "axe-core@$axe_version" >/dev/null
  fi
  export GRADER_TEST_AXE="$PWD/$tools/node_modules/axe-core/axe.min.js"
}

start_postgres
start_azurite
install_axe
if [[ ${#run[@]} -gt 0 ]]; then
  "${run[@]}"
  exit $?
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "==> dotnet tool restore; build"
dotnet tool restore >/dev/null
dotnet build Returns.Grader.sln -c Release -nologo -v quiet
# The benchmarks are not in the solution (they are run by hand, docs/benchmarks.md), so nothing built them: one stopped
# compiling when ReviewOptions moved (issue 16) and nobody saw until 2026-12-06. Built here, not run.
for bench in bench/*/*.csproj; do
  dotnet build "$bench" -c Release -nologo -v quiet
done

echo "==> .NET tests (unit + bUnit, integration on real SQLite files and PostgreSQL, file system and Azurite stores, Playwright in headless Chromium)"
# One test project at a time (-m:1): run together on two cores, the integration tests' app hosts starved the browser
# tests' server (a sign-in page load passed 45 s once, 2026-12-03), and together they took longer than one after another
# (measured on a clean clone: 7 min at once; 17 s + 1 min 57 s + 2 min 56 s in turn).
dotnet test Returns.Grader.sln -c Release --no-build -nologo -m:1

echo "==> Container image steps (the Dockerfile's restore/publish emulated without a Docker engine; the app started from its folder as non-root)"
/usr/bin/python3 tests/container/emulate_dockerfile.py

if [[ -d models/training/tests ]]; then
  echo "==> Training-code tests (pytest, Debian's PyTorch; the hybrid stem's ResNet-18 restored from NuGet)"
  dotnet restore models/training/pretrained -nologo -v quiet
  (cd models/training && OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m pytest -q)
fi
echo "==> All tests passed"
