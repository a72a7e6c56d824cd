package io.adagio.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A process's CPU by thread: utime + stime of every live thread ({@code /proc/<pid>/task/<tid>/stat}, fields 14
 * and 15), read at both ends of a window and attributed, per thread, to a group named after what the threads
 * do ({@link #group}). A thread started in the window counts from 0; one that ended in it is lost (its time is
 * in the process's total only), so the harness reports the process's total minus the sum of the groups as
 * {@link #EXITED}.
 */
final class ThreadCpu {
    /** What the live threads do not account for: threads that ended in the window, and rounding. */
    static final String EXITED = "exited threads / other";

    private ThreadCpu() {
    }

    /** One thread: its name ({@code comm}: the Java thread name, truncated to 15 characters) and its CPU in ticks. */
    record Task(String comm, long ticks) {
    }

    /** Every live thread of {@code pid} by thread id; empty where there is no {@code /proc}. */
    static Map<Long, Task> take(long pid) {
        Map<Long, Task> out = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    // "tid (comm) state ppid …": comm (the same as task/<tid>/comm) may hold spaces and parentheses
                    String stat = Files.readString(task.resolve("stat"));
                    int close = stat.lastIndexOf(')');
                    String comm = stat.substring(stat.indexOf('(') + 1, close);
                    String[] f = stat.substring(close + 2).trim().split(" ");
                    out.put(Long.parseLong(task.getFileName().toString()),
                            new Task(comm, Long.parseLong(f[11]) + Long.parseLong(f[12]))); // fields 14 and 15
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            // not Linux, or the process is gone
        }
        return out;
    }

    /**
     * Ticks used between two readings, by group ({@link #group}), largest first. A thread id seen in both with
     * the same name counts its difference; a thread id new in {@code after} (or reused under another name)
     * counts from 0.
     */
    static Map<String, Long> byGroup(Map<Long, Task> before, Map<Long, Task> after) {
        Map<String, Long> sums = new TreeMap<>();
        for (Map.Entry<Long, Task> e : after.entrySet()) {
            Task now = e.getValue();
            Task then = before.get(e.getKey());
            long used = then != null && then.comm().equals(now.comm()) && then.ticks() <= now.ticks()
                    ? now.ticks() - then.ticks() : now.ticks();
            sums.merge(group(now.comm()), used, Long::sum);
        }
        Map<String, Long> out = new LinkedHashMap<>();
        sums.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .forEach(x -> out.put(x.getKey(), x.getValue()));
        return out;
    }

    /**
     * The pool's agent threads are named {@code adagio-agent-<id>} (control) and {@code adagio-agent-<id>-slot-<n>},
     * where the id is {@code <hostname>-<pid>-<i>} by default: after truncation to 15 characters,
     * {@code adagio-agent-} and the first characters of the hostname (the same machine as the harness's).
     */
    private static final String AGENT_COMM = agentComm();

    private static final List<String> JVM_OTHER = List.of("Reference Handl", "Finalizer", "Signal Dispatch",
            "Service Thread", "Monitor Deflati", "Sweeper thread", "Common-Cleaner", "Notification Th",
            "Attach Listener", "process reaper", "DestroyJavaVM");

    /**
     * The group of a thread, by its 15-character name: the JIT's compiler threads ({@code C1/C2 CompilerThre}),
     * the GC and the VM thread ({@code GC Thread#n}, {@code G1 …}, {@code VM Thread}, {@code VM Periodic Tas}),
     * gRPC/Netty's event loops ({@code grpc-nio-worker}) and executor ({@code grpc-default-ex}), jetcd's callback
     * pool ({@code jetcd-pool-n-th}), Tomcat's request threads with its poller and acceptor
     * ({@code http-nio-<port>-}: no room for more), the pool's agents ({@code adagio-agent-<id>}: the control
     * and slot threads; the event feed and the heartbeats apart when the hostname allows telling them apart),
     * the etcd store's watch, event delivery and recovery threads ({@code adagio-etcd-…}), the JDK HttpClient's
     * selector and workers (a harness's client), the JVM's small service threads; any other by its
     * name with runs of digits as {@code #} ({@code java} is the launcher's and the main thread).
     */
    static String group(String comm) {
        if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
            return "JIT";
        }
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.startsWith("VM Thread")
                || comm.startsWith("VM Periodic")) {
            return "GC/VM";
        }
        if (comm.startsWith("grpc-nio-worker") || comm.startsWith("grpc-default-wo") || comm.startsWith("grpc-epoll")) {
            return "gRPC I/O";
        }
        if (comm.startsWith("grpc-default-ex")) {
            return "gRPC executor";
        }
        if (comm.startsWith("vert.x-eventloo")) {
            return "vert.x event loop";
        }
        if (comm.startsWith("vert.x-") || comm.startsWith("vertx-")) {
            return "vert.x other";
        }
        if (comm.startsWith("jetcd-pool")) {
            return "jetcd pool";
        }
        if (comm.startsWith("http-nio-")) {
            return "Tomcat";
        }
        if (comm.startsWith("adagio-agent-")) {
            if (!AGENT_COMM.startsWith("adagio-agent-ev") && comm.startsWith("adagio-agent-ev")) {
                return "agent event feed";
            }
            if (!AGENT_COMM.startsWith("adagio-agent-he") && comm.startsWith("adagio-agent-he")) {
                return "agent heartbeats";
            }
            return "agents";
        }
        if (comm.startsWith("adagio-etcd-")) {
            return "etcd watch/events";
        }
        if (comm.startsWith("adagio-memory-")) {
            return "memory events/leases";
        }
        if (comm.matches("HttpClient-[0-9]+-S.*")) {
            return "JDK HttpClient selector";
        }
        if (comm.matches("HttpClient-[0-9]+-W.*")) {
            return "JDK HttpClient workers";
        }
        if (JVM_OTHER.stream().anyMatch(comm::startsWith)) {
            return "JVM other";
        }
        return comm.replaceAll("[0-9]+", "#");
    }

    private static String agentComm() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "agent";
        }
        String name = "adagio-agent-" + host.replace('/', '-');
        return name.length() > 15 ? name.substring(0, 15) : name;
    }
}
