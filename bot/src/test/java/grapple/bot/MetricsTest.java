package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.bot.http.HttpListener;
import grapple.bot.http.TestListeners;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

  /** GET /metrics from a listener serving {@code metrics}. */
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
