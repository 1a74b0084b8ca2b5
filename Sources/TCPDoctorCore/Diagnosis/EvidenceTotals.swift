/// The evidence of several findings made one, key by key, for `FindingGroup`.
enum EvidenceTotals {
    /// Every key of `evidences`, in first-seen order, totalled as its description says: sums,
    /// maxima, a value all share (or the distinct values listed), merged lists.
    static func total(_ evidences: [[EvidenceField]]) -> [EvidenceField] {
        var order: [String] = []
        var values: [String: [EvidenceValue]] = [:]
        for evidence in evidences {
            for field in evidence {
                if values[field.key] == nil { order.append(field.key) }
                values[field.key, default: []].append(field.value)
            }
        }
        return order.map { key in
            EvidenceField(key, total(values[key] ?? [], as: EvidenceCatalog.describe(key).total))
        }
    }

    private static func total(_ values: [EvidenceValue], as kind: EvidenceDescription.Total) -> EvidenceValue {
        switch kind {
        case .sum:
            if let integers = integers(values) { return .integer(integers.reduce(0, +)) }
            if let numbers = numbers(values) { return .number(numbers.reduce(0, +)) }
        case .max:
            if let integers = integers(values), let largest = integers.max() { return .integer(largest) }
            if let numbers = numbers(values), let largest = numbers.max() { return .number(largest) }
        case .merge:
            return merge(values)
        case .sumFields:
            if let summed = sumFields(values) { return summed }
        case .same:
            break
        }
        var distinct: [EvidenceValue] = []
        for value in values where !distinct.contains(value) { distinct.append(value) }
        return distinct.count == 1 ? distinct[0] : .list(distinct)
    }

    private static func integers(_ values: [EvidenceValue]) -> [Int64]? {
        let found = values.compactMap { value -> Int64? in
            if case .integer(let number) = value { return number }
            return nil
        }
        return found.count == values.count ? found : nil
    }

    private static func numbers(_ values: [EvidenceValue]) -> [Double]? {
        let found = values.compactMap { value -> Double? in
            switch value {
            case .number(let number): number
            case .integer(let number): Double(number)
            default: nil
            }
        }
        return found.count == values.count ? found : nil
    }

    /// Objects of integer fields added up field by field, keys in first-seen order; nil when a
    /// value is not such an object.
    private static func sumFields(_ values: [EvidenceValue]) -> EvidenceValue? {
        var order: [String] = []
        var sums: [String: Int64] = [:]
        for value in values {
            guard case .object(let fields) = value else { return nil }
            for field in fields {
                guard case .integer(let number) = field.value else { return nil }
                if sums[field.key] == nil { order.append(field.key) }
                sums[field.key, default: 0] += number
            }
        }
        return .object(order.map { EvidenceField($0, .integer(sums[$0] ?? 0)) })
    }

    /// Lists joined; objects alike but for their `count` become one with the counts added, so
    /// that twelve workers' `127.0.0.1 ×50` read `127.0.0.1 ×600`.
    private static func merge(_ values: [EvidenceValue]) -> EvidenceValue {
        var items: [EvidenceValue] = []
        for value in values {
            let list: [EvidenceValue] = if case .list(let inner) = value { inner } else { [value] }
            for item in list {
                guard case .object(let fields) = item, let count = fields.firstIndex(where: { $0.key == "count" }),
                    case .integer(let added) = fields[count].value
                else {
                    if !items.contains(item) { items.append(item) }
                    continue
                }
                let rest = fields.filter { $0.key != "count" }
                if let index = items.firstIndex(where: { other in
                    guard case .object(let otherFields) = other else { return false }
                    return otherFields.filter { $0.key != "count" } == rest
                }), case .object(var merged) = items[index],
                    let slot = merged.firstIndex(where: { $0.key == "count" }),
                    case .integer(let before) = merged[slot].value
                {
                    merged[slot].value = .integer(before + added)
                    items[index] = .object(merged)
                } else {
                    items.append(item)
                }
            }
        }
        return .list(items)
    }
}
