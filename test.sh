#!/usr/bin/env bash
# The whole test suite. Installs what the tests need on Debian (as root), then runs every
# test and a smoke run of every benchmark. Usage: ./test.sh
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v emacs >/dev/null 2>&1 || need+=(emacs-nox)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# The SSH transport's tests run a real sshd on 127.0.0.1 and the system ssh client.
{ [ -x /usr/sbin/sshd ] && command -v ssh >/dev/null 2>&1; } || need+=(openssh-server openssh-client)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
# The fleet sample's systemd units are checked with systemd-analyze verify.
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "test.sh: missing ${need[*]} (apt-get install -y ${need[*]}); tests that need them will skip" >&2
  fi
fi

rm -rf artifacts/test-results
status=0
dotnet test OrgDispatch.sln --logger "trx;LogFileName=results.trx" --results-directory artifacts/test-results || status=$?

# Benchmarks are measured by hand in Release (docs/performance.md); here each one only has to run.
dotnet run -c Release --project benchmarks/OrgDispatch.Benchmarks -- --filter '*' --job Dry \
  > artifacts/benchmarks-dry.log 2>&1 || { echo "test.sh: benchmark smoke run failed (artifacts/benchmarks-dry.log)"; tail -20 artifacts/benchmarks-dry.log; status=1; }
exit $status
