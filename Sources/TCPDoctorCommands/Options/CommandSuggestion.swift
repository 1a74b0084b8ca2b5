/// The subcommand a mistyped word most likely meant, for "did you mean `sockets`?".
///
/// Pure, so that the choice is tested without running the command line.
enum CommandSuggestion {
    /// The name in `names` closest to `word`, or nil when none is close enough to be a typo.
    ///
    /// Close means an edit distance (insertions, deletions, substitutions and swaps of two
    /// neighbours) of at most a third of the name, and at least 1: `socket` and `sokcets` mean
    /// `sockets`, `stat` means `states`, but `list` does not mean `lab`. A word that begins exactly
    /// one name (`doc`, `cap`) means that name. Case is ignored; on a tie the first name wins.
    static func closest(to word: String, among names: [String]) -> String? {
        let typed = word.lowercased()
        guard !typed.isEmpty else { return nil }
        let prefixed = names.filter { $0.lowercased().hasPrefix(typed) }
        if prefixed.count == 1 { return prefixed[0] }
        var best: (name: String, distance: Int)?
        for name in names {
            let distance = editDistance(typed, name.lowercased())
            guard distance <= max(1, name.count / 3) else { continue }
            if let closer = best, closer.distance <= distance { continue }
            best = (name, distance)
        }
        return best?.name
    }

    /// The optimal-string-alignment distance between `a` and `b`: the fewest insertions,
    /// deletions, substitutions and transpositions of adjacent characters that turn one into the
    /// other (a swap is the commonest typing slip, so it counts one, not two).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // Three rows of the dynamic-programming table: two back for transpositions.
        var twoBack = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { value = min(value, twoBack[j - 2] + 1) }
                current[j] = value
            }
            (twoBack, previous, current) = (previous, current, twoBack)
        }
        return previous[b.count]
    }
}
