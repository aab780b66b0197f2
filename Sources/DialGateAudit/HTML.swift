/// Text for an HTML document: everything the report shows that it did not write itself
/// (campaigns, request ids, file names, run ids, host names) goes through `escape`, because
/// clients choose some of it and a report is opened in a browser.
public enum HTML {
    /// `text` with `&`, `<`, `>`, `"` and `'` as character references: safe in element
    /// content and in quoted attribute values, of HTML and of inline SVG alike.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Controls other than tab and line ends are not allowed in HTML text.
                if character.value < 0x20 && character != "\t" && character != "\n" && character != "\r" || character.value == 0x7F {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(character)
                }
            }
        }
        return out
    }
}
