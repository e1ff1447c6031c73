package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.http.HttpListener;
import grapple.bot.http.TestListeners;
import grapple.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void everyStatusIsCountedUnderItsOwnLabelEvenOutsideTheUsualRange() throws Exception {
    Metrics metrics = new Metrics();
    metrics.served("webhooks", 0, 1_000);
    metrics.served("webhooks", 700, 1_000);
    metrics.served("webhooks", 999, 1_000);
    metrics.served("webhooks", 999, 1_000);
    metrics.served("webhooks", 202, 1_000);

    String text = scrape(metrics).body();

    assertThat(text)
        .contains("grapple_http_requests_total{listener=\"webhooks\",status=\"0\"} 1.0")
        .contains("grapple_http_requests_total{listener=\"webhooks\",status=\"700\"} 1.0")
        .contains("grapple_http_requests_total{listener=\"webhooks\",status=\"999\"} 2.0")
        .contains("grapple_http_requests_total{listener=\"webhooks\",status=\"202\"} 1.0");
  }

  /** Counters are kept in memory: read on the scraping thread, they take no reader thread. */
  @Test
  void countersAreReadWithoutAThreadOfTheirOwnAndGaugesGetOneEach() throws Exception {
    Metrics metrics = new Metrics();
    for (int i = 0; i < 5; i++) {
      int n = i;
      metrics.counter("grapple_test_" + i, "A count", () -> n);
    }
    metrics.gauge("grapple_backlog_a", "Read from the database", () -> 3);
    metrics.gauge("grapple_backlog_b", "Read from the database", () -> 4);

    String text = scrape(metrics).body();

    assertThat(text)
        .contains("grapple_test_4_total 4.0")
        .contains("grapple_backlog_a 3.0")
        .contains("grapple_backlog_b 4.0");
    assertThat(metrics.readerThreads()).isEqualTo(2);
  }

  @Test
  void aValueThatCannotBeReadLeavesOutItsOwnLinesButNotTheRestOfTheScrape() throws Exception {
    Metrics metrics = new Metrics();
    metrics.gauge(
        "grapple_outbox_backlog",
        "Messages waiting",
        () -> {
          throw new grapple.state.StorageException("database down");
        });
    metrics.counter(
        "grapple_outbox_delivered",
        "Messages delivered",
        () -> {
          throw new grapple.state.StorageException("database down");
        });
    metrics.gauge(
        "grapple_connections",
        "Connections, by type",
        "type",
        () -> {
          throw new grapple.state.StorageException("database down");
        });
    metrics.gauge("grapple_leader", "1 on the leader", () -> 1);

    HttpResponse<String> response = scrape(metrics);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .contains("grapple_leader 1.0")
        .contains("jvm_memory_used_bytes")
        .doesNotContain("grapple_outbox_backlog ")
        .doesNotContain("grapple_outbox_delivered_total ");
  }

  @Test
  void aValueThatHangsLeavesOutItsOwnLinesAndTheScrapeAnswersInTime() throws Exception {
    // A gauge read from a database that does not answer (PostgreSQL cut off: a read waits out the
    // pool's connect timeout, or the socket's): the scrape must still show the outage, in time.
    CountDownLatch databaseBack = new CountDownLatch(1);
    AtomicInteger reads = new AtomicInteger();
    Metrics metrics = new Metrics();
    metrics.gauge(
        "grapple_outbox_backlog",
        "Messages waiting",
        () -> {
          reads.incrementAndGet();
          try {
            databaseBack.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return 7;
        });
    metrics.gauge("grapple_leader", "1 on the leader", () -> 1);

    try (HttpListener listener = TestListeners.start("metrics", 2, metrics.router())) {
      for (int scrape = 0; scrape < 2; scrape++) {
        // The value never comes while the database is away: the scrape answers only because it
        // stops waiting for it (Metrics.READ_BUDGET). 30 s only stops a hang.
        HttpResponse<String> response = scrape(listener, Duration.ofSeconds(30));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body())
            .contains("grapple_leader 1.0")
            .doesNotContain("grapple_outbox_backlog ");
      }
      // Still hanging: the second scrape did not start a second read of it.
      assertThat(reads).hasValue(1);

      databaseBack.countDown();
      Await.until(
          Duration.ofSeconds(10),
          () -> {
            try {
              return scrape(listener, Duration.ofSeconds(8))
                  .body()
                  .contains("grapple_outbox_backlog 7.0");
            } catch (Exception e) {
              throw new AssertionError(e);
            }
          });
    } finally {
      databaseBack.countDown();
    }
  }

  /** GET /metrics from a listener serving {@code metrics}. */
  private static HttpResponse<String> scrape(HttpListener listener, Duration timeout)
      throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener.port() + "/metrics"))
                .timeout(timeout)
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> scrape(Metrics metrics) throws Exception {
    try (HttpListener listener = TestListeners.start("metrics", 1, metrics.router())) {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener.port() + "/metrics"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    }
  }
}
