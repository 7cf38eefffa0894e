/// The state of a server's datagram socket, as its handler (``RPCServerDatagramHandler``) sees
/// it: how many calls are running, and whether the socket is draining.
///
/// A datagram is one call and there is no queue: one that comes at the in-flight limit or while
/// draining is dropped, and the client retransmits it. The socket is idle (its transport may stop
/// it) once draining has begun and no call is in flight.
struct ServerDatagramStateMachine {
    enum State: Equatable {
        /// Taking calls.
        case serving
        /// No more calls are taken; the calls in flight are answered.
        case draining
        /// Draining, and nothing is in flight: reported once.
        case idle
    }

    private(set) var state = State.serving
    private(set) var callsInFlight = 0
    let maximumCallsInFlight: Int

    init(maximumCallsInFlight: Int) {
        self.maximumCallsInFlight = maximumCallsInFlight
    }

    /// A datagram came: whether it is taken (else it is dropped).
    func datagramArrived() -> Bool {
        state == .serving && callsInFlight < maximumCallsInFlight
    }

    /// A taken call went to a handler that runs in a task.
    mutating func callStarted() {
        callsInFlight += 1
    }

    /// A handler finished. Returns whether the socket has just become idle.
    mutating func callFinished() -> Bool {
        callsInFlight -= 1
        return becameIdle()
    }

    /// The transport stops taking calls; `cancelledCalls` handlers were cancelled and will not
    /// report back. Returns whether the socket has just become idle.
    mutating func drain(cancelledCalls: Int = 0) -> Bool {
        callsInFlight -= cancelledCalls
        if state == .serving { state = .draining }
        return becameIdle()
    }

    /// The handler left the pipeline: nothing more can come or be answered. Returns whether
    /// the socket has just become idle.
    mutating func removed() -> Bool {
        let wasIdle = state == .idle
        state = .idle
        return !wasIdle
    }

    private mutating func becameIdle() -> Bool {
        guard state == .draining, callsInFlight == 0 else { return false }
        state = .idle
        return true
    }
}
