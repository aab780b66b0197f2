/// What every fuzz target shares: how a broken property stops the run.
///
/// libFuzzer saves the input that killed the process, so a violated property must kill it:
/// `fatalError` traps, and with `SWIFT_BACKTRACE=enable=no` (set by scripts/fuzz) the trap
/// reaches libFuzzer's signal handler instead of Swift's backtracer, which would never return.

/// Traps with `message` unless `condition` holds.
@inline(__always)
func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz invariant violated: \(message())") }
}

/// The fuzzer's bytes as a buffer (libFuzzer passes a null pointer for the empty input).
func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: size == 0 ? nil : data, count: size)
}

/// `text` quoted with every non-ASCII or invisible scalar escaped (`\u{2028}`), so that a
/// failure message shows exactly what broke the property.
func shown(_ text: String) -> String {
    "\"" + text.unicodeScalars.map { $0.escaped(asASCII: true) }.joined() + "\""
}

/// Bytes as `shown` text (invalid UTF-8 repaired to U+FFFD).
func shown(_ bytes: some Collection<UInt8>) -> String {
    shown(String(decoding: bytes, as: UTF8.self))
}
