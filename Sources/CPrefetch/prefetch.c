// CPrefetch is header-only (see include/CPrefetch.h); a C target needs one source file.
#include "CPrefetch.h"
