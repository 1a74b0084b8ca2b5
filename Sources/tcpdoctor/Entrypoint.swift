import TCPDoctorCommands

@main
struct Entrypoint {
    static func main() {
        TCPDoctor.run()
    }
}
