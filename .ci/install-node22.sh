#!/usr/bin/env bash
# Node.js 22, the major version of Lambda's nodejs22.x runtime, for the test that runs the deployed bundles on
# it (test/integration/infra/package.test.ts). From the npm registry: node-linux-<arch> is Node's official
# binary inside an npm package, with no install script. It is kept out of node_modules, because its package
# links a `node` command that npm scripts would then run instead of the machine's Node.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=22.23.3
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "install-node22: no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac
dir=.cache/node22
bin="$dir/node_modules/node-linux-$arch/bin/node"

if [ ! -x "$bin" ] || [ "$("$bin" --version)" != "v$VERSION" ]; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --no-bin-links --no-audit --no-fund "node-linux-$arch@$VERSION"
fi
echo "node22: $("$bin" --version) ($bin)"
