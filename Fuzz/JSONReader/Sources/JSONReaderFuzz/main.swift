import CLibFuzzer
import Foundation

// libFuzzer's driver with our callback: `JSONReaderFuzz [libFuzzer flags] [corpus dirs]`.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    fuzzOneInput(data ?? UnsafePointer(bitPattern: 0x10)!, size)
})
