import ArgumentParser
import DialGateAudit
import DialGateConfig
import DialGateCore
import Foundation

/// Where the audit key is: `--key-file`, else the `[audit] key-file` of the configuration
/// (`--config`, by default the installed one), else the default path.
struct AuditKeyOption: ParsableArguments {
    @Option(name: .long, help: "The audit key file (default: [audit] key-file of --config).")
    var keyFile: String?

    @Option(name: .long, help: "The daemon's configuration, for its audit key path.")
    var config = "/etc/dialgate/dialgate.toml"

    /// The key file to read.
    func path() throws -> String {
        if let keyFile { return keyFile }
        guard FileManager.default.fileExists(atPath: config) else { return AuditSettings().keyFile }
        do {
            return try Configuration.load(path: config).audit.keyFile
        } catch {
            throw fail("\(error)")
        }
    }
}

/// `dialgate pseudonym`: the keyed pseudonym under which the journal records a number, so an
/// auditor holding the key can find every decision about it:
/// `h=$(dialgate pseudonym 0612345678) && journalctl DIALGATE_NUMBER_HMAC=$h`.
struct Pseudonym: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the journal pseudonym of a number (HMAC under the daemon's audit key).")

    @Argument(help: "The number, in any written form.")
    var number: String

    @OptionGroup var key: AuditKeyOption

    func run() throws {
        print(try Self.of(number, keyFile: try key.path()))
    }

    /// The pseudonym of `number` under the key in `keyFile`; a clear error (exit 2) otherwise.
    static func of(_ number: String, keyFile: String) throws -> String {
        let parsed: PhoneNumber
        do { parsed = try PhoneNumber(parsing: number) } catch { throw fail("'\(number)': \(error)") }
        do {
            return Pseudonymizer(key: try Pseudonymizer.loadKey(at: keyFile)).pseudonym(for: parsed)
        } catch {
            // Printing nothing on stdout: `$(dialgate pseudonym …)` must not turn into a
            // search for an empty pseudonym that reads as "no decisions".
            let hint = access(keyFile, R_OK) != 0 && FileManager.default.fileExists(atPath: keyFile)
                ? " (the key is readable by its owner only: run as root, or as the daemon's user)" : ""
            throw fail("\(error)\(hint)")
        }
    }
}
