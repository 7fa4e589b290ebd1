# Sourced by the experiment scripts: in_pairs FUNCTION ENTRY... calls FUNCTION once per ENTRY
# with the ENTRY's fields (separated by |, empty ones kept) as its arguments, two calls at a time,
# each pair waited for.
in_pairs() {
  local run=$1 fields
  shift
  while (($# > 0)); do
    # The appended | keeps an empty last field, which read -a would drop.
    IFS='|' read -r -a fields <<< "$1|"
    "$run" "${fields[@]}" &
    if (($# > 1)); then
      IFS='|' read -r -a fields <<< "$2|"
      "$run" "${fields[@]}" &
      shift
    fi
    shift
    wait
  done
}
