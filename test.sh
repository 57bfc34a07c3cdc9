#!/usr/bin/env bash
# Runs every test of Returns.Grader on a fresh Debian machine: installs what the tests need (Chromium for the browser
# tests, PyTorch for the training-code tests and for the .NET tests that read exported packages with the training code
# and retrain on one), then the .NET unit, bUnit, integration and Playwright tests, then pytest.
# Usage: ./test.sh            (everything)
#        ./test.sh --no-install  (skip apt; for a machine that already has the packages)
set -euo pipefail
cd "$(dirname "$0")"

install=1
[[ "${1:-}" == "--no-install" ]] && install=0

apt_packages=(chromium)
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
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "==> dotnet tool restore; build"
dotnet tool restore >/dev/null
dotnet build Returns.Grader.sln -c Release -nologo -v quiet

echo "==> .NET tests (unit + bUnit, integration on real SQLite files, Playwright in headless Chromium)"
dotnet test Returns.Grader.sln -c Release --no-build -nologo

if [[ -d models/training/tests ]]; then
  echo "==> Training-code tests (pytest, Debian's PyTorch)"
  (cd models/training && OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m pytest -q)
fi
echo "==> All tests passed"
