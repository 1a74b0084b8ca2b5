/// The moments `history --since` and `--until` accept: a duration back from now or a UTC date.
///
/// Durations: a number and a unit, `45s`, `30m`, `6h`, `30d`, `2w` (several may follow each
/// other: `1h30m`). Dates, always UTC unless an offset is given: `2026-12-07T13:00Z`,
/// `2026-12-07T13:00:05+01:00`, `2026-12-07 13:00` and `2026-12-07` (midnight). Pure parsing,
/// no locale and no Foundation, so that a date means the same on every host.
public enum HistoryTime {
    /// The moment `text` names, seconds since the Unix epoch, or nil when it names none.
    ///
    /// - Parameters:
    ///   - text: A duration (meaning that long before `now`) or a date.
    ///   - now: The wall clock, seconds since the Unix epoch.
    public static func parse(_ text: String, now: Double) -> Double? {
        let trimmed = text.trimmingSpaces
        if let seconds = duration(trimmed) { return now - seconds }
        return date(trimmed)
    }

    /// Seconds in a duration such as `6h` or `1h30m`; nil when `text` is not one.
    public static func duration(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        var total = 0.0
        var number = ""
        var parts = 0
        for character in text {
            if character.isASCII && (character.isNumber || character == ".") {
                number.append(character)
            } else if let unit = units[character], let value = Double(number), value.isFinite {
                total += value * unit
                number = ""
                parts += 1
            } else {
                return nil
            }
        }
        guard parts > 0, number.isEmpty, total.isFinite else { return nil }
        return total
    }

    /// A date as the type documents it; nil when `text` is not one or names no real day.
    public static func date(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 10, let year = digits(bytes, 0, 4), bytes[4] == UInt8(ascii: "-"),
            let month = digits(bytes, 5, 2), bytes[7] == UInt8(ascii: "-"), let day = digits(bytes, 8, 2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        let midnight = Double(daysFromCivil(year: year, month: month, day: day)) * 86_400
        if bytes.count == 10 { return midnight }
        guard bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "), bytes.count >= 16,
            let hour = digits(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"), let minute = digits(bytes, 14, 2),
            hour < 24, minute < 60
        else { return nil }
        var index = 16
        var second = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            guard let value = digits(bytes, index + 1, 2), value < 60 else { return nil }
            second = value
            index += 3
        }
        var offset = 0
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                guard index + 1 == bytes.count else { return nil }
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard index + 6 == bytes.count, let hours = digits(bytes, index + 1, 2),
                    bytes[index + 3] == UInt8(ascii: ":"), let minutes = digits(bytes, index + 4, 2),
                    hours < 24, minutes < 60
                else { return nil }
                offset = (hours * 3600 + minutes * 60) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
            default:
                return nil
            }
        }
        return midnight + Double(hour * 3600 + minute * 60 + second - offset)
    }

    private static func digits(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[start..<start + count] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days-from-civil).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var slice = Substring(self)
        while slice.first == " " { slice.removeFirst() }
        while slice.last == " " { slice.removeLast() }
        return String(slice)
    }
}
