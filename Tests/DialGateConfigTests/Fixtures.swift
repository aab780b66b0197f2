import DialGateCore
import Foundation

/// The list tests' fixed now, as in DialGateCoreTests: 2026-11-29 13:00 in Paris (12:00 UTC).
let listTestNow = Date(timeIntervalSince1970: 1_795_953_600)

/// A calendar day from its ISO text.
func day(_ text: String) -> CalendarDay { CalendarDay(iso: text)! }
