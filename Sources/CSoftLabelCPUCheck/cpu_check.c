// Runs before any Swift code: a binary built for Haswell (AVX2+FMA) on a CPU without them would
// otherwise die of SIGILL somewhere in a kernel. This file itself is compiled for baseline x86-64
// (no -march flag), so the check cannot trip over the instructions it guards against.
#include "cpu_check.h"
#include <stdio.h>
#include <stdlib.h>

#if defined(SOFTLABEL_REQUIRE_AVX2) && (defined(__x86_64__) || defined(__i386__))
int softlabel_cpu_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
const char *softlabel_cpu_requirement(void) { return "AVX2+FMA"; }
#else
int softlabel_cpu_supported(void) { return 1; }
const char *softlabel_cpu_requirement(void) { return ""; }
#endif

__attribute__((constructor)) static void softlabel_check_cpu(void) {
    if (!softlabel_cpu_supported()) {
        fprintf(stderr,
                "softlabel: this binary was built for x86-64 CPUs with %s (x86-64-v3, Haswell or later), "
                "which this CPU lacks. Rebuild it portable: SOFTLABEL_PORTABLE=1 swift build -c release\n",
                softlabel_cpu_requirement());
        exit(70);
    }
}
