// The remedy catalog: every runtime- and server-specific fix in one place, as data.
extension RemedyCatalog {
    /// Every topic's remedies.
    public static let entries: [RemedyTopic: RemedyEntry] = [
        .closeWait: closeWait, .deadSocketFDs: deadSocketFDs, .connectionReuse: connectionReuse,
        .serverClosesFirst: serverClosesFirst, .sharedSocket: sharedSocket, .connectTimeout: connectTimeout,
        .acceptQueue: acceptQueue, .halfClosed: halfClosed, .fileLimit: fileLimit,
    ]

    private static let closeWait = RemedyEntry(
        generic: [
            "Close the socket as soon as read() returns 0 (end of stream) and on every error path: only the application's close() ends CLOSE_WAIT.",
            "Give every connection an idle or read timeout, so that a forgotten one is closed by the application.",
            "Restarting the process frees the sockets for now; the leak comes back with the next peer that closes first.",
        ],
        runtimes: [
            .jvm: [
                "close every response and stream in try-with-resources, also on exceptions (Apache HttpClient `try (CloseableHttpResponse r = client.execute(request))`, OkHttp `response.close()` or `response.body().close()`).",
                "evict idle and expired pooled connections (Apache HttpClient `evictIdleConnections(...)` and `evictExpiredConnections()`, OkHttp `ConnectionPool(maxIdle, keepAlive, unit)`): a pooled connection the server closed sits in CLOSE_WAIT until the pool looks at it.",
            ],
            .cpython: [
                "use `with` blocks for sockets and responses (`with urllib.request.urlopen(url) as response:`, `with requests.get(url, stream=True) as r:`) or call `response.close()`; with `stream=True` requests holds the connection until the body is read or closed.",
                "reuse one `requests.Session` (its urllib3 pool) and close it when done, instead of sessions created per call and abandoned with their pooled sockets.",
            ],
            .node: [
                "call `socket.destroy()` (or `res.destroy()`) on 'end', 'error' and 'timeout'; a net.Socket created with `allowHalfOpen: true` stays half-open until you call `end()`.",
                "give http.Agent `keepAlive: true` with a `timeout`, and set `server.keepAliveTimeout` or `socket.setTimeout()` so idle sockets are closed.",
            ],
            .go: [
                "`defer resp.Body.Close()` right after every successful request, and read the body to EOF (`io.Copy(io.Discard, resp.Body)`) so the connection goes back to the pool.",
                "set `http.Transport.IdleConnTimeout` (and `http.Server.IdleTimeout`, `ReadTimeout` for servers); `defer conn.Close()` right after `Dial` or `Accept` for raw connections.",
            ],
            .dotnet: [
                "dispose every HttpResponseMessage and response stream (`using var response = await client.SendAsync(request);`).",
                "reuse one HttpClient (or IHttpClientFactory) with `SocketsHttpHandler.PooledConnectionIdleTimeout` and `PooledConnectionLifetime` set, instead of an HttpClient per request.",
            ],
            .ruby: [
                "close sockets in an `ensure` clause or use the block forms (`TCPSocket.open(host, port) { |s| ... }`, `Net::HTTP.start(host, port) { |http| ... }`), which close when the block ends.",
                "set `read_timeout` and `keep_alive_timeout` on Net::HTTP, and let persistent-connection pools (net-http-persistent, connection_pool) drop connections the peer has closed.",
            ],
            .native: [
                "call close() when read() or recv() returns 0, and on every error other than EAGAIN/EWOULDBLOCK and EINTR; with epoll, EPOLLRDHUP or EPOLLHUP means the peer has closed.",
                "give each fd one owner that closes it, and an idle timeout per connection.",
            ],
        ],
        servers: [
            "haproxy": [
                "set `timeout client-fin` and `timeout server-fin` so that half-closed connections are closed, and check `timeout client` and `timeout server`."
            ],
            "nginx": [
                "nginx closes connections promptly; a CLOSE_WAIT pile in a worker points to a blocked worker or a third-party module: check `keepalive_timeout`, `proxy_read_timeout` and the error log, then reload."
            ],
            "envoy": [
                "set `idle_timeout` in the HTTP connection manager's `common_http_protocol_options` and on upstream clusters."
            ],
            "postgres": [
                "CLOSE_WAIT in a backend means the client left while the backend was busy or idle in a transaction: set `idle_in_transaction_session_timeout`, `idle_session_timeout` (PostgreSQL 14+) and `tcp_keepalives_idle`."
            ],
            "redis-server": [
                "set `timeout` in redis.conf so that idle clients are closed, and keep `tcp-keepalive` on."
            ],
            "tomcat": [
                "check the connector's `connectionTimeout` and `keepAliveTimeout`; CLOSE_WAIT toward other services is usually the web application's own HTTP client."
            ],
        ],
        // Every runtime's first line is its way to close on end of stream and on errors; all but
        // CPython's second line is its way to time idle connections out.
        covered: [
            .jvm: [0, 1], .cpython: [0], .node: [0, 1], .go: [0, 1], .dotnet: [0, 1], .ruby: [0, 1], .native: [0, 1],
        ]
    )

    private static let deadSocketFDs = RemedyEntry(
        generic: [
            "Close the socket on ECONNRESET, EPIPE and ETIMEDOUT and on every other error path: the kernel has already dropped the connection and only close() frees the descriptor.",
            "SO_KEEPALIVE and `ss -K` remove a CLOSE_WAIT entry from the tables but not its fd: they hide a CLOSE_WAIT leak from netstat without fixing it.",
        ],
        runtimes: [
            .jvm: [
                "close sockets and streams in try-with-resources or `finally`, also when an IOException (\"Connection reset\", \"Broken pipe\") is thrown; pools must discard connections that failed."
            ],
            .cpython: [
                "use `with` blocks so that sockets close when ConnectionResetError, BrokenPipeError or TimeoutError propagate; code that catches and continues must call `sock.close()`."
            ],
            .node: ["handle 'error' on every socket and call `socket.destroy()` there (ECONNRESET, EPIPE, ETIMEDOUT)."],
            .go: [
                "close the connection or response body on every non-nil error from Read and Write; `defer conn.Close()` right after `Dial` or `Accept`."
            ],
            .dotnet: [
                "dispose sockets, streams and HttpResponseMessage with `using`, also when SocketException or IOException is thrown."
            ],
            .ruby: ["close in `ensure`, so that Errno::ECONNRESET, Errno::EPIPE and Errno::ETIMEDOUT paths close too."],
            .native: [
                "call close() when read, write, send or recv fail with ECONNRESET, EPIPE, ETIMEDOUT or any error other than EAGAIN/EWOULDBLOCK and EINTR; with epoll, EPOLLERR and EPOLLHUP need a close too."
            ],
        ],
        // Each runtime's line is the generic "close on every error path" in its terms.
        covered: [.jvm: [0], .cpython: [0], .node: [0], .go: [0], .dotnet: [0], .ruby: [0], .native: [0]]
    )

    private static let connectionReuse = RemedyEntry(
        generic: [
            "Reuse connections: HTTP keep-alive and a connection pool turn thousands of short connections into a few long ones.",
            "Where the protocol allows it, let the server close first: its TIME_WAIT sits on its listening port and uses no ephemeral ports.",
        ],
        runtimes: [
            .jvm: [
                "share one pooled client (Apache HttpClient with PoolingHttpClientConnectionManager, one OkHttpClient, one java.net.http.HttpClient) and consume or close every response so that its connection returns to the pool."
            ],
            .cpython: [
                "use one `requests.Session` (or `httpx.Client`, `aiohttp.ClientSession`) for many requests; `requests.get()` per call opens a new connection every time."
            ],
            .node: [
                "use an http.Agent with `keepAlive: true` (the global agent keeps alive since Node.js 19) and a `maxSockets` limit."
            ],
            .go: [
                "reuse one http.Client, read every body to EOF before closing it so that the connection is reused, and raise `Transport.MaxIdleConnsPerHost` (default 2) when many requests go to one host."
            ],
            .dotnet: [
                "reuse one HttpClient (or IHttpClientFactory) instead of one per request, with `SocketsHttpHandler.PooledConnectionLifetime` set."
            ],
            .ruby: [
                "reuse one `Net::HTTP.start` session (or net-http-persistent) for many requests instead of `Net::HTTP.get` per call."
            ],
            .native: ["keep connections open and reuse them (a pool per destination)."],
        ],
        // Each runtime's line is the generic "reuse connections" in its terms.
        covered: [.jvm: [0], .cpython: [0], .node: [0], .go: [0], .dotnet: [0], .ruby: [0], .native: [0]]
    )

    private static let serverClosesFirst = RemedyEntry(
        generic: [
            "Let clients reuse connections (HTTP/1.1 keep-alive) and close first, so that TIME_WAIT stays on the clients.",
            "TIME_WAIT on a server costs no fd and little memory and uses no ephemeral ports; it matters when it nears net.ipv4.tcp_max_tw_buckets or when the churn itself is the cost.",
        ],
        runtimes: [
            .cpython: [
                "serve HTTP/1.1 with keep-alive (gunicorn `--keep-alive`, uvicorn `--timeout-keep-alive`; http.server needs `protocol_version = \"HTTP/1.1\"`)."
            ],
            .node: ["keep `server.keepAliveTimeout` above 0 and do not send `Connection: close`."],
            .go: ["do not call `http.Server.SetKeepAlivesEnabled(false)` nor send `Connection: close`."],
            .dotnet: ["keep Kestrel's `Limits.KeepAliveTimeout` above 0 and do not send `Connection: close`."],
            .ruby: ["keep Puma's `persistent_timeout` above 0 and do not send `Connection: close`."],
            .jvm: [
                "keep the server's keep-alive on (Tomcat `maxKeepAliveRequests` above 1, Jetty idle timeout above 0) and do not send `Connection: close`."
            ],
            .native: [
                "after a response, wait for the client's next request or its FIN instead of closing first; close first only on an idle timeout."
            ],
        ],
        servers: [
            "nginx": [
                "keep `keepalive_timeout` above 0 and `keepalive_requests` high (1000 by default since 1.19.10), so that nginx does not close after each request."
            ],
            "haproxy": [
                "keep `option http-keep-alive` (the default) rather than `option httpclose` toward clients that can reuse connections."
            ],
            "tomcat": ["keep the connector's `maxKeepAliveRequests` above 1 and `keepAliveTimeout` above 0."],
        ]
    )

    private static let sharedSocket = RemedyEntry(
        generic: [
            "After fork(), close the accepted connection in the process that does not serve it (usually the parent) and the listener in the child.",
            "Open sockets with SOCK_CLOEXEC (`accept4(..., SOCK_CLOEXEC)`) so that programs started with exec do not inherit them.",
            "A process that must end a shared connection can call shutdown(SHUT_RDWR), which sends the FIN whoever else holds the fd.",
        ],
        runtimes: [
            .cpython: [
                "keep `close_fds=True` in subprocess (the default since 3.2) and sockets non-inheritable (the default since 3.4, PEP 446); with multiprocessing's fork start method, close the inherited connection in the parent or use the 'spawn' or 'forkserver' method."
            ],
            .ruby: [
                "sockets are close-on-exec by default since Ruby 2.0; after `fork`, close the connection in the parent right away."
            ],
            .node: [
                "pass explicit `stdio` to child_process and hand sockets to children only on purpose (`subprocess.send(message, socket)`)."
            ],
            .jvm: ["ProcessBuilder children do not inherit Java sockets; look for native or JNI code that forks."],
            .go: [
                "Go opens descriptors close-on-exec; look for `os/exec` `ExtraFiles` or `syscall.ForkExec` that pass sockets on."
            ],
            .dotnet: [
                ".NET opens sockets close-on-exec; look for code that passes handles to child processes on purpose."
            ],
            .native: [
                "call close(connfd) in the parent right after fork(); use accept4() with SOCK_CLOEXEC, and posix_spawn file actions for children."
            ],
        ]
    )

    private static let connectTimeout = RemedyEntry(
        generic: [
            "Check that the destination is up and reachable on that port (`nc -vz HOST PORT`) and whether a firewall drops the SYNs: a closed port answers with RST at once and leaves no SYN_SENT.",
            "Set a connect timeout of seconds in the client instead of the kernel's ~2 minutes (net.ipv4.tcp_syn_retries), and back off or trip a circuit breaker on failures.",
        ],
        runtimes: [
            .jvm: [
                "set a connect timeout (`HttpClient.newBuilder().connectTimeout(...)`, OkHttp `connectTimeout(...)`, Apache HttpClient `ConnectionConfig` connect timeout, `socket.connect(address, timeoutMillis)`)."
            ],
            .cpython: [
                "pass `timeout=(connect, read)` to requests, `timeout=` to `socket.create_connection`, `httpx.Timeout(connect=...)` to httpx."
            ],
            .node: [
                "use `AbortSignal.timeout(ms)` with fetch, or the `timeout` option of http.request, and destroy the socket on 'timeout'."
            ],
            .go: [
                "dial with `net.Dialer{Timeout: ...}` (also in `http.Transport.DialContext`) or a context with a deadline."
            ],
            .dotnet: ["set `SocketsHttpHandler.ConnectTimeout` and `HttpClient.Timeout`."],
            .ruby: ["set `open_timeout` on Net::HTTP (`connect_timeout:` for `Socket.tcp`)."],
            .native: ["use a non-blocking connect() and poll() with a deadline, and close the socket on timeout."],
        ],
        servers: [
            "nginx": [
                "set `proxy_connect_timeout` and let failing upstreams be skipped (`max_fails`, `fail_timeout`)."
            ],
            "haproxy": ["set `timeout connect` and enable health checks (`check`) on the servers."],
            "envoy": ["set the cluster's `connect_timeout` and outlier detection."],
        ]
    )

    private static let acceptQueue = RemedyEntry(
        generic: [
            "Accept faster: more workers or threads accepting, and no slow work (TLS handshakes, DNS, disk) on the accepting thread before accept().",
            "Raise the listen backlog in the application for legitimate bursts; the kernel caps it at net.core.somaxconn, so raise both.",
        ],
        runtimes: [
            .jvm: [
                "raise the backlog (`new ServerSocket(port, backlog)`, Tomcat `acceptCount`, Netty `ChannelOption.SO_BACKLOG`) and check that acceptor and worker pools are not exhausted."
            ],
            .cpython: [
                "raise `--backlog` (gunicorn, uvicorn) or `sock.listen(n)`, and add workers when they are all busy."
            ],
            .node: [
                "pass a larger `backlog` to `server.listen()` (default 511) and watch event-loop lag: a blocked loop does not accept."
            ],
            .go: [
                "Go uses net.core.somaxconn as its backlog, so raise that; a custom listener whose Accept blocks slows everything."
            ],
            .dotnet: ["raise Kestrel's `SocketTransportOptions.Backlog` and check the thread pool for starvation."],
            .ruby: ["raise Puma's `backlog` bind option and add workers or threads."],
            .native: [
                "call listen() with a larger backlog, and on each readiness event accept in a loop until EAGAIN."
            ],
        ],
        servers: [
            "nginx": ["set `backlog=` on the `listen` directive (default 511) and check `worker_connections`."],
            "haproxy": ["set `backlog` on the frontend and check `maxconn`."],
            "redis-server": ["raise `tcp-backlog` in redis.conf together with net.core.somaxconn."],
        ]
    )

    private static let halfClosed = RemedyEntry(
        generic: [
            "After shutdown(SHUT_WR), keep reading with a deadline and close() on end of stream (read() == 0) or when the deadline passes."
        ],
        runtimes: [
            .node: ["with `allowHalfOpen`, destroy the socket on a timeout after `end()`."],
            .go: ["after `CloseWrite()`, set a read deadline (`SetReadDeadline`) and `Close()` when it passes."],
            .native: [
                "after shutdown(fd, SHUT_WR), poll for readability with a deadline and close() on read() == 0 or on timeout."
            ],
        ]
    )

    private static let fileLimit = RemedyEntry(
        generic: [
            "Fix the leak first: raising the limit only delays the next \"Too many open files\" (EMFILE).",
            "If the process needs more descriptors legitimately: `LimitNOFILE=` in its systemd unit, `ulimit -n` in the script that starts it (up to the hard limit), `--ulimit nofile=SOFT:HARD` for Docker; no hard limit can exceed fs.nr_open.",
        ],
        runtimes: [
            .jvm: [
                "HotSpot raises its soft limit to the hard limit at start (`-XX:+MaxFDLimit`, on by default), so it is the hard limit that counts."
            ],
            .go: [
                "Go 1.19 and later raise the soft limit to the hard limit at start, so it is the hard limit that counts."
            ],
        ],
        servers: [
            "nginx": ["`worker_rlimit_nofile` sets the workers' limit; keep `worker_connections` well below it."],
            "haproxy": ["haproxy sizes its limit from `maxconn`; set `maxconn` rather than ulimit."],
        ]
    )
}
