package grapple.bot;

import grapple.bot.http.RequestObserver;
import grapple.bot.http.Response;
import grapple.bot.http.Router;
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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
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
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(
            cb -> {
              Double read = read(name, value);
              if (read != null) cb.call(read);
            })
        .register(registry);
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
  }

  /** A count kept elsewhere (an AtomicLong), read when scraped. */
  public void counter(String name, String help, DoubleSupplier value) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .callback(
            cb -> {
              Double read = read(name, value);
              if (read != null) cb.call(read);
            })
        .register(registry);
  }

  /**
   * The metrics whose value could not be read at the last scrape: a value that cannot be read now
   * (the database is down) leaves out its own lines, not the whole scrape, which is what shows the
   * outage (grapple_ready, grapple_leader, the JVM's).
   */
  private final Set<String> unreadable = ConcurrentHashMap.newKeySet();

  private @Nullable Double read(String name, DoubleSupplier value) {
    return readOrSkip(name, value::getAsDouble);
  }

  private <T> @Nullable T readOrSkip(String name, Supplier<T> value) {
    try {
      T read = value.get();
      if (unreadable.remove(name)) log.info("metrics: {} can be read again", name);
      return read;
    } catch (RuntimeException e) {
      if (unreadable.add(name)) {
        log.warn(
            "metrics: {} cannot be read, left out of /metrics until it can: {}",
            name,
            e.toString());
      }
      return null;
    }
  }

  public Router router() {
    return new Router().add("GET", "/metrics", request -> scrape());
  }

  private Response scrape() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writer.write(out, registry.scrape());
    return new Response(200, PrometheusTextFormatWriter.CONTENT_TYPE, out.toByteArray(), Map.of());
  }
}
