import DialGateProtocol

/// The request lines the hook sends, in Protocol.md's syntax, each read back with the gate's
/// own parser before it leaves: a number, campaign or key from the dialplan that the gate
/// would read otherwise (a stray quote, a line break, a key too long) is caught here and the
/// call fails closed, instead of a different question reaching the gate.
enum WireRequest {
    static func check(number: String, campaign: String, key: String?, deadlineMilliseconds: Int) -> String? {
        var line = "CHECK \(word(number)) campaign=\(word(campaign))"
        if let key { line += " key=\(word(key))" }
        line += " deadline-ms=\(deadlineMilliseconds)"
        guard let request = try? Request(parsing: Substring(line)), request.key == key,
            case .check(let check) = request.command, check.numberText == number, check.campaign == campaign,
            check.deadlineMilliseconds == deadlineMilliseconds
        else { return nil }
        return line
    }

    static func attempt(number: String, campaign: String, reservation: String?, outcome: String?, key: String?) -> String? {
        var line = "ATTEMPT \(word(number)) campaign=\(word(campaign))"
        if let reservation { line += " reservation=\(word(reservation))" }
        if let outcome { line += " outcome=\(word(outcome))" }
        if let key { line += " key=\(word(key))" }
        guard let request = try? Request(parsing: Substring(line)), request.key == key,
            case .attempt(let attempt) = request.command, attempt.campaign == campaign,
            attempt.reservation == reservation, attempt.result?.rawValue == outcome
        else { return nil }
        return line
    }

    static func release(number: String, reservation: String, key: String?) -> String? {
        var line = "RELEASE \(word(number)) reservation=\(word(reservation))"
        if let key { line += " key=\(word(key))" }
        guard let request = try? Request(parsing: Substring(line)), request.key == key,
            case .release(_, let released) = request.command, released == reservation
        else { return nil }
        return line
    }

    /// A word or value as the wire writes it: bare when it is plain printable ASCII, else in
    /// double quotes with `\"` and `\\`, and every other character outside printable ASCII as
    /// `\uXXXX`, so no control character, line break or bidi control is ever sent raw.
    static func word(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value < 0x7F && scalar != "\"" && scalar != "\\" && scalar != "="
        }
        if plain { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value >= 0x20 && scalar.value < 0x7F: out.unicodeScalars.append(scalar)
            case _ where scalar.value <= 0xFFFF:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
