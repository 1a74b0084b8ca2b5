import TCPDoctorCommands

@main
struct Entrypoint {
    static func main() async {
        await TCPDoctor.run()
    }
}
