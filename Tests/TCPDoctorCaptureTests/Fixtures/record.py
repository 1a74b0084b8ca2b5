#!/usr/bin/env python3
"""Records the capture fixtures of TCPDoctorCaptureTests on loopback (needs root).

Each fixture is one real TCP conversation recorded by tcpdump or dumpcap while this script plays
both ends:
  lo-ipv4-client-close.pcap       tcpdump -i lo (Ethernet, microseconds): the client closes first
  any-ipv6-server-close.pcap      tcpdump -i any -y LINUX_SLL2, nanoseconds, over ::1: the server
                                  closes first, the client half a second later
  lo-ipv4-reset.pcapng            dumpcap (pcapng): the client aborts with SO_LINGER 0, a RST
Usage: record.py OUTPUT_DIRECTORY
"""
import os, signal, socket, struct, subprocess, sys, time

out = sys.argv[1]

def start(command, marker, err):
    tool = subprocess.Popen(command, stderr=open(err, "w"), stdout=subprocess.DEVNULL)
    while marker not in open(err).read():
        time.sleep(0.01)
    return tool

def record(name, command, marker, family, conversation):
    host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
    listener = socket.socket(family)
    listener.bind((host, 0))
    listener.listen()
    port = listener.getsockname()[1]
    path = os.path.join(out, name)
    command = [part.replace("FILE", path).replace("PORT", str(port)) for part in command]
    tool = start(command, marker, path + ".err")
    try:
        time.sleep(1.0)  # libpcap on `any` drops packets for a moment after "listening on"
        conversation(listener, host, port, family)
        time.sleep(1.0)
    finally:
        tool.send_signal(signal.SIGINT)
        tool.wait(timeout=10)
        os.unlink(path + ".err")

def client_close(listener, host, port, family):
    client = socket.create_connection((host, port))
    server, _ = listener.accept()
    client.sendall(b"GET / HTTP/1.0\r\n\r\n")
    server.recv(100)
    server.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello")
    client.recv(100)
    client.close()
    server.recv(1)
    server.close()

def server_close(listener, host, port, family):
    client = socket.create_connection((host, port))
    server, _ = listener.accept()
    client.sendall(b"ping")
    server.recv(100)
    server.sendall(b"pong")
    client.recv(100)
    server.close()
    client.recv(1)
    time.sleep(0.5)
    client.close()

def reset(listener, host, port, family):
    client = socket.create_connection((host, port))
    server, _ = listener.accept()
    client.sendall(b"data")
    server.recv(100)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()
    time.sleep(0.2)
    server.close()

tcpdump = ["tcpdump", "-U", "--immediate-mode", "-B", "32768", "-w", "FILE"]
record("lo-ipv4-client-close.pcap", tcpdump + ["-i", "lo", "tcp port PORT"], "listening on",
       socket.AF_INET, client_close)
record("any-ipv6-server-close.pcap",
       tcpdump + ["-i", "any", "-y", "LINUX_SLL2", "--time-stamp-precision", "nano", "tcp port PORT"],
       "listening on", socket.AF_INET6, server_close)
record("lo-ipv4-reset.pcapng", ["dumpcap", "-q", "-i", "lo", "-n", "-f", "tcp port PORT", "-w", "FILE"],
       "Capturing on", socket.AF_INET, reset)
