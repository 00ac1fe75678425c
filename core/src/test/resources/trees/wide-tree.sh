#!/bin/sh
# A three-level tree of more than 20 processes, with one process that escapes (forks, its
# parent exits, and it calls setsid: re-parented to init, in a session of its own) and one
# that ignores SIGTERM. Every sleep carries the marker given as $1 in its arguments, so a test
# can find survivors by command line. Prints "ready" once all are started.
marker=$1
for i in 1 2 3 4; do
  sh -c "for j in 1 2 3 4; do sleep $marker & done; wait" &
done
# double fork + setsid: the subshell forks setsid and exits at once
( setsid sh -c "sleep $marker; :" & )
# ignores SIGTERM; the ignored disposition survives exec, so its sleep ignores it too
sh -c "trap '' TERM; sleep $marker; :" &
echo ready
wait
