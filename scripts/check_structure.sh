#!/usr/bin/env bash
# The layering of docs/architecture.md, checked from the sources (ctest runs this as
# `structure`):
#   1. each part includes only itself and the parts below it (PARTS below);
#   2. core/, datasets/, policy/text/, policy/model/format/, mcts/, search/, sweep/,
#      export/ and fuzz/ include no torch header (torch/, ATen/, c10/);
#   3. no source file over 600 lines, except generated tables (GENERATED);
#   4. no function over 80 lines in policy/engine/ and search/.
# Prints one line per violation, "file:line: what", and exits 1 when there is any.
set -euo pipefail
cd "$(dirname "$0")/.."

# part: the parts it may include (itself included). A file's part is its folder.
declare -A PARTS=(
  [core]="core"
  [datasets]="core datasets"
  [policy/model/format]="core policy/model/format"
  [policy/text]="core policy/text"
  [mcts]="core datasets mcts"
  [search]="core datasets mcts search"
  [sweep]="core datasets mcts search sweep"
  [export]="core datasets mcts search export"
  [fuzz]="core datasets mcts search sweep export policy/text policy/model/format fuzz"
  [policy/model]="core policy/model/format policy/model"
  [value]="core mcts policy/model/format policy/model value"
  [policy]="core datasets policy/text policy/model/format policy/model value policy"
  [policy/engine]="core datasets mcts search policy/text policy/model/format policy/model value policy policy/engine"
  [policy/train]="core datasets mcts policy/text policy/model/format policy/model value policy policy/train"
  [bench]="core datasets mcts search sweep export policy/text policy/model/format policy/model value policy policy/engine policy/train bench"
)
TORCH_FREE="core datasets policy/model/format policy/text mcts search sweep export fuzz"
GENERATED="policy/text/unicode_tables.cc"
LONG_FUNCTION_PARTS="policy/engine search"

violations=0
report() { echo "$1"; violations=$((violations + 1)); }

for part in "${!PARTS[@]}"; do
  allowed=" ${PARTS[$part]} "
  torch_free=false
  [[ " $TORCH_FREE " == *" $part "* ]] && torch_free=true
  for file in "$part"/*.h "$part"/*.cc; do
    [[ -f "$file" ]] || continue
    while IFS=: read -r line include; do
      if [[ "$include" =~ ^\#include\ \"([a-z_0-9/]+)/[a-z_0-9]+\.h\" ]]; then
        target="${BASH_REMATCH[1]}"
        [[ -n "${PARTS[$target]+x}" || "$target" == app ]] || continue
        [[ "$allowed" == *" $target "* ]] || report "$file:$line: part $part may not include $target/ ($include)"
      elif $torch_free && [[ "$include" =~ ^\#include\ \<(torch|ATen|c10)/ ]]; then
        report "$file:$line: part $part is torch-free but includes ${include#\#include }"
      fi
    done < <(grep -n '^#include' "$file" || true)
  done
done

for file in $(git ls-files '*.h' '*.cc' 2>/dev/null || find . -name '*.h' -o -name '*.cc'); do
  [[ " $GENERATED " == *" $file "* ]] && continue
  lines=$(wc -l < "$file")
  (( lines <= 600 )) || report "$file:1: $lines lines (at most 600 outside generated tables)"
done

# A function definition starts at column 0 (namespaces are not indented) with a line that
# ends in "{" and is not a namespace, type or initialiser; it ends at the next "}" in
# column 0.
for part in $LONG_FUNCTION_PARTS; do
  for file in "$part"/*.cc "$part"/*.h; do
    [[ -f "$file" ]] || continue
    awk -v file="$file" -v part="$part" '
      # sig: the line a definition starts on, while its signature runs over several lines.
      start == 0 && sig == 0 && /^[A-Za-z]/ && !/^(namespace|struct|class|enum|union|extern|using|template|typedef|#)/ { sig = NR; name = $0 }
      start == 0 && sig > 0 {
        if (/;$/ || /^\}/) { sig = 0 }
        else if (/\{$/) { start = NR; sig = 0 }
        next
      }
      start > 0 && /^\}/ {
        if (NR - start - 1 > 80) printf "%s:%d: function of %d lines (at most 80 in %s/): %s\n", file, start, NR - start - 1, part, name
        start = 0
      }' "$file"
  done
done > /tmp/steptree_long_functions.$$
while read -r found; do report "$found"; done < /tmp/steptree_long_functions.$$
rm -f /tmp/steptree_long_functions.$$

if (( violations > 0 )); then
  echo "structure: $violations violation(s) (docs/architecture.md)"
  exit 1
fi
echo "structure: every part includes only the parts below it; sizes within limits"
