package grapple.bot.provisioning;

import static grapple.bot.LocalMode.WEBHOOK;
import static grapple.bot.provisioning.LocalGrapple.AS_ADMIN;
import static grapple.bot.provisioning.LocalGrapple.connections;
import static org.assertj.core.api.Assertions.assertThat;

import grapple.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Feeds through the provisioning API, against a fake feed server on this machine. */
class FeedProvisioningTest {
  private static final String PUT_FEED =
      connections("/uk.half-shot.matrix-hookshot.feed" + AS_ADMIN);
  private static final String RSS =
      """
      <?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title><link>https://blog.example/</link>\
      <item><title>Post 1</title><link>https://blog.example/1</link><guid>1</guid></item></channel></rss>""";

  @TempDir Path dir;
  private final MockWebServer feeds = new MockWebServer();
  private LocalGrapple grapple;

  @BeforeEach
  void start() throws Exception {
    feeds.start();
    grapple =
        LocalGrapple.start(dir, "feeds: {allowPrivateAddresses: true, pollTimeoutSeconds: 10}");
  }

  @AfterEach
  void stop() throws Exception {
    grapple.close();
    feeds.close();
  }

  private MockResponse rss(Duration delay) {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/rss+xml")
        .body(RSS)
        .headersDelay(delay.toMillis(), TimeUnit.MILLISECONDS)
        .build();
  }

  private String feedBody() {
    return "{\"url\":\"" + feeds.url("/feed.xml") + "\"}";
  }

  @Test
  void aFeedIsCreatedWithNoSecrets() {
    feeds.enqueue(rss(Duration.ZERO));
    feeds.enqueue(rss(Duration.ZERO));

    Answer a = grapple.put(PUT_FEED, feedBody());

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.json().get("type").asText()).isEqualTo("Feed");
    assertThat(a.json().get("service").asText()).isEqualTo("feeds");
    assertThat(a.json().get("secrets").toString()).isEqualTo("{}");
    assertThat(OpenApiDocument.load().problems(a)).isEmpty();
  }

  @Test
  void aSlowFeedDoesNotHoldUpAWebhookCreatedMeanwhile() throws Exception {
    feeds.enqueue(rss(Duration.ofSeconds(3)));
    feeds.enqueue(rss(Duration.ZERO));
    CompletableFuture<Answer> slow =
        CompletableFuture.supplyAsync(() -> grapple.put(PUT_FEED, feedBody()));
    Await.until(
        Duration.ofSeconds(10), () -> feeds.getRequestCount() == 1); // the slow fetch has begun

    long started = System.nanoTime();
    Answer hook = grapple.put(connections("/" + WEBHOOK + AS_ADMIN), "{\"name\":\"meanwhile\"}");
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(hook.status()).isEqualTo(200);
    assertThat(took).isLessThan(Duration.ofSeconds(1));
    assertThat(slow.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
  }
}
