#!/bin/sh
# The grading host's entry point: the Containerfile's ENTRYPOINT, and runnable as is on a host.
#   grade.sh check                    is the sandbox usable here? (root, bubblewrap, namespaces)
#   grade.sh ASSIGNMENT [GRADE ARGS]  (COLLECT=1: nbgrader collect --update first) grade, then feedback
# COURSE: the course root (default /srv/course); PYTHON: the interpreter with the course package.
set -eu
COURSE=${COURSE:-/srv/course}
PYTHON=${PYTHON:-python3}
usage() { echo "usage: grade.sh check | grade.sh ASSIGNMENT [--student ID ...]" >&2; }
[ $# -gt 0 ] || { usage; exit 2; }
case "$1" in -h|--help) usage; exit 0 ;; esac
cd "$COURSE"
[ -f nbgrader_config.py ] || { echo "grade.sh: $COURSE has no nbgrader_config.py" >&2; exit 2; }
case "$1" in
    check)
        exec "$PYTHON" -c "from grader.grading.sandbox import check_available; check_available(); print('sandbox: ok')" ;;
esac
assignment=$1; shift
if [ "${COLLECT:-0}" = 1 ]; then
    "$PYTHON" -m nbgrader collect "$assignment" --update
fi
# feedback for the same students as the grading (--student ID pairs), every other option is grade's
students=""
previous=""
for arg in "$@"; do
    [ "$previous" = "--student" ] && students="$students --student $arg"
    previous=$arg
done
status=0
"$PYTHON" -m grader grade "$assignment" "$@" || status=$?
# shellcheck disable=SC2086  # ids are hub user names (no spaces)
"$PYTHON" -m grader feedback "$assignment" $students || status=$?
exit "$status"
