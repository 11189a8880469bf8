import Glibc

/// The CPUs this process may really use, as Go (1.25, `GOMAXPROCS`) and the JVM
/// (`-XX:+UseContainerSupport`) compute them: the smallest of
///
/// - the online processors (`sysconf(_SC_NPROCESSORS_ONLN)`),
/// - the affinity mask (`sched_getaffinity`, what `taskset` and a cpuset restrict),
/// - the CFS quota, rounded up: cgroup v2 `cpu.max` ("QUOTA PERIOD" or "max PERIOD") of the
///   process's cgroup and of each ancestor, or cgroup v1 `cpu.cfs_quota_us / cpu.cfs_period_us`.
///
/// In a pod limited to 2 CPUs on a 64-core node this is 2, so the default number of event loops
/// and compute threads follows the quota instead of oversubscribing it 32 times.
public enum CPUs {
    /// The usable CPUs, computed once (at least 1).
    public static let available: Int = compute(cgroupRoot: "/sys/fs/cgroup", procSelfCgroup: "/proc/self/cgroup")

    /// Where each bound came from, for `--print-config` and `GET /v2`.
    public struct Bounds: Sendable, Equatable {
        public var online: Int
        public var affinity: Int?
        public var quota: Int?
        public var available: Int { min(online, affinity ?? .max, quota ?? .max) }
    }

    public static let bounds: Bounds = readBounds(cgroupRoot: "/sys/fs/cgroup", procSelfCgroup: "/proc/self/cgroup")

    static func compute(cgroupRoot: String, procSelfCgroup: String) -> Int {
        max(1, readBounds(cgroupRoot: cgroupRoot, procSelfCgroup: procSelfCgroup).available)
    }

    static func readBounds(cgroupRoot: String, procSelfCgroup: String) -> Bounds {
        let online = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        return Bounds(online: online, affinity: affinityCount(),
                      quota: quotaCPUs(cgroupRoot: cgroupRoot, procSelfCgroup: readFile(procSelfCgroup) ?? ""))
    }

    /// CPUs in the affinity mask, or nil when it cannot be read.
    static func affinityCount() -> Int? {
        // A cpu_set_t of 1,024 CPUs (glibc's size); the kernel fails with EINVAL only if its own
        // mask is larger, and then the bound is left out.
        var mask = [UInt64](repeating: 0, count: 16)
        let status = mask.withUnsafeMutableBytes { glibcSchedGetaffinity(0, $0.count, $0.baseAddress!) }
        guard status == 0 else { return nil }
        let count = mask.reduce(0) { $0 + $1.nonzeroBitCount }
        return count > 0 ? count : nil
    }

    /// ⌈quota / period⌉ of the tightest cgroup limit on the path from the process's cgroup up to
    /// the root, or nil when no limit is set (or nothing can be read).
    static func quotaCPUs(cgroupRoot: String, procSelfCgroup: String) -> Int? {
        var tightest: Int?
        func consider(_ quota: Int64, _ period: Int64) {
            guard quota > 0, period > 0 else { return }
            let (sum, overflow) = quota.addingReportingOverflow(period - 1)
            guard !overflow else { return }
            let cpus = Int(max(1, sum / period))
            tightest = min(tightest ?? .max, cpus)
        }
        for line in procSelfCgroup.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = String(parts[2])
            if parts[0] == "0", parts[1].isEmpty {
                // cgroup v2: cpu.max at each level from the process's cgroup up to the root.
                for directory in ancestors(cgroupRoot, path) {
                    if let text = readFile(directory + "/cpu.max"), let (q, p) = parseCPUMax(text) { consider(q, p) }
                }
            } else if parts[1].split(separator: ",").contains("cpu") {
                // cgroup v1: the cpu controller's hierarchy (mounted as cpu or cpu,cpuacct).
                for mount in ["cpu", "cpu,cpuacct", "cpuacct,cpu"] {
                    for directory in ancestors(cgroupRoot + "/" + mount, path) {
                        if let q = readFile(directory + "/cpu.cfs_quota_us").flatMap(parseInt),
                           let p = readFile(directory + "/cpu.cfs_period_us").flatMap(parseInt) { consider(q, p) }
                    }
                }
            }
        }
        return tightest
    }

    /// `root + path` and each of its parents down to `root` (a container usually sees its own
    /// cgroup as the root, so the root itself is always read).
    static func ancestors(_ root: String, _ path: String) -> [String] {
        var components = path.split(separator: "/").map(String.init)
        var result: [String] = []
        while true {
            result.append(components.isEmpty ? root : root + "/" + components.joined(separator: "/"))
            if components.isEmpty { break }
            components.removeLast()
        }
        return result
    }

    /// cgroup v2 `cpu.max`: "max 100000" (no limit) or "200000 100000".
    static func parseCPUMax(_ text: String) -> (Int64, Int64)? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, fields[0] != "max", let q = parseInt(fields[0]), let p = parseInt(fields[1]) else { return nil }
        return (q, p)
    }

    static func parseInt<S: StringProtocol>(_ text: S) -> Int64? {
        Int64(text.trimmingCharacters(in: " \n"))
    }

    /// A small file's text (cgroup and proc files), or nil.
    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 16 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return s
    }
}

// `sched_getaffinity` is declared by <sched.h> only under _GNU_SOURCE, which Swift's Glibc module
// does not define: bound by name.
@_silgen_name("sched_getaffinity")
private func glibcSchedGetaffinity(_ pid: pid_t, _ size: Int, _ mask: UnsafeMutableRawPointer) -> Int32
