// The shim is header-only; this file exists so that SwiftPM builds the C target.
#include "CSockDiag.h"
