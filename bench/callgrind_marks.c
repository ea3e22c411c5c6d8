/* Callgrind client requests for bench/profile_scale.py --callgrind (loaded with ctypes): count
   the instructions of one request only. Outside valgrind these are no-ops. */
#include <valgrind/callgrind.h>

void marks_start(void) {
    CALLGRIND_START_INSTRUMENTATION;
    CALLGRIND_ZERO_STATS;
}

void marks_stop(const char *name) {
    CALLGRIND_DUMP_STATS_AT(name);
    CALLGRIND_STOP_INSTRUMENTATION;
}
