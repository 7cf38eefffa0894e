// Nothing to compile: LLVMFuzzerRunDriver comes from libFuzzer (swiftc -sanitize=fuzzer).
#include "CLibFuzzer.h"
