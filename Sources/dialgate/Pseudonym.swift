import ArgumentParser
import DialGateCore
import DialGateAudit

/// `dialgate pseudonym`: the keyed pseudonym under which the journal records a number, so an
/// auditor holding the key can find every decision about it:
/// `journalctl DIALGATE_NUMBER_HMAC=$(dialgate pseudonym 0612345678)`.
struct Pseudonym: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the journal pseudonym of a number (HMAC under the daemon's audit key).")

    @Argument(help: "The number, in any written form.")
    var number: String

    @Option(name: .long, help: "The audit key file.")
    var keyFile = "/var/lib/dialgate/audit.key"

    func run() throws {
        print(try Self.of(number, keyFile: keyFile))
    }

    /// The pseudonym of `number` under the key in `keyFile`; a clear error (exit 2) otherwise.
    static func of(_ number: String, keyFile: String) throws -> String {
        let parsed: PhoneNumber
        do { parsed = try PhoneNumber(parsing: number) } catch { throw fail("'\(number)': \(error)") }
        do {
            return Pseudonymizer(key: try Pseudonymizer.loadKey(at: keyFile)).pseudonym(for: parsed)
        } catch {
            throw fail("\(error)")
        }
    }
}
