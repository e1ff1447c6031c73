package grapple.bot;

import grapple.bot.http.RequestObserver;
import grapple.bot.http.Response;
import grapple.bot.http.Router;
import grapple.state.Daemons;
import grapple.state.Fatal;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.DoubleConsumer;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prometheus metrics at {@code /metrics}: the JVM's, every listener's requests by status and their
 * durations, and gauges read from the bot when scraped (nothing on the hot paths but a counter).
 */
public final class Metrics implements RequestObserver {
  private static final Logger log = LoggerFactory.getLogger(Metrics.class);

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Counter requests =
      Counter.builder()
          .name("grapple_http_requests_total")
          .help("HTTP requests answered, by listener and status")
          .labelNames("listener", "status")
          .withoutExemplars()
          .register(registry);
  private final Histogram durations =
      Histogram.builder()
          .name("grapple_http_request_duration_seconds")
          .help("Time to answer an HTTP request, by listener")
          .labelNames("listener")
          .classicOnly()
          .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)
          .withoutExemplars()
          .register(registry);

  public Metrics() {
    JvmMetrics.builder().register(registry);
  }

  /**
   * The data points each listener's answers land in, found once (a label lookup per request shows
   * up at 20k/s): per listener, its duration and its counters by status.
   */
  private final Map<String, ListenerPoints> listenerPoints = new ConcurrentHashMap<>();

  private final class ListenerPoints {
    final DistributionDataPoint duration;
    final AtomicReferenceArray<@Nullable CounterDataPoint> byStatus =
        new AtomicReferenceArray<>(600);
    final String listener;

    ListenerPoints(String listener) {
      this.listener = listener;
      this.duration = durations.labelValues(listener);
    }

    CounterDataPoint status(int status) {
      // A status outside the table (none Jetty writes, but a handler's own) is looked up each
      // time: kept in a shared slot, it would be counted under another status's label.
      if (status < 0 || status >= byStatus.length())
        return requests.labelValues(listener, Integer.toString(status));
      var point = byStatus.get(status);
      if (point == null) {
        // labelValues gives the same point each time: two threads racing here set the same one.
        point = requests.labelValues(listener, Integer.toString(status));
        byStatus.set(status, point);
      }
      return point;
    }
  }

  @Override
  public void served(String listener, int status, long nanos) {
    ListenerPoints points = listenerPoints.computeIfAbsent(listener, ListenerPoints::new);
    points.status(status).inc();
    points.duration.observe(nanos / 1e9);
  }

  /** A value read when scraped, e.g. the outbox backlog. */
  public void gauge(String name, String help, DoubleSupplier value) {
    Supplier<Double> source = value::getAsDouble;
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> report(name, source, cb::call))
        .register(registry);
    addSource(name, source);
  }

  /** A gauge with one label, read when scraped, e.g. connections by type. */
  public void gauge(String name, String help, String label, Supplier<Map<String, Long>> values) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames(label)
        .callback(
            cb -> {
              Map<String, Long> read = readOrSkip(name, values);
              if (read != null) read.forEach((k, v) -> cb.call(v, k));
            })
        .register(registry);
    addSource(name, values);
  }

  /**
   * A count kept in memory (an AtomicLong), read when scraped on the scraping thread: it waits on
   * nothing, so it takes no reader thread (nor, with SQLite, the connection each one opens).
   */
  public void counter(String name, String help, DoubleSupplier value) {
    Supplier<Double> source = value::getAsDouble;
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> report(name, source, cb::call))
        .register(registry);
  }

  /**
   * Hands {@code source}'s value to a scrape's callback; a value that cannot be read now reports
   * nothing (see {@link #readOrSkip}). Gauges and counters have callbacks of different types.
   */
  private void report(String name, Supplier<Double> source, DoubleConsumer callback) {
    Double read = readOrSkip(name, source);
    if (read != null) callback.accept(read);
  }

  /** Threads the values read when scraped may take at most (tests). */
  int readerThreads() {
    return readers.getMaximumPoolSize();
  }

  /**
   * The metrics whose value could not be read at the last scrape: a value that cannot be read now
   * (the database is down) leaves out its own lines, not the whole scrape, which is what shows the
   * outage (grapple_ready, grapple_leader, the JVM's).
   */
  private final Set<String> unreadable = ConcurrentHashMap.newKeySet();

  /**
   * How long a scrape waits for the values read when scraped, all together. A read of a database
   * that does not answer (PostgreSQL cut off) waits out the pool's connect timeout, or the
   * socket's: waited for, it would make the scrape outlast Prometheus' timeout (10 s by default),
   * and the outage would show as a missing target instead of as its own lines.
   */
  static final Duration READ_BUDGET = Duration.ofSeconds(2);

  /**
   * Each value's latest read; one not done yet is not started again (it hangs, and is waited on).
   */
  private final Map<String, CompletableFuture<?>> reads = new ConcurrentHashMap<>();

  private final Map<String, Supplier<?>> sources = new ConcurrentHashMap<>();

  /**
   * One thread per value at most, kept (a thread has a database connection of its own with SQLite):
   * a value has one read in flight at a time, so a hanging read never holds up another's.
   */
  private final ThreadPoolExecutor readers =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.MILLISECONDS,
          new LinkedBlockingQueue<>(),
          Daemons.numbered("metrics-read"));

  private synchronized void addSource(String name, Supplier<?> value) {
    sources.put(name, value);
    int threads = sources.size();
    if (threads > readers.getMaximumPoolSize()) {
      readers.setMaximumPoolSize(threads);
      readers.setCorePoolSize(threads);
    }
  }

  /** The reads of the scrape under way on this thread, and when it stops waiting for them. */
  private record Scrape(Map<String, CompletableFuture<?>> reads, long deadlineNanos) {
    /** The value {@code name} read, waiting until the deadline at most. */
    @SuppressWarnings("unchecked") // each read is of its name's own supplier
    <T> T value(String name, Supplier<T> direct)
        throws ExecutionException, InterruptedException, TimeoutException {
      CompletableFuture<?> pending = reads.get(name);
      if (pending == null) return direct.get(); // a counter, or registered during this scrape
      long left = Math.max(0, deadlineNanos - System.nanoTime());
      return (T) pending.get(left, TimeUnit.NANOSECONDS);
    }
  }

  private static final ThreadLocal<@Nullable Scrape> SCRAPING = new ThreadLocal<>();

  /**
   * The value {@code name} read for this scrape (directly when not scraping), or null when it
   * failed or did not come in time: then its lines are left out.
   */
  private <T> @Nullable T readOrSkip(String name, Supplier<T> value) {
    Scrape scrape = SCRAPING.get();
    try {
      T read = scrape == null ? value.get() : scrape.value(name, value);
      if (unreadable.remove(name)) log.info("metrics: {} can be read again", name);
      return read;
    } catch (TimeoutException e) {
      skipped(name, "no answer within " + READ_BUDGET.toMillis() + " ms");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      Fatal.haltIfFatal(cause);
      skipped(name, cause.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      skipped(name, "interrupted");
    } catch (RuntimeException e) {
      skipped(name, e.toString());
    }
    return null;
  }

  private void skipped(String name, String why) {
    if (unreadable.add(name))
      log.warn("metrics: {} cannot be read, left out of /metrics until it can: {}", name, why);
  }

  /**
   * Starts reading every value at once, on threads of their own, so the scrape waits {@link
   * #READ_BUDGET} at most for all of them; a value whose read from an earlier scrape still hangs is
   * not read again meanwhile.
   */
  private Scrape startReads() {
    Map<String, CompletableFuture<?>> now = new HashMap<>();
    sources.forEach(
        (name, value) ->
            now.put(
                name,
                reads.compute(
                    name,
                    (n, last) ->
                        last != null && !last.isDone()
                            ? last
                            : CompletableFuture.supplyAsync(value, readers))));
    return new Scrape(now, System.nanoTime() + READ_BUDGET.toNanos());
  }

  public Router router() {
    return new Router().add("GET", "/metrics", request -> scrape());
  }

  private Response scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SCRAPING.set(startReads());
    try {
      writer.write(out, registry.scrape());
    } finally {
      SCRAPING.remove();
    }
    return new Response(200, PrometheusTextFormatWriter.CONTENT_TYPE, out.toByteArray(), Map.of());
  }
}
