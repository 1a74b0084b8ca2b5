// Filter text from a parsed filter, and sample sockets to compare two filters on; for FilterTarget.

import TCPDoctorCore

enum FilterRendering {
    /// Text that parses to an equivalent expression: each chain of `and` or `or`, each `not`'s
    /// operand and each set of several states in parentheses.
    static func text(_ expression: SocketFilter.Expression) -> String {
        switch expression {
        case .always: return ""
        default: return term(expression)
        }
    }

    static func term(_ expression: SocketFilter.Expression) -> String {
        switch expression {
        case .always:
            return "state all"
        case .states(let set):
            // TCP_NEW_SYN_RECV has no name of its own; no socket is reported in it.
            let names = TCPState.displayed.filter { set.contains($0) }.map { "state \($0.ssName)" }
            if names.count == 1 { return names[0] }
            return names.isEmpty ? "exclude all" : "( " + names.joined(separator: " or ") + " )"
        case .port(let side, let op, let port):
            return "\(side == .local ? "sport" : "dport") \(op.rawValue) :\(port)"
        case .address(let side, let pattern):
            return "\(side == .local ? "src" : "dst") \(address(pattern))"
        case .not(let inner):
            return "not \(term(inner))"
        case .and, .or:
            // One pair of parentheses a chain: `( a and b and c )`, left-associative as parsed,
            // so that a long chain does not nest deeper than its text did.
            return "( \(chain(expression)) )"
        }
    }

    /// A left-deep chain of one operator without inner parentheses; a right operand that is
    /// itself a chain keeps its own.
    static func chain(_ expression: SocketFilter.Expression) -> String {
        switch expression {
        case .and(let lhs, let rhs):
            if case .and = lhs { return "\(chain(lhs)) and \(term(rhs))" }
            return "\(term(lhs)) and \(term(rhs))"
        case .or(let lhs, let rhs):
            if case .or = lhs { return "\(chain(lhs)) or \(term(rhs))" }
            return "\(term(lhs)) or \(term(rhs))"
        default:
            return term(expression)
        }
    }

    static func address(_ pattern: SocketFilter.AddressPattern) -> String {
        let port = pattern.port.map { ":\($0)" } ?? ""
        guard let address = pattern.address else { return port.isEmpty ? "*" : port }
        if address.family == .ipv4 { return "\(address)/\(pattern.prefixLength)\(port)" }
        return "[\(address)]/\(pattern.prefixLength)\(port)"
    }

    /// Sockets in every displayed state between endpoints made of the filter's own addresses and
    /// ports (and their neighbours), so that every term can both hold and fail.
    static func sample(for expression: SocketFilter.Expression) -> [SocketRecord] {
        var addresses = [IPAddress(ipv4: 0x0a00_0001), IPAddress(ipv6High: 0, low: 1)]
        var ports: [UInt16] = [0, 80]
        collect(expression, &addresses, &ports)
        let endpoints = addresses.prefix(6).flatMap { address in
            ports.prefix(9).map { Endpoint(address: address, port: $0) }
        }
        var sockets: [SocketRecord] = []
        for (stateIndex, state) in TCPState.displayed.enumerated() {
            for (index, local) in endpoints.enumerated() {
                for other in [index + 1, index * 7 + stateIndex, index * 3 + 1] {
                    sockets.append(SocketRecord(state: state, local: local, remote: endpoints[other % endpoints.count]))
                }
            }
        }
        return sockets
    }

    private static func collect(
        _ expression: SocketFilter.Expression,
        _ addresses: inout [IPAddress],
        _ ports: inout [UInt16]
    ) {
        func add(_ port: UInt16) { ports += [port, port &- 1, port &+ 1] }
        switch expression {
        case .always, .states: break
        case .port(_, _, let port): add(port)
        case .address(_, let pattern):
            if let port = pattern.port { add(port) }
            if let address = pattern.address {
                addresses.append(address)
                // Just outside the prefix: the last address bit before it flipped.
                let bits = address.family == .ipv4 ? 32 : 128
                if pattern.prefixLength > 0 {
                    let bit = bits - pattern.prefixLength
                    if address.family == .ipv4 {
                        addresses.append(IPAddress(ipv4: UInt32(truncatingIfNeeded: address.low) ^ (1 << UInt32(bit))))
                    } else if bit < 64 {
                        addresses.append(IPAddress(ipv6High: address.high, low: address.low ^ (1 << UInt64(bit))))
                    } else {
                        addresses.append(IPAddress(ipv6High: address.high ^ (1 << UInt64(bit - 64)), low: address.low))
                    }
                }
            }
        case .not(let inner): collect(inner, &addresses, &ports)
        case .and(let lhs, let rhs), .or(let lhs, let rhs):
            collect(lhs, &addresses, &ports)
            collect(rhs, &addresses, &ports)
        }
    }
}
