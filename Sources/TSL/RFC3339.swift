/// Strict RFC 3339 date-time check, narrowed to what PostgreSQL's timestamptz accepts.
enum RFC3339 {
    /// Why `text` is not an acceptable timestamp, or nil if it is.
    ///
    /// Accepts `YYYY-MM-DD(T|t| )hh:mm:ss(.fraction)?(Z|z|±hh:mm)`. Narrower than RFC 3339 where
    /// PostgreSQL would fail: year 0000, leap second 60, and offsets beyond ±15:59 are rejected.
    static func problem(_ text: String) -> String? {
        let c = Array(text)
        var i = 0
        func digits(_ count: Int) -> Int? {
            guard i + count <= c.count else { return nil }
            var value = 0
            for character in c[i..<(i + count)] {
                guard character.isASCIIDigit, let digit = character.wholeNumberValue else { return nil }
                value = value * 10 + digit
            }
            i += count
            return value
        }
        func expect(_ allowed: Set<Character>) -> Bool {
            guard i < c.count, allowed.contains(c[i]) else { return false }
            i += 1
            return true
        }
        let shape = "expected YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)"
        guard let year = digits(4), expect(["-"]), let month = digits(2), expect(["-"]), let day = digits(2),
              expect(["T", "t", " "]),
              let hour = digits(2), expect([":"]), let minute = digits(2), expect([":"]), let second = digits(2)
        else { return shape }
        if i < c.count, c[i] == "." {
            i += 1
            let fractionStart = i
            while i < c.count, c[i].isASCIIDigit { i += 1 }
            if i == fractionStart { return shape }
        }
        guard i < c.count else { return "missing time zone (Z or ±hh:mm)" }
        if c[i] == "Z" || c[i] == "z" {
            i += 1
        } else {
            guard expect(["+", "-"]), let offsetHours = digits(2), expect([":"]), let offsetMinutes = digits(2)
            else { return shape }
            if offsetHours > 15 || offsetMinutes > 59 { return "time zone offset out of range (at most ±15:59)" }
        }
        if i != c.count { return shape }
        if year < 1 { return "year out of range" }
        if !(1...12).contains(month) { return "month out of range" }
        if !(1...daysIn(month: month, year: year)).contains(day) { return "day out of range" }
        if hour > 23 || minute > 59 || second > 59 { return "time of day out of range" }
        return nil
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
