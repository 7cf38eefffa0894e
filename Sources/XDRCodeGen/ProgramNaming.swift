/// The idiomatic names of programs, versions and procedures: the prefixes and suffixes that
/// rpcgen-era names share say nothing in Swift, and are dropped.
///
/// - A program loses a trailing `PROG`, `_PROG`, `PROGRAM` or `_PROGRAM`: `RSTATPROG` is `Rstat`,
///   `NFS_PROGRAM` is `Nfs` (unless that is a type's name: `RPCBPROG` stays `Rpcbprog` beside
///   `struct rpcb`).
/// - A version is named by its number: `RSTATVERS_TIME = 3` is `V3`.
/// - A procedure loses its program's stem with `PROC` and a version digit (`RSTATPROC_`,
///   `NFSPROC3_`), or the stem alone (`NLM_`), or `PROC_`; failing those, the prefix up to a `_`
///   that every procedure of the version shares (`KV_` in `KV_PUT`, `KV_GET`). A name written
///   in one piece of capitals is split into the words of ONC RPC services it is made of
///   (`GETADDRLIST` is `getAddrList`, `HAVEDISK` is `haveDisk`); a piece that is not made only
///   of such words stays one word.
///
/// Nothing is dropped when it would leave a name empty, starting with a digit, or the same as
/// another procedure's. A rename (`--rename`, `renames`) of the `.x` name wins over all of this,
/// and `verbatim` naming keeps every name as it is.
extension SwiftNamer {
    /// The Swift name of program `name`.
    func programName(_ name: String) -> String {
        guard options.naming == .idiomatic, options.nameOverrides[name] == nil else { return typeName(name) }
        let stem = Self.programStem(name)
        return stem == name ? typeName(name) : typeName(stem)
    }

    /// The Swift name of version `name` numbered `number`.
    func versionName(_ name: String, number: Int64) -> String {
        guard options.naming == .idiomatic, options.nameOverrides[name] == nil else { return typeName(name) }
        return "V\(number)"
    }

    /// The Swift names of `procedures` (`.x` names) of one version of program `program`.
    func procedureNames(_ procedures: [String], program: String) -> [String] {
        guard options.naming == .idiomatic else { return procedures.map(memberName) }
        let stripped = Self.strippedProcedureNames(procedures, stem: Self.programStem(program))
        return zip(procedures, stripped).map { original, short in
            if let override = options.nameOverrides[original] { return override }
            return Self.escapeMember(Self.camelCase(short))
        }
    }

    /// `name` without a trailing `PROG`/`PROGRAM` (and the `_` before it), or `name`.
    static func programStem(_ name: String) -> String {
        let upper = name.uppercased()
        for suffix in ["_PROGRAM", "PROGRAM", "_PROG", "PROG"] where upper.hasSuffix(suffix) {
            let stem = String(name.dropLast(suffix.count))
            if !stem.isEmpty, stem.last != "_" { return stem }
        }
        return name
    }

    /// The procedure names with the prefix they share dropped, or as they are.
    static func strippedProcedureNames(_ names: [String], stem: String) -> [String] {
        func valid(_ candidates: [String]) -> Bool {
            candidates.allSatisfy { ($0.first?.isLetter ?? false) } && Set(candidates).count == candidates.count
        }
        let upperStem = stem.uppercased().filter { $0 != "_" }
        // The stem with PROC and a version digit, the stem alone, or PROC.
        let byStem = names.map { name -> String in
            let upper = Array(name.uppercased())
            var index = 0
            func skip(_ text: String) -> Bool {
                let characters = Array(text)
                guard index + characters.count <= upper.count, Array(upper[index..<index + characters.count]) == characters
                else { return false }
                index += characters.count
                return true
            }
            let start = index
            func digits() { while index < upper.count, upper[index].isNumber { index += 1 } }
            if skip(upperStem) {
                let afterStem = index
                // STEMPROC3_, STEM_PROC_, STEM4_, STEM_
                if skip("_PROC") || skip("PROC") {
                    digits()
                    if skip("_") { return String(name.dropFirst(index)) }
                }
                index = afterStem
                digits()
                if skip("_") { return String(name.dropFirst(index)) }
                index = start
                return name
            }
            index = start
            if skip("PROC_") { return String(name.dropFirst(index)) }
            return name
        }
        if byStem != names, valid(byStem) { return byStem }
        // The prefix up to a `_` that they all share.
        guard names.count > 1, let first = names.first else { return names }
        var shared = first.count
        for name in names.dropFirst() {
            shared = min(shared, zip(first, name).prefix { $0 == $1 }.count)
        }
        guard let cut = first.prefix(shared).lastIndex(of: "_") else { return names }
        let length = first.distance(from: first.startIndex, to: cut) + 1
        let common = names.map { String($0.dropFirst(length)) }
        return valid(common) ? common : names
    }

    /// Words that ONC RPC procedure names are made of, for splitting names written in one piece
    /// of capitals (`GETADDRLIST`).
    static let procedureWords: Set<String> = [
        "access", "addr", "all", "attr", "bcast", "bind", "cache", "call", "cancel", "clear", "commit", "conf", "create",
        "crash", "dir", "disk", "domain", "dump", "export", "first", "free", "fs", "get", "granted", "have",
        "indirect", "info", "it", "link", "list", "lock", "lookup", "maps", "master", "match", "mkdir", "mknod",
        "mnt", "mon", "names", "next", "notify", "null", "num", "order", "path", "plus", "port", "read", "readlink", "remove",
        "rename", "res", "rmdir", "root", "set", "share", "simu", "stat", "stats", "symlink", "taddr", "test", "time",
        "uaddr", "umnt", "unlock", "unmon", "unset", "unshare", "vers", "write", "xfr",
    ]

    /// `word` (lowercase letters) as the fewest words of ``procedureWords`` it is made of, or
    /// `nil` when it is not made only of them.
    static func split(_ word: String) -> [String]? {
        let characters = Array(word)
        // best[i]: the fewest words making characters[..<i].
        var best: [[String]?] = Array(repeating: nil, count: characters.count + 1)
        best[0] = []
        for end in 1...max(characters.count, 1) where end <= characters.count {
            for start in 0..<end {
                guard let before = best[start] else { continue }
                let piece = String(characters[start..<end])
                guard procedureWords.contains(piece) else { continue }
                if best[end] == nil || before.count + 1 < best[end]!.count {
                    best[end] = before + [piece]
                }
            }
        }
        return characters.isEmpty ? nil : best[characters.count]
    }

    /// `name` in lowerCamelCase: its `_`-separated pieces, each written in capitals split into
    /// its words where it can be, a digit run ending a word.
    static func camelCase(_ name: String) -> String {
        var words: [String] = []
        for piece in name.split(separator: "_") {
            // Runs of letters and of digits.
            var runs: [String] = []
            for character in piece {
                if let last = runs.last, last.last!.isNumber == character.isNumber {
                    runs[runs.count - 1].append(character)
                } else {
                    runs.append(String(character))
                }
            }
            for run in runs {
                let isCaps = run.allSatisfy { !$0.isLowercase }
                if isCaps, !run.first!.isNumber, let parts = split(run.lowercased()), parts.count > 1 {
                    words += parts
                } else {
                    words.append(isCaps ? run.lowercased() : run)
                }
            }
        }
        guard let first = words.first else { return name }
        let head = first.prefix(1).lowercased() + first.dropFirst()
        return head
            + words.dropFirst().map { word in
                word.prefix(1).uppercased() + word.dropFirst()
            }.joined()
    }
}
