#ifndef SOFTLABEL_CPU_CHECK_H
#define SOFTLABEL_CPU_CHECK_H
/// 1 when this CPU has every instruction-set extension the binary was compiled for, else 0.
int softlabel_cpu_supported(void);
/// The extensions the binary needs, e.g. "AVX2+FMA", or "" for a portable build.
const char *softlabel_cpu_requirement(void);
#endif
