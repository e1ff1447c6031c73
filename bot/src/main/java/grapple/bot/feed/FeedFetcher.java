package grapple.bot.feed;

import grapple.bot.http.AddressGuard;
import grapple.bot.http.RetryAfter;
import java.io.IOException;
import java.io.InputStream;
import java.net.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import okhttp3.Credentials;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.jspecify.annotations.Nullable;

/**
 * Fetches feed documents: conditional GET (ETag, Last-Modified), gzip (OkHttp's transparent), a
 * size cap, at most five redirects each checked like the first URL, a whole-call timeout, and
 * {@code Retry-After} passed on. Redirects are followed at every fetch, permanent ones too (the URL
 * is the connection's state key, which the bot cannot change); where permanent ones led is passed
 * on, so the room can be told.
 */
final class FeedFetcher implements FeedSource {
  /** The longest wait a feed server's Retry-After is honoured for: feeds poll at least daily. */
  private static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);

  /** Keeps fetches off internal addresses unless feeds.allowPrivateAddresses. */
  static final AddressGuard GUARD = new AddressGuard("feeds", "feeds.allowPrivateAddresses");

  static final int MAX_REDIRECTS = 5;
  private static final String ACCEPT =
      "application/rss+xml, application/atom+xml, application/feed+json, "
          + "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5";

  private final OkHttpClient http;
  private final FeedSettings settings;

  FeedFetcher(FeedSettings settings) {
    this.settings = settings;
    OkHttpClient.Builder b =
        new OkHttpClient.Builder()
            .followRedirects(false)
            .followSslRedirects(false)
            .callTimeout(settings.pollTimeoutSeconds(), TimeUnit.SECONDS)
            .connectTimeout(settings.pollTimeoutSeconds(), TimeUnit.SECONDS)
            .readTimeout(settings.pollTimeoutSeconds(), TimeUnit.SECONDS);
    // Guarded, never through a proxy (the JVM's http.proxyHost, its default ProxySelector): a proxy
    // resolves and connects to the feed's host itself, out of the address guard's sight.
    if (!settings.allowPrivateAddresses()) b.dns(GUARD).proxy(Proxy.NO_PROXY);
    this.http = b.build();
  }

  /**
   * What a fetch gave: a new document, "not modified", or a failure with the server's wait; {@code
   * url} is where the answer came from, after redirects (the base of the document's relative
   * links); {@code movedTo}, of a 200 or 304 only, is where the permanent redirects (301, 308) the
   * fetch began with led, when they led away from the URL asked for (null otherwise).
   */
  record Result(
      int status,
      byte[] body,
      @Nullable String contentType,
      @Nullable String etag,
      @Nullable String lastModified,
      @Nullable Duration retryAfter,
      @Nullable String location,
      String url,
      @Nullable String movedTo) {
    boolean notModified() {
      return status == 304;
    }

    /**
     * {@link #url} as a URI, the base of the document's relative links. OkHttp keeps characters in
     * an address that {@link java.net.URI} refuses (a {@code |} in the query, a stray {@code %}),
     * as a redirect may give them: read with {@code URI.create}, such an address threw, and the
     * feed failed at every poll with "internal error".
     */
    java.net.URI base() {
      return HttpUrl.get(url).uri();
    }
  }

  @Override
  public Result fetch(String url, @Nullable String etag, @Nullable String lastModified)
      throws FeedException {
    HttpUrl first = parse(url);
    String authorization = authorization(first);
    HttpUrl current = first;
    // Where the unbroken run of permanent redirects from the first URL has led so far.
    HttpUrl moved = first;
    boolean permanent = true;
    Set<HttpUrl> visited = new HashSet<>();
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      if (!visited.add(current))
        throw new FeedException("redirect loop at " + FeedText.withoutSecrets(current.toString()));
      Result result =
          once(current, etag, lastModified, sameOrigin(first, current) ? authorization : null);
      if (!isRedirect(result.status()))
        return checked(result, moved.equals(first) ? null : moved.toString());
      current = redirectTarget(current, result);
      permanent = permanent && (result.status() == 301 || result.status() == 308);
      if (permanent) moved = current;
    }
    throw new FeedException("more than " + MAX_REDIRECTS + " redirects");
  }

  /**
   * The URL's credentials ({@code https://user:pass@host/feed}) as Basic authentication, as
   * hookshot's HTTP client sends them; null without any. OkHttp sends none of itself, so a feed
   * behind a password failed with HTTP 401 at every poll.
   */
  private static @Nullable String authorization(HttpUrl url) {
    if (url.username().isEmpty() && url.password().isEmpty()) return null;
    return Credentials.basic(url.username(), url.password(), StandardCharsets.UTF_8);
  }

  /**
   * True when {@code to} is on {@code from}'s scheme, host and port: credentials go there only, not
   * to wherever a redirect points (as browsers and curl have it).
   */
  private static boolean sameOrigin(HttpUrl from, HttpUrl to) {
    return from.scheme().equals(to.scheme())
        && from.host().equals(to.host())
        && from.port() == to.port();
  }

  private Result once(
      HttpUrl url,
      @Nullable String etag,
      @Nullable String lastModified,
      @Nullable String authorization)
      throws FeedException {
    if (!settings.allowPrivateAddresses()) guardLiteral(url);
    Request.Builder request =
        new Request.Builder()
            .url(url)
            .header("Accept", ACCEPT)
            .header("User-Agent", "Grapple feed reader (+https://github.com/)");
    // A validator HTTP cannot carry (a server may send any bytes) is not sent: the fetch is
    // unconditional rather than failing every poll until the server sends another.
    if (authorization != null) request.header("Authorization", authorization);
    if (etag != null && sendable(etag)) request.header("If-None-Match", etag);
    if (lastModified != null && sendable(lastModified))
      request.header("If-Modified-Since", lastModified);
    try (Response response = http.newCall(request.build()).execute()) {
      return new Result(
          response.code(),
          body(response),
          response.header("Content-Type"),
          response.header("ETag"),
          response.header("Last-Modified"),
          RetryAfter.parse(response.header("Retry-After"), MAX_RETRY_AFTER).orElse(null),
          response.header("Location"),
          url.toString(),
          null);
    } catch (AddressGuard.Refused e) {
      throw new FeedException(e.getMessage(), e);
    } catch (java.io.InterruptedIOException e) {
      throw new FeedException("no answer within " + settings.pollTimeoutSeconds() + " s", e);
    } catch (IOException e) {
      throw new FeedException(
          e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), e);
    }
  }

  /**
   * The body of a 200; none of anything else. An error's page says nothing the status does not, and
   * read against the cap, one larger than it was reported as a feed too large instead of its
   * status, its {@code Retry-After} lost with it.
   */
  private byte[] body(Response response) throws IOException, FeedException {
    ResponseBody body = response.body();
    if (body == null || response.code() != 200) return new byte[0];
    try (InputStream in = body.byteStream()) {
      byte[] bytes =
          in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, settings.maxFeedBytes() + 1));
      if (bytes.length > settings.maxFeedBytes()) {
        throw new FeedException("the feed is larger than " + settings.maxFeedBytes() + " bytes");
      }
      return bytes;
    }
  }

  private static Result checked(Result result, @Nullable String movedTo) {
    if (result.status() == 200 || result.notModified())
      return new Result(
          result.status(),
          result.body(),
          result.contentType(),
          result.etag(),
          result.lastModified(),
          result.retryAfter(),
          result.location(),
          result.url(),
          movedTo);
    return new Result(
        result.status(),
        result.body(),
        result.contentType(),
        null,
        null,
        result.retryAfter(),
        null,
        result.url(),
        null);
  }

  /** True for a header value a request may carry: tabs and printable ASCII. */
  private static boolean sendable(String value) {
    return value.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c < 0x7f));
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  private static HttpUrl redirectTarget(HttpUrl from, Result result) throws FeedException {
    if (result.location() == null)
      throw new FeedException("HTTP " + result.status() + " redirect without a Location");
    HttpUrl next = from.resolve(result.location());
    if (next == null)
      throw new FeedException(
          "redirect to '"
              + FeedText.withoutSecrets(result.location())
              + "', which is not an http(s) URL");
    return next;
  }

  private static void guardLiteral(HttpUrl url) throws FeedException {
    try {
      GUARD.checkLiteral(url.host());
    } catch (AddressGuard.Refused e) {
      throw new FeedException(e.getMessage(), e);
    }
  }

  private static HttpUrl parse(String url) throws FeedException {
    HttpUrl parsed = HttpUrl.parse(url);
    if (parsed == null)
      throw new FeedException("'" + FeedText.withoutSecrets(url) + "' is not an http or https URL");
    return parsed;
  }
}
