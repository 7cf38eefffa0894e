// Runs libFuzzer with this target's fuzzOne (see FuzzClientReplies.swift). SwiftPM links this file's code as
// the program's main(), so libFuzzer's own main() is not used: its driver is called instead.
import CLibFuzzer
import Glibc

var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argv) { data, size in fuzzOne(data!, size) })
