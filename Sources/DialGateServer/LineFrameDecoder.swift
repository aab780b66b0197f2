import NIOCore

/// One unit of input on a connection: a request line, or the news that a line went over the
/// limit (the connection is then answered once and closed: a client that sends such lines is
/// broken or hostile, and resynchronising on the next newline could misread its data).
enum InboundFrame: Equatable {
    case line(ByteBuffer)
    case overlong
}

/// Splits the byte stream into LF-terminated lines of at most `maxLength` bytes (terminator
/// included); a CR before the LF is left for the request parser to drop.
struct LineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = InboundFrame

    let maxLength: Int
    private var scanned = 0
    private var failed = false

    init(maxLength: Int) {
        self.maxLength = maxLength
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard !failed else {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        let view = buffer.readableBytesView
        let searchStart = view.index(view.startIndex, offsetBy: scanned)
        if let newline = view[searchStart...].firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - view.startIndex
            guard length + 1 <= maxLength else { return overlong(context: context, buffer: &buffer) }
            let line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            scanned = 0
            context.fireChannelRead(Self.wrapInboundOut(.line(line)))
            return .continue
        }
        scanned = view.count
        if view.count >= maxLength { return overlong(context: context, buffer: &buffer) }
        return .needMoreData
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A last line without its newline is still a request (`printf 'PING' | socat ...`).
        while try decode(context: context, buffer: &buffer) == .continue {}
        if !failed, buffer.readableBytes > 0 {
            let line = buffer.readSlice(length: buffer.readableBytes)!
            context.fireChannelRead(Self.wrapInboundOut(.line(line)))
        }
        return .needMoreData
    }

    private mutating func overlong(context: ChannelHandlerContext, buffer: inout ByteBuffer) -> DecodingState {
        failed = true
        buffer.moveReaderIndex(to: buffer.writerIndex)
        context.fireChannelRead(Self.wrapInboundOut(.overlong))
        return .needMoreData
    }
}
