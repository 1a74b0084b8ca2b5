#ifndef CPREFETCH_H
#define CPREFETCH_H

// A cache hint for hot loops that know which memory they will read next. Swift has no prefetch
// of its own; this inline function compiles to one PREFETCHT0 (or nothing where there is none)
// and never faults, whatever the address.
static inline void cpf_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
