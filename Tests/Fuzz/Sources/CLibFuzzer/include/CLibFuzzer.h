// libFuzzer's driver, for fuzz targets that supply their own main() (SwiftPM links each
// executable's main under its own name, so libFuzzer's main() cannot be used).
#ifndef C_LIBFUZZER_H
#define C_LIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

/// Parses libFuzzer's command line and runs the fuzzer with `callback` as the target.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
