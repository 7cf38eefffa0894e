public import ServiceLifecycle

/// An ``RPCServer`` is a swift-service-lifecycle `Service`, so a `ServiceGroup` runs it beside
/// the rest of a program and stops it gracefully on SIGTERM or SIGINT, as grpc-swift's server
/// does:
///
/// ```swift
/// let group = ServiceGroup(
///     services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
extension RPCServer: Service {
    /// Runs ``serve()``. The group's graceful shutdown begins the server's
    /// (``beginGracefulShutdown()``: the calls in flight are answered, then it unregisters and
    /// returns); cancelling the group's task stops it at once.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await serve()
        } onGracefulShutdown: {
            self.beginGracefulShutdown()
        }
    }
}
