package grapple.bot.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.bot.http.AddressGuard;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FeedFetcherTest {
  private final MockWebServer server = new MockWebServer();

  @BeforeEach
  void start() throws Exception {
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static FeedFetcher fetcher(boolean allowPrivate, long maxBytes) {
    return new FeedFetcher(new FeedSettings(true, 600, 1, 1, 0, 10, allowPrivate, maxBytes));
  }

  @Test
  void loopbackIsRefusedUnlessAllowed() {
    assertThatThrownBy(() -> fetcher(false, 1 << 20).fetch(server.url("/f").toString(), null, null))
        .isInstanceOf(FeedException.class)
        .hasMessageContaining("loopback, private or link-local");
  }

  /**
   * A JVM-wide proxy (http.proxyHost, a default ProxySelector) is not used while the guard is on:
   * the proxy resolved and fetched the feed's host itself, so an internal name reached the inside.
   */
  @Test
  void aJvmWideProxyIsNotUsedSoTheGuardStillApplies() throws Exception {
    java.net.ProxySelector before = java.net.ProxySelector.getDefault();
    try (MockWebServer proxy = new MockWebServer()) {
      proxy.start();
      proxy.enqueue(new MockResponse.Builder().code(200).body("<rss/>").build());
      java.net.ProxySelector.setDefault(
          java.net.ProxySelector.of(
              new java.net.InetSocketAddress(proxy.getHostName(), proxy.getPort())));

      assertThatThrownBy(
              () ->
                  fetcher(false, 1 << 20)
                      .fetch("http://localhost:" + server.getPort() + "/f", null, null))
          .isInstanceOf(FeedException.class)
          .hasMessageContaining("loopback, private or link-local");
      assertThat(proxy.getRequestCount()).as("fetched through the proxy").isZero();
    } finally {
      java.net.ProxySelector.setDefault(before);
    }
  }

  @Test
  void aNameResolvingToLoopbackIsRefused() {
    assertThatThrownBy(
            () ->
                fetcher(false, 1 << 20)
                    .fetch("http://localhost:" + server.getPort() + "/f", null, null))
        .isInstanceOf(FeedException.class)
        .hasMessageContaining("resolves only to loopback, private or link-local addresses")
        .hasMessageNotContaining("127.0.0.1");
  }

  @Test
  void privateAndLinkLocalRangesAreInternal() throws Exception {
    for (String ip :
        new String[] {
          "10.1.2.3",
          "172.16.0.1",
          "192.168.1.1",
          "169.254.169.254",
          "100.64.0.1",
          "0.0.0.0",
          "::1",
          "fe80::1",
          "fd00::1",
          "::ffff:127.0.0.1"
        }) {
      assertThat(AddressGuard.internal(java.net.InetAddress.getByName(ip))).as(ip).isTrue();
    }
    assertThat(AddressGuard.internal(java.net.InetAddress.getByName("93.184.216.34"))).isFalse();
  }

  /** RFC 9110 allows a date as well as seconds; a date was ignored (only the backoff waited). */
  @Test
  void retryAfterIsReadAsSecondsOrAsAnHttpDate() throws Exception {
    String inTwoHours =
        java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
            java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusHours(2));
    server.enqueue(
        new MockResponse.Builder().code(503).addHeader("Retry-After", inTwoHours).build());
    server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "120").build());

    FeedFetcher fetcher = fetcher(true, 1 << 20);
    FeedFetcher.Result byDate = fetcher.fetch(server.url("/f").toString(), null, null);
    FeedFetcher.Result bySeconds = fetcher.fetch(server.url("/f").toString(), null, null);

    assertThat(byDate.status()).isEqualTo(503);
    assertThat(byDate.retryAfter()).isBetween(Duration.ofMinutes(118), Duration.ofMinutes(120));
    assertThat(bySeconds.retryAfter()).isEqualTo(Duration.ofMinutes(2));
    assertThat(
            grapple.bot.http.RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", Duration.ofDays(1)))
        .contains(Duration.ZERO);
    assertThat(grapple.bot.http.RetryAfter.parse("soon", Duration.ofDays(1))).isEmpty();
  }

  @Test
  void aBodyOverTheCapIsRefused() {
    server.enqueue(new MockResponse.Builder().code(200).body("x".repeat(5000)).build());

    assertThatThrownBy(() -> fetcher(true, 4096).fetch(server.url("/f").toString(), null, null))
        .isInstanceOf(FeedException.class)
        .hasMessageContaining("larger than 4096 bytes");
  }

  /**
   * An error's body is not read: a 503 page larger than the cap was reported as "the feed is larger
   * than N bytes", not as the 503 it was, and its Retry-After was lost with it.
   */
  @Test
  void anErrorPageOverTheCapIsStillTheErrorWithItsRetryAfter() throws Exception {
    server.enqueue(
        new MockResponse.Builder()
            .code(503)
            .addHeader("Retry-After", "120")
            .body("<html>" + "down for maintenance ".repeat(500) + "</html>")
            .build());

    FeedFetcher.Result result = fetcher(true, 4096).fetch(server.url("/f").toString(), null, null);

    assertThat(result.status()).isEqualTo(503);
    assertThat(result.retryAfter()).isEqualTo(Duration.ofMinutes(2));
    assertThat(result.body()).isEmpty();
  }

  @Test
  void aRedirectLoopIsRefused() {
    for (int i = 0; i < 4; i++) {
      server.enqueue(
          new MockResponse.Builder()
              .code(302)
              .addHeader("Location", i % 2 == 0 ? "/b" : "/a")
              .build());
    }

    assertThatThrownBy(() -> fetcher(true, 1 << 20).fetch(server.url("/a").toString(), null, null))
        .isInstanceOf(FeedException.class)
        .hasMessageContaining("redirect loop");
  }

  @Test
  void redirectsAreFollowedUpToFive() throws Exception {
    server.enqueue(new MockResponse.Builder().code(301).addHeader("Location", "/moved").build());
    server.enqueue(new MockResponse.Builder().code(200).body("<rss/>").build());

    FeedFetcher.Result r = fetcher(true, 1 << 20).fetch(server.url("/old").toString(), null, null);

    assertThat(r.status()).isEqualTo(200);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("<rss/>");
    assertThat(r.url()).isEqualTo(server.url("/moved").toString());
  }

  /**
   * A feed URL with credentials ({@code https://user:pass@host/feed}, as hookshot's HTTP client
   * takes them) is fetched with them as Basic authentication, and a redirect to another origin does
   * not carry them. They were never sent: such a feed failed with HTTP 401 at every poll.
   */
  @Test
  void credentialsInTheUrlAreSentAsBasicAuthToItsOriginOnly() throws Exception {
    try (MockWebServer elsewhere = new MockWebServer()) {
      elsewhere.start();
      server.enqueue(new MockResponse.Builder().code(200).body("<rss/>").build());
      server.enqueue(
          new MockResponse.Builder()
              .code(302)
              .addHeader("Location", elsewhere.url("/feed").toString())
              .build());
      elsewhere.enqueue(new MockResponse.Builder().code(200).body("<rss/>").build());
      String url =
          server
              .url("/feed")
              .newBuilder()
              .username("alice")
              .password("s3cr\u00e9t:x")
              .build()
              .toString();

      fetcher(true, 1 << 20).fetch(url, null, null);
      fetcher(true, 1 << 20).fetch(url, null, null);

      assertThat(server.takeRequest().getHeaders().get("Authorization"))
          .isEqualTo(okhttp3.Credentials.basic("alice", "s3cr\u00e9t:x", StandardCharsets.UTF_8));
      assertThat(server.takeRequest().getHeaders().get("Authorization")).isNotNull();
      assertThat(elsewhere.takeRequest().getHeaders().get("Authorization")).isNull();
    }
  }

  @Test
  void aSlowServerTimesOut() {
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .body("<rss/>")
            .headersDelay(3, TimeUnit.SECONDS)
            .build());

    assertThatThrownBy(
            () -> fetcher(true, 1 << 20).fetch(server.url("/slow").toString(), null, null))
        .isInstanceOf(FeedException.class)
        .hasMessageContaining("no answer within 1 s");
  }

  @Test
  void gzipIsDecodedTransparently() throws Exception {
    okio.Buffer gz = new okio.Buffer();
    try (okio.BufferedSink sink = okio.Okio.buffer(new okio.GzipSink(gz))) {
      sink.writeUtf8("<rss version=\"2.0\"/>");
    }
    server.enqueue(
        new MockResponse.Builder()
            .code(200)
            .addHeader("Content-Encoding", "gzip")
            .body(gz)
            .build());

    FeedFetcher.Result r = fetcher(true, 1 << 20).fetch(server.url("/gz").toString(), null, null);

    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("<rss version=\"2.0\"/>");
  }
}
