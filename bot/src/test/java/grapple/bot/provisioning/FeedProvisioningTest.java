package grapple.bot.provisioning;

import static grapple.bot.LocalMode.WEBHOOK;
import static grapple.bot.provisioning.LocalGrapple.AS_ADMIN;
import static grapple.bot.provisioning.LocalGrapple.connections;
import static org.assertj.core.api.Assertions.assertThat;

import grapple.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
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

  private MockResponse rss() {
    return new MockResponse.Builder()
        .code(200)
        .addHeader("Content-Type", "application/rss+xml")
        .body(RSS)
        .build();
  }

  private String feedBody() {
    return "{\"url\":\"" + feeds.url("/feed.xml") + "\"}";
  }

  @Test
  void aFeedIsCreatedWithNoSecrets() {
    feeds.enqueue(rss());
    feeds.enqueue(rss());

    Answer a = grapple.put(PUT_FEED, feedBody());

    assertThat(a.status()).isEqualTo(200);
    assertThat(a.json().get("type").asText()).isEqualTo("Feed");
    assertThat(a.json().get("service").asText()).isEqualTo("feeds");
    assertThat(a.json().get("secrets").toString()).isEqualTo("{}");
    assertThat(OpenApiDocument.load().problems(a)).isEmpty();
  }

  @Test
  void aSlowFeedDoesNotHoldUpAWebhookCreatedMeanwhile() throws Exception {
    // The feed's first fetch is answered only once released: the webhook is created while the
    // feed's PUT still waits on it, whatever the machine's speed.
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger fetches = new AtomicInteger();
    feeds.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            if (fetches.getAndIncrement() == 0) release.await(30, TimeUnit.SECONDS);
            return rss();
          }
        });
    try {
      CompletableFuture<Answer> slow =
          CompletableFuture.supplyAsync(() -> grapple.put(PUT_FEED, feedBody()));
      Await.until(Duration.ofSeconds(10), () -> fetches.get() == 1); // the slow fetch has begun

      Answer hook = grapple.put(connections("/" + WEBHOOK + AS_ADMIN), "{\"name\":\"meanwhile\"}");

      assertThat(hook.status()).isEqualTo(200);
      assertThat(slow).as("the feed's PUT, still waiting on its fetch").isNotDone();
      release.countDown();
      assertThat(slow.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    } finally {
      release.countDown();
    }
  }
}
