#!/bin/bash
# Count test results from automake's .trs files under DIR; print the
# failures and end with the line "N passed, N failed".
dir=${1:-.}
pass=0 fail=0 skip=0
while IFS= read -r -d '' trs; do
	p=$(grep -c '^:test-result: PASS' "$trs")
	f=$(grep -cE '^:test-result: (FAIL|ERROR|XPASS)' "$trs")
	s=$(grep -c '^:test-result: SKIP' "$trs")
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	if [ "$f" -gt 0 ]; then
		echo "FAILED in ${trs%.trs}.log:"
		grep -E '^(not ok|ERROR|FAIL)' "${trs%.trs}.log" | head -10 | sed 's/^/  /'
	fi
done < <(find "$dir" -name '*.trs' -print0 | sort -z)
[ "$skip" -gt 0 ] && echo "$skip skipped"
echo "$pass passed, $fail failed"
