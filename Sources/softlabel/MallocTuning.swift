import Dispatch
import Glibc

/// Keeps the memory of large request bodies in malloc's heap between requests.
///
/// glibc serves blocks above its mmap threshold with a fresh `mmap` and unmaps them on `free`
/// (the threshold adapts upward, but per-thread arenas trim their tops back to the kernel above
/// `2 × threshold`), so every 2.7 MB body and its 1 MB logits matrix were written into pages the
/// kernel first had to fault in and zero: about 0.5 ms of a 4.5 ms `loss_256_1000` request.
/// With blocks up to 32 MiB (glibc's largest mmap threshold) taken from the heap and free heap
/// kept up to 256 MiB, the pages are reused: measured 4.5 → 3.9 ms of server CPU per request and
/// ~390 → ~450 requests/s under `wrk -c8`. The price is that RSS stays at its high-water mark
/// (≈ 100 MB after 8 concurrent 2.7 MB requests) instead of falling back; it does not grow.
/// `trimPeriodically` bounds that: the free heap a burst leaves behind (1,000 more connections, a
/// 128 MB answer) is handed back within `period`, while the bodies between two trims reuse pages.
///
/// One arena for all threads: `malloc_trim` can give back the free pages inside any arena, but
/// only the main arena's top chunk; with glibc's default of 8 arenas per core every event-loop
/// and pool thread kept its own 64 MB heap whose free top stayed resident (measured with
/// `malloc_stats`: 38 MB of system bytes with 19 KB in use in each of two thread arenas after a
/// burst, RSS 99 MB, still 60 MB after a trim). With one arena the same burst (3 answers for
/// 8,000 classes × 100 bins, 8 concurrent 256×1000 losses, 1,000 connections) peaks at 49 MB and
/// falls back to 24 MB (idle: 22 MB) after the next trim. Small blocks still come from each
/// thread's cache (tcache) without the arena's lock; server CPU per request moved within the noise
/// of an A/B on a loaded machine (BENCHMARKS.md).
///
/// The `MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_` and `MALLOC_ARENA_MAX` environment
/// variables still win.
enum MallocTuning {
    static func keepLargeBlocksInHeap() {
        if getenv("MALLOC_MMAP_THRESHOLD_") == nil { _ = glibcMallopt(mmapThreshold, 32 << 20) }
        if getenv("MALLOC_TRIM_THRESHOLD_") == nil { _ = glibcMallopt(trimThreshold, 256 << 20) }
        if getenv("MALLOC_ARENA_MAX") == nil { _ = glibcMallopt(arenaMax, 1) }
    }

    /// Every `period`, `malloc_trim(0)`: returns the free pages of every arena to the kernel
    /// (glibc ≥ 2.8 releases whole free pages inside the heap too, not only its top). Between two
    /// trims RSS holds live memory plus every free page touched since the last trim, so the
    /// period sets how far RSS can run ahead of what is in use. At 10 s that was ~15-20 MB of
    /// noise under the soak's mixed large traffic: the 10-minute soak's minute peaks moved
    /// between 85 and 113 MB with in-use memory back at 3.7 MB whenever the traffic stopped (no
    /// leak: `malloc_stats` after each run), and a 4-minute soak failed its 10 % rule by 0.2 %.
    /// The price: the next large body after a trim faults its pages in again (~0.5 ms for
    /// 2.7 MB), at most once per period, and each trim holds the arena's lock while it walks the
    /// free chunks (not timed separately). Measured together over the 10-minute soak: server CPU
    /// 152.7 s with a 1 s period against 159.9 s with 10 s, i.e. within that run's noise.
    static func trimPeriodically(every period: Duration = .seconds(1)) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "softlabel.malloc-trim", qos: .utility))
        let milliseconds = Int(period.components.seconds) * 1000 + Int(period.components.attoseconds / 1_000_000_000_000_000)
        let interval = DispatchTimeInterval.milliseconds(milliseconds)
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(max(1, milliseconds / 10)))
        timer.setEventHandler { _ = glibcMallocTrim(0) }
        timer.resume()
        trimTimer = timer
    }

    /// Kept for the life of the process (a released timer source stops firing).
    nonisolated(unsafe) private static var trimTimer: (any DispatchSourceTimer)?

    // <malloc.h> is not part of the Glibc module: its parameter numbers, and `mallopt` by name.
    private static let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
    private static let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
    private static let arenaMax: Int32 = -8  // M_ARENA_MAX
}

@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32

@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
