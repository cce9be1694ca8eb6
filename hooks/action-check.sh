#!/usr/bin/env bash
# The action's check step, as GitHub runs it: GITHUB_* variables in, GITHUB_OUTPUT and
# GITHUB_STEP_SUMMARY out. Exits 0 with the findings counted in the output (the action's last step
# fails on them, after the SARIF upload); exit 2 for bad input or config.
set -uo pipefail
secretops_cmd=${SECRETOPS_CMD:-secretops}
mode=${SECRETOPS_MODE:-}
case "$mode" in
  ""|diff|all) ;;
  *) echo "::error::secretops: mode must be diff or all (got '${mode//[^A-Za-z0-9._-]/?}')"; exit 2 ;;
esac
if [ -z "$mode" ]; then
  if [ "${GITHUB_EVENT_NAME:-}" = "pull_request" ] || [ "${GITHUB_EVENT_NAME:-}" = "pull_request_target" ]; then
    mode=diff
  else
    mode=all
  fi
fi
base=${SECRETOPS_BASE:-${SECRETOPS_EVENT_BASE:-}}
if [ -z "$base" ] && [ -n "${GITHUB_BASE_REF:-}" ]; then
  base="origin/${GITHUB_BASE_REF}"
fi
if [ "$mode" = "diff" ] && [ -z "$base" ]; then
  base=$(git rev-parse --verify -q HEAD~1 || true)
  [ -n "$base" ] || mode=all
fi
sarif="${RUNNER_TEMP:-/tmp}/secretops.sarif"
read -r -d "" -a extra <<< "${SECRETOPS_ARGS:-}" || true  # every line of the input, not only the first
for arg in "${extra[@]}"; do  # the action writes and counts the SARIF report itself
  case "$arg" in
    --format|--format=*|--output|--output=*|-o*|-[!-]*o*)
      echo "::error::secretops: args must not set --format or -o/--output (the action writes the SARIF report; use its sarif output)"
      exit 2 ;;
  esac
done
rm -f "$sarif"  # a report left by an earlier run is never counted
if [ "$mode" = "diff" ]; then
  range="${base}..HEAD"
  $secretops_cmd check --diff "$range" --format sarif -o "$sarif" -q "${extra[@]}"
  code=$?
  review=("$range")
else
  $secretops_cmd check --all --format sarif -o "$sarif" -q "${extra[@]}"
  code=$?
  review=()
fi
if [ "$code" -ge 2 ]; then
  echo "::error::secretops check could not run (exit $code)"
  exit "$code"
fi
findings=$(python - "$sarif" <<'PY'
import json, sys
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        runs = json.load(f)["runs"]
    print(sum(len(r["results"]) for r in runs))
except (OSError, ValueError, KeyError, TypeError):
    sys.exit(2)
PY
) || { echo "::error::secretops: the check wrote no readable SARIF report"; exit 2; }
{
  echo "findings=$findings"
  echo "sarif=$sarif"
} >> "${GITHUB_OUTPUT:-/dev/null}"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo "**secretops check** (${mode}): ${findings} finding(s)"
    echo
    if [ "${#review[@]}" -gt 0 ]; then
      $secretops_cmd diff "${review[@]}" --format markdown
    fi
  } >> "$GITHUB_STEP_SUMMARY"
fi
exit 0
