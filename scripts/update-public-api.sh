#!/usr/bin/env bash
# Records the current public API of every shipped library in its PublicAPI.Unshipped.txt.
# Run it after a deliberate change to the public surface, review the diff, and commit it:
# the build fails (RS0016/RS0017) on any change that is not recorded.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for project in "$repo"/src/*/; do
  name=$(basename "$project")
  [[ -f "$project/PublicAPI.Unshipped.txt" ]] || continue
  printf '#nullable enable\n' > "$project/PublicAPI.Unshipped.txt"
  symbols=$(dotnet build "$project/$name.csproj" -c Release --no-incremental -p:TreatWarningsAsErrors=false 2>&1 \
    | grep -E "RS0016.*\[$project$name.csproj" | sed -n "s/.*Symbol '\(.*\)' is not part of the declared public API.*/\1/p" | sort -u || true)
  if [[ -n "$symbols" ]]; then
    printf '%s\n' "$symbols" >> "$project/PublicAPI.Unshipped.txt"
  fi
  echo "$name: $(($(wc -l < "$project/PublicAPI.Unshipped.txt") - 1)) symbols"
done
