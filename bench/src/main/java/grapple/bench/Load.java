package grapple.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/** Closed-loop load on loopback: N workers, each with its own keep-alive connection. */
final class Load {
  static final String JSON_HEADERS = "Content-Type: application/json\r\n";
  private static final int MAX_SAMPLES_PER_WORKER = 2_000_000;

  private Load() {}

  /** What one timed level measured. */
  record Result(
      int concurrency,
      int ok,
      int failed,
      double seconds,
      Stats latency,
      double generatorCpuShare,
      Map<Integer, Integer> statuses) {
    double perSecond() {
      return ok / seconds;
    }

    /** Two measurements of the same level as one (e.g. interleaved slices); null is nothing yet. */
    Result plus(@Nullable Result other) {
      if (other == null) return this;
      Map<Integer, Integer> both = new java.util.TreeMap<>(statuses);
      other.statuses.forEach((k, v) -> both.merge(k, v, Integer::sum));
      double cpu =
          (generatorCpuShare * seconds + other.generatorCpuShare * other.seconds)
              / (seconds + other.seconds);
      return new Result(
          concurrency,
          ok + other.ok,
          failed + other.failed,
          seconds + other.seconds,
          latency.plus(other.latency),
          cpu,
          both);
    }
  }

  /** One request a worker makes: its method, path and body (null for none). */
  record Call(String method, String path, String headers, byte @Nullable [] body) {
    static Call postJson(String path, String json) {
      return new Call("POST", path, JSON_HEADERS, json.getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * Runs {@code concurrency} workers for the warm-up, then again for the measured duration,
   * recording every latency. Each worker stops by itself at its deadline.
   */
  static Result timed(
      int port,
      int concurrency,
      Duration warmup,
      Duration measure,
      int expectStatus,
      IntFunction<Call> calls)
      throws InterruptedException {
    run(port, concurrency, warmup, expectStatus, calls, 0);
    return run(port, concurrency, measure, expectStatus, calls, 1_000_000_000);
  }

  /** One measured run of {@code duration}; request numbers start at {@code offset}. */
  static Result run(
      int port,
      int concurrency,
      Duration duration,
      int expectStatus,
      IntFunction<Call> calls,
      int offset)
      throws InterruptedException {
    long[][] samples = new long[concurrency][];
    int[] counts = new int[concurrency];
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger sequence = new AtomicInteger(offset);
    Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    CountDownLatch done = new CountDownLatch(concurrency);
    Proc.Meter meter = new Proc.Meter(ProcessHandle.current().pid());
    long start = System.nanoTime();
    long deadline = start + duration.toNanos();
    for (int w = 0; w < concurrency; w++) {
      int worker = w;
      samples[w] = new long[1024];
      Thread t =
          new Thread(
              () -> {
                try (RawHttp http = new RawHttp(port)) {
                  while (System.nanoTime() < deadline && counts[worker] < MAX_SAMPLES_PER_WORKER) {
                    Call call = calls.apply(sequence.getAndIncrement());
                    long t0 = System.nanoTime();
                    int status = send(http, call);
                    long took = System.nanoTime() - t0;
                    statuses.merge(status, 1, Integer::sum);
                    if (status != expectStatus) {
                      failed.incrementAndGet();
                      continue;
                    }
                    if (counts[worker] == samples[worker].length)
                      samples[worker] =
                          java.util.Arrays.copyOf(samples[worker], counts[worker] * 2);
                    samples[worker][counts[worker]++] = took;
                  }
                } finally {
                  done.countDown();
                }
              },
              "load-" + w);
      t.setDaemon(true);
      t.start();
    }
    done.await();
    double seconds = (System.nanoTime() - start) / 1e9;
    double share = meter.machineShare();
    int total = 0;
    for (int c : counts) total += c;
    long[] all = new long[total];
    int at = 0;
    for (int w = 0; w < concurrency; w++) {
      System.arraycopy(samples[w], 0, all, at, counts[w]);
      at += counts[w];
    }
    return new Result(
        concurrency, total, failed.get(), seconds, Stats.of(all, total), share, statuses);
  }

  /** The status, or -1 when the connection failed. */
  static int send(RawHttp http, Call call) {
    try {
      return http.request(call.method(), call.path(), call.headers(), call.body()).status();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Posts each body once (never retried: a retry would be the client's duplicate, not the bot's)
   * with {@code concurrency} workers; returns body → status (-1: connection failed). Workers wait
   * while {@code paused} says so, and each stops by the deadline. Records each post's start and end
   * (System.nanoTime) in {@code times}, if given.
   */
  static Map<String, Integer> postEach(
      int port,
      String path,
      List<String> texts,
      int concurrency,
      BooleanSupplier paused,
      Duration pace,
      Duration timeout,
      @Nullable Map<String, long[]> times)
      throws InterruptedException {
    Map<String, Integer> statuses = new ConcurrentHashMap<>();
    AtomicInteger next = new AtomicInteger();
    long deadline = System.nanoTime() + timeout.toNanos();
    CountDownLatch done = new CountDownLatch(concurrency);
    for (int w = 0; w < concurrency; w++) {
      Thread t =
          new Thread(
              () -> {
                try (RawHttp http = new RawHttp(port)) {
                  for (int i = next.getAndIncrement();
                      i < texts.size() && System.nanoTime() < deadline;
                      i = next.getAndIncrement()) {
                    while (paused.getAsBoolean() && System.nanoTime() < deadline)
                      Bench.sleep(Duration.ofMillis(20));
                    String text = texts.get(i);
                    long t0 = System.nanoTime();
                    statuses.put(
                        text, send(http, Call.postJson(path, "{\"text\":\"" + text + "\"}")));
                    if (times != null) times.put(text, new long[] {t0, System.nanoTime()});
                    if (!pace.isZero()) Bench.sleep(pace);
                  }
                } finally {
                  done.countDown();
                }
              },
              "poster-" + w);
      t.setDaemon(true);
      t.start();
    }
    done.await();
    return statuses;
  }
}
