/// Why a text is not a dialable number, and where the problem was seen.
///
/// A refused number is never allowed: the caller reports this error (a list line, a query
/// answer) so that a person can fix the source.
public struct PhoneNumberError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong with the text.
    public enum Problem: Hashable, Sendable {
        /// Nothing but spaces.
        case empty
        /// A character that has no place in a number (a letter, a misplaced `+`, an unbalanced
        /// parenthesis).
        case invalidCharacter(Character)
        /// A digit from another script (Arabic-Indic, fullwidth, ...): refused rather than
        /// guessed, since lists should hold what the dialer dials.
        case nonASCIIDigit(Character)
        /// Fewer digits than the form needs; the count is of all digits written.
        case tooFewDigits(Int)
        /// More digits than the form allows; the count is of all digits written.
        case tooManyDigits(Int)
        /// Well-formed digits that no one can dial; the text says why.
        case notDialable(String)
    }

    /// What was wrong.
    public let problem: Problem
    /// The 1-based character position in the input, when one character is to blame.
    public let position: Int?

    /// An error with its problem and, when one character is to blame, its 1-based position.
    public init(_ problem: Problem, at position: Int? = nil) {
        self.problem = problem
        self.position = position
    }

    /// One line for a person: the problem and where.
    public var description: String {
        let at = position.map { " at character \($0)" } ?? ""
        switch problem {
        case .empty: return "empty number"
        case .invalidCharacter(let c): return "invalid character '\(c)'\(at)"
        case .nonASCIIDigit(let c): return "non-ASCII digit '\(c)'\(at)"
        case .tooFewDigits(let n): return "too few digits (\(n))"
        case .tooManyDigits(let n): return "too many digits (\(n))"
        case .notDialable(let why): return "not dialable: \(why)\(at)"
        }
    }
}

extension PhoneNumberError.Problem {
    // The reasons a number is not dialable, named so that tests and callers match them exactly.
    static let noCountryCode = Self.notDialable("no country code: write it with +, 00 or a national 0")
    static let trunkZeroAfterCountryCode = Self.notDialable(
        "the trunk prefix 0 is not dialled after the country code: drop it or write (0)")
    static let misplacedTrunkZero = Self.notDialable("(0) marks the trunk prefix, right after the country code")
    static let countryCodeStartsWithZero = Self.notDialable("a country code cannot start with 0")
    static let overseasRangeMismatch = Self.notDialable(
        "the range after the overseas country code belongs to no department of that code")
    static let ambiguousDoubleZero = Self.notDialable(
        "ten digits starting with 00: not a national number, and too short to tell as international")
}
