# Merges coverlet cobertura files (one per test project) and prints line coverage per package (assembly):
#   PACKAGE <TAB> covered <TAB> coverable <TAB> percent
# A line counts as covered when any test project executed it. Used by test.sh.
function attr(line, key,    m) {
  if (match(line, " " key "=\"[^\"]*\"")) return substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 4)
  return ""
}
/<package / { pkg = attr($0, "name") }
# Coverlet names a file relative to one of its <source> roots, which differ between test projects (one says
# "Binding/X.cs", another "tmp/.../src/VirtualIp.Abstractions/Binding/X.cs"): key files by their path inside the package.
/<class / { file = attr($0, "filename"); sub(/^(.*\/)?src\/[^\/]+\//, "", file) }
/<line / {
  k = pkg SUBSEP file SUBSEP attr($0, "number")
  if (!(k in seen)) { seen[k] = 1; total[pkg]++ }
  if (attr($0, "hits") + 0 > 0 && !(k in hit)) { hit[k] = 1; covered[pkg]++ }
}
END {
  for (p in total) printf "%s\t%d\t%d\t%.1f\n", p, covered[p], total[p], 100 * covered[p] / total[p]
}
