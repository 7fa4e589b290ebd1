/// A pickle interpreter for protocols 0–5 as torch writes them. It never executes code: GLOBAL
/// resolves names against `PickleGlobal`'s allow-list and REDUCE/BUILD only build data.
final class PickleMachine {
    /// Deepest nesting of tuples (and of the decoded value) accepted.
    static let maximumDepth = 200

    private var reader: ByteReader
    private var stack: [PickleObject] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleObject] = [:]
    private var lists: [ListBox] = []
    private var dicts: [DictBox] = []

    /// Every storage the pickle referenced, by key (legacy files need their types to find the data).
    private(set) var storageReferences: [String: StorageReference] = [:]

    /// Prepares to interpret the pickle starting at `offset` of `bytes`.
    init(_ bytes: [UInt8], offset: Int = 0) {
        reader = ByteReader(bytes, offset: offset)
    }

    /// Mutable containers may reference each other in cycles; empty them so nothing leaks.
    deinit {
        for list in lists { list.items.removeAll() }
        for dict in dicts { dict.keys.removeAll(); dict.values.removeAll() }
    }

    /// The offset just past the STOP opcode once `run` has returned.
    var endOffset: Int { reader.offset }

    /// Interprets opcodes up to STOP and returns the object left on the stack.
    func run() throws -> PickleObject {
        while true {
            let position = reader.offset
            let opcode = try reader.byte()
            do {
                if opcode == UInt8(ascii: ".") {
                    guard marks.isEmpty, stack.count == 1 else {
                        throw FormatError(.malformed, "STOP with \(stack.count) objects on the stack")
                    }
                    return stack[0]
                }
                try execute(opcode)
            } catch let error as FormatError where error.kind != .forbidden {
                throw FormatError(error.kind, "pickle opcode 0x\(String(opcode, radix: 16)) at byte \(position): \(error.message)")
            }
        }
    }

    // MARK: - Opcodes

    private func execute(_ opcode: UInt8) throws {
        switch opcode {
        case 0x80: // PROTO
            let version = try reader.byte()
            guard version <= 5 else { throw FormatError(.unsupported, "pickle protocol \(version) is newer than 5") }
        case 0x95: _ = try reader.uint64() // FRAME: frames are a read-ahead hint only.
        case UInt8(ascii: "("): marks.append(stack.count)
        case UInt8(ascii: "0"): _ = try pop()
        case UInt8(ascii: "1"): _ = try popMark()
        case UInt8(ascii: "2"): push(try top())
        case UInt8(ascii: "N"): push(.value(.none))
        case 0x88: push(.value(.bool(true)))
        case 0x89: push(.value(.bool(false)))
        case UInt8(ascii: "I"): push(try textInt())
        case UInt8(ascii: "J"): push(.value(.int(Int(try reader.int32()))))
        case UInt8(ascii: "K"): push(.value(.int(Int(try reader.byte()))))
        case UInt8(ascii: "M"): push(.value(.int(Int(try reader.uint16()))))
        case UInt8(ascii: "L"): push(.value(.int(try decimal(try reader.line(), trailingL: true))))
        case 0x8A: push(.value(.int(try long(count: Int(try reader.byte())))))
        case 0x8B: push(.value(.int(try long(count: try length(Int(try reader.int32()))))))
        case UInt8(ascii: "F"): push(.value(.float(try textFloat())))
        case UInt8(ascii: "G"): push(.value(.float(Double(bitPattern: try reader.uint64().byteSwapped))))
        case UInt8(ascii: "X"): push(.value(.string(try utf8(count: try length(Int(try reader.uint32()))))))
        case 0x8C: push(.value(.string(try utf8(count: Int(try reader.byte())))))
        case 0x8D: push(.value(.string(try utf8(count: try length(try reader.uint64())))))
        case UInt8(ascii: "T"): push(.value(.string(try latin1(count: try length(Int(try reader.int32()))))))
        case UInt8(ascii: "U"): push(.value(.string(try latin1(count: Int(try reader.byte())))))
        case UInt8(ascii: "B"): push(.value(.bytes(Array(try reader.take(try length(Int(try reader.uint32())))))))
        case UInt8(ascii: "C"): push(.value(.bytes(Array(try reader.take(Int(try reader.byte()))))))
        case 0x8E, 0x96: push(.value(.bytes(Array(try reader.take(try length(try reader.uint64()))))))
        case UInt8(ascii: ")"): push(.tuple(try TupleBox([])))
        case UInt8(ascii: "t"): push(.tuple(try TupleBox(try popMark())))
        case 0x85, 0x86, 0x87: push(.tuple(try TupleBox(try pop(Int(opcode - 0x84)))))
        case UInt8(ascii: "]"): push(.list(newList([])))
        case UInt8(ascii: "l"): push(.list(newList(try popMark())))
        case UInt8(ascii: "a"):
            let item = try pop()
            try list(try top()).items.append(item)
        case UInt8(ascii: "e"):
            let items = try popMark()
            try list(try top()).items.append(contentsOf: items)
        case UInt8(ascii: "}"): push(.dict(newDict(isOrdered: false)))
        case UInt8(ascii: "d"):
            let items = try popMark()
            let dict = newDict(isOrdered: false)
            try setItems(items, in: dict)
            push(.dict(dict))
        case UInt8(ascii: "s"):
            let items = try pop(2)
            try setItems(items, in: try dict(try top()))
        case UInt8(ascii: "u"):
            let items = try popMark()
            try setItems(items, in: try dict(try top()))
        case UInt8(ascii: "c"):
            let module = try ascii(try reader.line())
            let name = try ascii(try reader.line())
            push(.global(try PickleGlobal.resolve(module: module, name: name)))
        case 0x93:
            let pair = try pop(2)
            guard case .value(.string(let module)) = pair[0], case .value(.string(let name)) = pair[1] else {
                throw FormatError(.malformed, "STACK_GLOBAL needs two strings")
            }
            push(.global(try PickleGlobal.resolve(module: module, name: name)))
        case UInt8(ascii: "R"), 0x81:
            let arguments = try pop()
            let callable = try pop()
            push(try PickleCalls.call(callable, arguments, newDict: { self.newDict(isOrdered: true) }))
        case UInt8(ascii: "b"):
            let state = try pop()
            try PickleCalls.build(try top(), state: state)
        case UInt8(ascii: "Q"):
            let storage = try PickleCalls.persistentLoad(try pop())
            if case .storage(let reference) = storage { storageReferences[reference.key] = reference }
            push(storage)
        case UInt8(ascii: "h"): push(try memoGet(Int(try reader.byte())))
        case UInt8(ascii: "j"): push(try memoGet(Int(try reader.uint32())))
        case UInt8(ascii: "g"): push(try memoGet(try decimal(try reader.line(), trailingL: false)))
        case UInt8(ascii: "q"): memo[Int(try reader.byte())] = try top()
        case UInt8(ascii: "r"): memo[Int(try reader.uint32())] = try top()
        case UInt8(ascii: "p"): memo[try decimal(try reader.line(), trailingL: false)] = try top()
        case 0x94: memo[memo.count] = try top()
        default:
            throw FormatError(.unsupported, "opcode 0x\(String(opcode, radix: 16)) is not supported by this reader")
        }
    }

    // MARK: - Stack

    private func push(_ object: PickleObject) { stack.append(object) }

    private func top() throws -> PickleObject {
        guard let last = stack.last, stack.count > (marks.last ?? 0) else { throw FormatError(.malformed, "stack underflow") }
        return last
    }

    private func pop() throws -> PickleObject {
        guard stack.count > (marks.last ?? 0) else { throw FormatError(.malformed, "stack underflow") }
        return stack.removeLast()
    }

    private func pop(_ count: Int) throws -> [PickleObject] {
        guard stack.count - (marks.last ?? 0) >= count else { throw FormatError(.malformed, "stack underflow") }
        defer { stack.removeLast(count) }
        return Array(stack.suffix(count))
    }

    private func popMark() throws -> [PickleObject] {
        guard let mark = marks.popLast() else { throw FormatError(.malformed, "no MARK on the stack") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private func memoGet(_ index: Int) throws -> PickleObject {
        guard let object = memo[index] else { throw FormatError(.malformed, "memo entry \(index) is missing") }
        return object
    }

    private func newList(_ items: [PickleObject]) -> ListBox {
        let box = ListBox()
        box.items = items
        lists.append(box)
        return box
    }

    private func newDict(isOrdered: Bool) -> DictBox {
        let box = DictBox(isOrdered: isOrdered)
        dicts.append(box)
        return box
    }

    private func list(_ object: PickleObject) throws -> ListBox {
        guard case .list(let box) = object else { throw FormatError(.malformed, "APPEND to a \(object.kindName)") }
        return box
    }

    private func dict(_ object: PickleObject) throws -> DictBox {
        guard case .dict(let box) = object else { throw FormatError(.malformed, "SETITEM on a \(object.kindName)") }
        return box
    }

    private func setItems(_ items: [PickleObject], in dict: DictBox) throws {
        guard items.count % 2 == 0 else { throw FormatError(.malformed, "odd number of items for a dict") }
        for pair in stride(from: 0, to: items.count, by: 2) { try dict.set(items[pair], items[pair + 1]) }
    }

    // MARK: - Operands

    private func length<T: BinaryInteger>(_ value: T) throws -> Int {
        guard value >= 0, let count = Int(exactly: value), count <= reader.remaining else {
            throw FormatError(.truncated, "length \(value) exceeds the \(reader.remaining) bytes left")
        }
        return count
    }

    private func long(count: Int) throws -> Int {
        guard count <= 8 else { throw FormatError(.unsupported, "integer of \(count) bytes exceeds 64 bits") }
        guard count > 0 else { return 0 }
        let bytes = try reader.take(count)
        var value: UInt64 = 0
        for (shift, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
        let unused = 64 - 8 * UInt64(count)
        return Int(Int64(bitPattern: value << unused) >> unused)
    }

    private func utf8(count: Int) throws -> String {
        guard let text = String(validating: try reader.take(count), as: UTF8.self) else {
            throw FormatError(.malformed, "string is not valid UTF-8")
        }
        return text
    }

    private func latin1(count: Int) throws -> String {
        String(String.UnicodeScalarView(try reader.take(count).map { Unicode.Scalar($0) }))
    }

    private func ascii(_ bytes: ArraySlice<UInt8>) throws -> String {
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { throw FormatError(.malformed, "global name is not ASCII") }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func decimal(_ bytes: ArraySlice<UInt8>, trailingL: Bool) throws -> Int {
        var text = try ascii(bytes)
        if trailingL, text.hasSuffix("L") { text.removeLast() }
        guard let value = Int(text) else { throw FormatError(.malformed, "invalid integer literal \(text)") }
        return value
    }

    private func textInt() throws -> PickleObject {
        let text = try ascii(try reader.line())
        if text == "00" { return .value(.bool(false)) }
        if text == "01" { return .value(.bool(true)) }
        guard let value = Int(text) else { throw FormatError(.malformed, "invalid integer literal \(text)") }
        return .value(.int(value))
    }

    private func textFloat() throws -> Double {
        let text = try ascii(try reader.line())
        guard let value = Double(text) else { throw FormatError(.malformed, "invalid float literal \(text)") }
        return value
    }
}
