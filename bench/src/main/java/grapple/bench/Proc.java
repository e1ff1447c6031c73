package grapple.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** CPU time and memory of processes, read from /proc (Linux). */
final class Proc {
  /** USER_HZ: the unit of utime and stime in /proc/PID/stat; 100 on every Linux we know of. */
  private static final double TICKS_PER_SECOND = 100.0;

  private Proc() {}

  /** User + system CPU seconds the process has used so far, or -1 if it is gone. */
  static double cpuSeconds(long pid) {
    try {
      return statCpuSeconds(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    } catch (IOException | RuntimeException e) {
      return -1; // the process ended: callers report -1 rather than fail a whole scenario
    }
  }

  /**
   * CPU seconds the JVM's JIT compiler threads (named "C1/C2 CompilerThread…") have used so far, or
   * -1 if the process is gone: a one-time warm-up cost that a short measurement would otherwise
   * count as work.
   */
  static double compilerCpuSeconds(long pid) {
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      return tasks.filter(Proc::isCompilerThread).mapToDouble(Proc::taskCpuSeconds).sum();
    } catch (IOException | RuntimeException e) {
      return -1; // the process ended
    }
  }

  /**
   * CPU seconds each family of the process's threads has used so far (digits in a thread's name
   * folded, so "webhooks-http-12" counts as "webhooks-http-N"); empty if the process is gone.
   */
  static java.util.Map<String, Double> threadCpuSeconds(long pid) {
    java.util.Map<String, Double> families = new java.util.TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      tasks.forEach(
          task -> {
            try {
              String name =
                  Files.readString(task.resolve("comm")).strip().replaceAll("[0-9]+", "N");
              families.merge(name, taskCpuSeconds(task), Double::sum);
            } catch (IOException e) {
              // the thread ended meanwhile; its time stays in the process's total
            }
          });
    } catch (IOException | RuntimeException e) {
      return java.util.Map.of(); // the process ended
    }
    return families;
  }

  private static boolean isCompilerThread(Path task) {
    try {
      return Files.readString(task.resolve("comm")).strip().matches("C[12] CompilerThre.*");
    } catch (IOException e) {
      return false; // the thread ended meanwhile
    }
  }

  private static double taskCpuSeconds(Path task) {
    try {
      return statCpuSeconds(Files.readString(task.resolve("stat")));
    } catch (IOException | RuntimeException e) {
      return 0; // the thread ended meanwhile; its time stays in the process's total
    }
  }

  /** utime + stime of a /proc stat line, in seconds. */
  private static double statCpuSeconds(String stat) {
    // Fields after the command name, which is in parentheses and may contain spaces.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
  }

  static double selfCpuSeconds() {
    return cpuSeconds(ProcessHandle.current().pid());
  }

  /** Resident set size in MiB (VmRSS), or -1 if the process is gone. */
  static double rssMib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:"))
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
      return -1;
    } catch (IOException | RuntimeException e) {
      return -1; // gone
    }
  }

  static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** A CPU meter over a time window for one process: share of the whole machine, 0..1. */
  static final class Meter {
    private final long pid;
    private final double startCpu;
    private final long startNanos = System.nanoTime();

    Meter(long pid) {
      this.pid = pid;
      this.startCpu = Proc.cpuSeconds(pid);
    }

    double cpuSeconds() {
      return Proc.cpuSeconds(pid) - startCpu;
    }

    double machineShare() {
      double wall = (System.nanoTime() - startNanos) / 1e9;
      return wall <= 0 ? 0 : cpuSeconds() / (wall * cores());
    }
  }
}
