/// Which end started a connection whose SYN was not captured, judged from the two ports.
///
/// Clues, strongest first: a port below 1024 is a service (the other side is the client); a port in
/// an ephemeral range (Linux's default `ip_local_port_range` 32768-60999, or IANA's 49152-65535)
/// is a client when the other is not; otherwise the lower port is taken as the service. Equal ports
/// leave only the order of the capture: the first sender is taken as the originator.
enum OriginatorGuess {
    static func guess(
        sourcePort: UInt16,
        destinationPort: UInt16
    ) -> (
        sourceIsOriginator: Bool, basis: Connection.OriginatorBasis
    ) {
        if sourcePort == destinationPort { return (true, .firstPacket) }
        let sourceWellKnown = sourcePort < 1024
        let destinationWellKnown = destinationPort < 1024
        if sourceWellKnown != destinationWellKnown { return (destinationWellKnown, .wellKnownPort) }
        let sourceEphemeral = isEphemeral(sourcePort)
        let destinationEphemeral = isEphemeral(destinationPort)
        if sourceEphemeral != destinationEphemeral { return (sourceEphemeral, .ephemeralPort) }
        return (sourcePort > destinationPort, .lowerPort)
    }

    static func isEphemeral(_ port: UInt16) -> Bool { port >= 32768 }
}
