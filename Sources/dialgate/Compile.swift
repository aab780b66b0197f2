import ArgumentParser
import Crypto
import DialGateCore
import Foundation

/// `dialgate compile`: a text number list to a compiled list (`.dgidx`), which the daemon maps
/// and serves in place instead of reading, parsing and indexing the text at every start and
/// reload (see `docs/lists.md`).
///
/// The text is read with the daemon's own parser and refused for the same reasons (header, as-of
/// date in the future, bad lines over the share, no records), so a list that compiles is one the
/// daemon would have loaded. The output is written whole or not at all (`.<name>.tmp`, fsync,
/// rename), so a daemon reloading meanwhile sees the old file or the new one, never half.
struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile a number list to a .dgidx file, which the daemon maps instead of parsing.",
        discussion: """
            Reads LIST (a text number list: bloctel-registered, bloctel-cleared, operator-optout or \
            internal-optout) as the daemon does and writes its index to --output (default: LIST with \
            its extension replaced by .dgidx). Put the .dgidx in the list directory in place of the \
            text list, not beside it. Prints the counts and the SHA-256 of the written file (what \
            sha256sum and the snapshot's manifest say). Exit 2, nothing written, on any error.
            """)

    @Argument(help: "The text number list.")
    var list: String

    @Option(name: [.short, .long], help: "The compiled list to write (default: LIST with the extension .dgidx).")
    var output: String?

    @Option(name: .customLong("max-bad-line-share"), help: "Refuse the list above this share (0...1) of bad lines, as the daemon's max_bad_line_share.")
    var maxBadLineShare = 0.01

    func run() throws {
        let url = URL(fileURLWithPath: list)
        let name = url.lastPathComponent
        guard !name.hasSuffix(CompiledList.fileExtension) else { throw fail("\(list) is already a compiled list") }
        let output = self.output ?? url.deletingPathExtension().path + CompiledList.fileExtension
        guard URL(fileURLWithPath: output).standardizedFileURL != url.standardizedFileURL else {
            throw fail("--output \(output) is the list itself")
        }
        let clock = ContinuousClock()
        let started = clock.now
        let contents: Data
        do { contents = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw fail("cannot read \(list): \(error.localizedDescription)")
        }
        let file: ListFile
        do { file = try ListFile.parse(name: name, contents: contents, now: Date(), maxBadLineShare: maxBadLineShare) } catch {
            throw fail("\(list) refused:\n\(error)")
        }
        for problem in file.problems { FileHandle.standardError.write(Data("dialgate: warning: \(problem)\n".utf8)) }
        // Which text it was compiled from, for an auditor: its name and its SHA-256.
        var attributes = ["compiled-from-sha256": Hex.lowercase(SHA256.hash(data: contents))]
        if !name.contains(where: { $0 == " " || $0 == "\t" || $0 == "\n" }) { attributes["compiled-from"] = name }
        let compiled: CompiledList
        do { compiled = try CompiledList(compiling: file, attributes: attributes) } catch { throw fail("\(error)") }

        let writer = try AtomicOutput(path: output, mode: 0o644)
        writer.append(compiled.headerBytes)
        try compiled.withImage { image in
            let chunk = AtomicOutput.flushSize
            for start in stride(from: 0, to: image.count, by: chunk) {
                let bytes = image.baseAddress!.assumingMemoryBound(to: UInt8.self) + start
                writer.append(UnsafeBufferPointer(start: bytes, count: min(chunk, image.count - start)))
                try writer.flushIfFull()
            }
        }
        let sha256 = try writer.finishWriting()
        try writer.commit()
        let seconds = (clock.now - started) / .milliseconds(1) / 1000
        let bytesPerNumber = Double(compiled.index.memoryBytes) / Double(max(compiled.index.count, 1))
        print(
            "\(output): \(compiled.kind) as-of \(compiled.asOf), \(compiled.records) records, \(compiled.index.count) distinct "
                + "numbers, \(writer.bytesWritten) bytes (index \(String(format: "%.3f", bytesPerNumber)) bytes a number), "
                + "\(String(format: "%.2f", seconds)) s")
        print("sha256 \(sha256)")
    }
}
