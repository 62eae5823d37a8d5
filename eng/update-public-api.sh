#!/usr/bin/env bash
# Regenerates src/*/PublicAPI.Unshipped.txt from the code, unattended (Microsoft.CodeAnalysis.PublicApiAnalyzers).
#
#   eng/update-public-api.sh            # every packable project under src/
#   eng/update-public-api.sh VirtualIp.Linux VirtualIp.Testing   # only these
#
# Run it after adding, changing or removing public API (the build fails with RS0016/RS0017 until the files match), then
# review `git diff -- 'src/*/PublicAPI.*.txt'`: that diff is the API change. Each Unshipped file is reset to the
# header and refilled by the analyzer's own code fix, so removed or renamed members disappear too. Entries already in
# PublicAPI.Shipped.txt (moved there at a release) are not repeated. Takes about a minute per project on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."

projects=()
if [ $# -gt 0 ]; then
  for name in "$@"; do projects+=("src/$name/$name.csproj"); done
else
  for p in src/*/*.csproj; do projects+=("$p"); done
fi

for proj in "${projects[@]}"; do
  [ -f "$proj" ] || { echo "no project $proj" >&2; exit 2; }
  dir=$(dirname "$proj")
  [ -f "$dir/PublicAPI.Shipped.txt" ] || printf '#nullable enable\n' > "$dir/PublicAPI.Shipped.txt"
  printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
done

# One fix pass per project (restored first: dotnet format needs the analyzer package, and a project added since the
# last build may not be restored yet). RS0016 = public symbol not declared, RS0037 = "#nullable enable" header missing.
# RS0017 (declared symbol gone) needs no fix: the Unshipped files were reset above.
for proj in "${projects[@]}"; do
  echo "public API: $proj"
  dotnet restore "$proj" --verbosity quiet
  dotnet format analyzers "$proj" --no-restore --diagnostics RS0016 RS0037 --severity info --verbosity quiet
  dir=$(dirname "$proj")
  # Stable order (the fixer appends); keep the header first.
  { head -n1 "$dir/PublicAPI.Unshipped.txt"; tail -n +2 "$dir/PublicAPI.Unshipped.txt" | LC_ALL=C sort -u; } > "$dir/PublicAPI.Unshipped.txt.tmp"
  mv "$dir/PublicAPI.Unshipped.txt.tmp" "$dir/PublicAPI.Unshipped.txt"
done

echo "Updated: $(git status --short -- 'src/*/PublicAPI.*.txt' | wc -l) file(s). Review with: git diff -- 'src/*/PublicAPI.*.txt'"
