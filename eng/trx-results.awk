# Reads a VSTest .trx file and prints one line per test result:
#   OUTCOME <TAB> Namespace.Class.Method <TAB> test name (with theory arguments, XML-escaped as in the file)
# Used by test.sh to count results and to retry exactly the tests that failed.
function attr(line, key,    m) {
  if (match(line, " " key "=\"[^\"]*\"")) {
    m = substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 4)
    return m
  }
  return ""
}
/<UnitTestResult / {
  n++
  rid[n] = attr($0, "testId"); rname[n] = attr($0, "testName"); rout[n] = attr($0, "outcome")
}
/<UnitTest / { cur = attr($0, "id") }
/<TestMethod / { fqn[cur] = attr($0, "className") "." attr($0, "name") }
END {
  for (i = 1; i <= n; i++) printf "%s\t%s\t%s\n", rout[i], fqn[rid[i]], rname[i]
}
