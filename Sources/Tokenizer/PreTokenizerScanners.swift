/// llama.cpp's hand-written GPT-2 and Llama-3 regex scanners, over one piece [lo, hi)
/// of a scalar text. Each appends the lengths of the pieces it cuts to `out`.
///
/// Like the regexes, they never look past `hi`: `(?!\S)` succeeds at the end of the piece.
struct Scanner {
    let values: [UInt32]
    let flags: [CodepointFlags]
    let lo: Int
    let hi: Int

    init(text: ScalarText, lo: Int, hi: Int) {
        values = text.values
        flags = text.flags
        self.lo = lo
        self.hi = hi
    }

    private static let apostrophe: UInt32 = 0x27, space: UInt32 = 0x20, cr: UInt32 = 0x0D, lf: UInt32 = 0x0A

    private func has(_ p: Int, _ flag: CodepointFlags) -> Bool { p < hi && flags[p].contains(flag) }

    /// In the piece and neither letter, number nor whitespace: `[^\s\p{L}\p{N}]`.
    private func isOther(_ p: Int) -> Bool { p < hi && flags[p].isDisjoint(with: .letterNumberOrSpace) }

    private func isNewline(_ p: Int) -> Bool { p < hi && (values[p] == Self.cr || values[p] == Self.lf) }

    /// The length of a contraction at p ('s 't 're 've 'm 'll 'd), or 0.
    private func contraction(at p: Int, anyCase: Bool) -> Int {
        guard values[p] == Self.apostrophe, p + 1 < hi else { return 0 }
        func lower(_ v: UInt32) -> UInt32 { anyCase && (0x41...0x5A).contains(v) ? v + 0x20 : v }
        let a = lower(values[p + 1])
        if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return 2 }  // s t m d
        guard p + 2 < hi else { return 0 }
        let b = lower(values[p + 2])
        if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { return 3 }  // re ve ll
        return 0
    }

    /// The run of whitespace at p: its length and the end of its last \r or \n (if any).
    private func whitespaceRun(at p: Int) -> (count: Int, newlineEnd: Int?) {
        var n = 0
        var newlineEnd: Int?
        while has(p + n, .whitespace) {
            if isNewline(p + n) { newlineEnd = p + n + 1 }
            n += 1
        }
        return (n, newlineEnd)
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    func gpt2(_ out: inout [Int]) {
        var pos = lo
        func cut(_ end: Int) {
            if end > pos { out.append(end - pos) }
            pos = end
        }
        while pos < hi {
            let c = contraction(at: pos, anyCase: false)
            if c > 0 { cut(pos + c); continue }
            let start = values[pos] == Self.space ? pos + 1 : pos
            if has(start, .letter) {
                var e = start
                while has(e, .letter) { e += 1 }
                cut(e); continue
            }
            if has(start, .number) {
                var e = start
                while has(e, .number) { e += 1 }
                cut(e); continue
            }
            if isOther(start) {
                var e = start
                while isOther(e) { e += 1 }
                cut(e); continue
            }
            let run = whitespaceRun(at: pos)
            if run.count > 1 && pos + run.count < hi { cut(pos + run.count - 1); continue }  // \s+(?!\S)
            if run.count > 0 { cut(pos + run.count); continue }  // \s+
            cut(pos + 1)
        }
    }

    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}
    /// | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    func llama3(maxDigits: Int, _ out: inout [Int]) {
        var pos = lo
        func cut(_ end: Int) {
            if end > pos { out.append(end - pos) }
            pos = end
        }
        while pos < hi {
            let c = contraction(at: pos, anyCase: true)
            if c > 0 { cut(pos + c); continue }
            let isNumber = flags[pos].contains(.number)
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !isNewline(pos) && !isNumber && (flags[pos].contains(.letter) || has(pos + 1, .letter)) {
                var e = pos + 1
                while has(e, .letter) { e += 1 }
                cut(e); continue
            }
            // \p{N}{1,maxDigits}
            if isNumber {
                var e = pos
                while has(e, .number) {
                    e += 1
                    if e - pos >= maxDigits { cut(e) }
                }
                cut(e); continue
            }
            // ' ?[^\s\p{L}\p{N}]+[\r\n]*' (a lone space at the end is cut the same either way)
            let start = values[pos] == Self.space ? pos + 1 : pos
            if isOther(start) {
                var e = start
                while isOther(e) { e += 1 }
                while isNewline(e) { e += 1 }
                cut(e); continue
            }
            let run = whitespaceRun(at: pos)
            if let newlineEnd = run.newlineEnd { cut(newlineEnd); continue }  // \s*[\r\n]+
            if run.count > 1 && pos + run.count < hi { cut(pos + run.count - 1); continue }  // \s+(?!\S)
            if run.count > 0 { cut(pos + run.count); continue }  // \s+
            cut(pos + 1)
        }
    }
}
