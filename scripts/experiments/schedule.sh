# Sourced by the experiment scripts: how a study's evaluations are scheduled. An ENTRY is a run's
# fields separated by | (empty ones kept), its name first; FUNCTION is called with the fields.

# in_pairs FUNCTION ENTRY...: every ENTRY, two calls at a time, each pair waited for (the
# untimed runs, whose calls are compared, not their times).
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

# timed_twice FUNCTION ENTRY...: every ENTRY in turn, one call at a time, then all of them again,
# the name suffixed -t1 and -t2 (the runs timed with nothing else running).
timed_twice() {
  local run=$1 repeat entry fields
  shift
  for repeat in 1 2; do
    for entry in "$@"; do
      IFS='|' read -r -a fields <<< "$entry|"
      "$run" "${fields[0]}-t$repeat" "${fields[@]:1}"
    done
  done
}
