import ArgumentParser
import DialGateCore
import Foundation

/// `dialgate bloctel`: the monthly Bloctel check. `prepare` turns a prospect file into the file
/// Bloctel takes; `import` turns Bloctel's answer into the two list files of that check
/// (registered, cleared) in the daemon's list directory.
struct Bloctel: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prepare a Bloctel check and import its result into the list directory.",
        discussion: """
            A check is: dialgate bloctel prepare (the upload file), the upload to Bloctel, then dialgate bloctel \
            import of what came back, dated the day of the check. The format of Bloctel's files \
            (Telephone;Identifiant) is unconfirmed (docs/compliance.md).
            """,
        subcommands: [BloctelPrepare.self, BloctelImport.self])
}

/// The Bloctel form of a number: the 10-digit French national number `0XXXXXXXXX` (overseas
/// numbers in their national form, `0692…`), or `nil` for a number outside the French plan.
func bloctelNationalNumber(_ number: PhoneNumber) -> String? {
    guard number.territory != .foreign else { return nil }
    let significant = String(number.key % 1_000_000_000)
    return "0" + String(repeating: "0", count: 9 - significant.count) + significant
}

/// Writes lines to stderr, one a problem, as compilers do: `file:line: message`.
func report(_ file: String, line: Int, _ message: String) {
    FileHandle.standardError.write(Data("\(file):\(line): \(message)\n".utf8))
}
