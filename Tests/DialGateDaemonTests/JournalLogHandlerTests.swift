import DialGateSystemd
import Logging
import Testing

@testable import DialGateDaemon

@Suite("Log levels and journal priorities")
struct JournalLogHandlerTests {
    @Test(
        "a level from info to critical keeps itself through the journal's priority and back",
        arguments: [Logger.Level.info, .notice, .warning, .error, .critical])
    func levelRoundTrip(level: Logger.Level) {
        #expect(JournalLogHandler.level(JournalLogHandler.priority(level)) == level)
    }

    @Test("trace and debug are both debug; emergency and alert are critical")
    func collapsedLevels() {
        #expect(JournalLogHandler.priority(.trace) == .debug)
        #expect(JournalLogHandler.level(.emergency) == .critical)
        #expect(JournalLogHandler.level(.alert) == .critical)
    }
}
