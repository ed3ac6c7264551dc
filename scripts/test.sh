#!/usr/bin/env bash
# The whole test suite: type check, lint (ESLint, dependency rules), unit, route and browser tests on a fresh
# embedded PostgreSQL. Installs the Debian packages the tests need when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -e /usr/lib/softhsm/libsofthsm2.so ] || need+=(softhsm2)
[ -x /usr/bin/pdftotext ] || need+=(poppler-utils)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

echo "Type check"
npx tsc --noEmit -p tsconfig.json

echo "Lint and dependency rules"
npm run --silent lint

mkdir -p test-results
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@" || status=$?

# A closing line any CI can read; the report decides the exit code too, so that nothing
# between the runner and this script can turn a failure into success.
node -e '
  const r = require("./test-results/vitest.json");
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (!r.success || r.numFailedTests > 0 || r.numFailedTestSuites > 0 || r.numTotalTests === 0) process.exit(1);
' || status=1
exit $status
