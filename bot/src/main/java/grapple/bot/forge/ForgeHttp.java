package grapple.bot.forge;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.http.RetryAfter;
import grapple.state.Json;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * The wire every forge client calls through: one OkHttp client (a whole-call timeout; redirects
 * followed only on the call's own origin, as {@link #call} says), JSON request bodies, answers read
 * only up to {@link AnswerBody}'s cap, and the same ForgeException when the forge cannot be reached
 * or answers with no JSON. How a forge says what went wrong stays with its client.
 */
public final class ForgeHttp {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  /** Reads the answer to a call while it is open. */
  public interface Reader<T> {
    T read(Response response) throws IOException, ForgeException;
  }

  /**
   * The redirects one call follows: a renamed or transferred repository (GitHub, Gitea) or a moved
   * project (GitLab) answers with one, one moved twice may answer with two.
   */
  public static final int MAX_REDIRECTS = 3;

  /** The longest wait a rate limit's answer is believed to ask for. */
  static final Duration MAX_RETRY_AFTER = Duration.ofDays(1);

  /** The whole-call timeout of a client made without one. */
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(20);

  private final OkHttpClient http;
  private final String forge;
  private final Duration callTimeout;
  private final Clock clock;

  /**
   * {@code forge}: its name in error messages ({@code "GitHub"}, {@code "JIRA"}); {@code clock}:
   * the bot's, on which the time a rate limit ends at ({@code x-ratelimit-reset}, an HTTP date) is
   * turned into a wait.
   */
  public ForgeHttp(String forge, Clock clock) {
    this(forge, CALL_TIMEOUT, clock);
  }

  /**
   * As {@link #ForgeHttp(String, Clock)}, a client whose every call, reading the answer included,
   * gives up after {@code callTimeout}: its redirects too, which share that time with the first
   * request.
   */
  public ForgeHttp(String forge, Duration callTimeout, Clock clock) {
    this.forge = forge;
    this.callTimeout = callTimeout;
    this.clock = clock;
    this.http = new OkHttpClient.Builder().callTimeout(callTimeout).followRedirects(false).build();
  }

  /** {@code body} as a request body ({@code application/json; charset=utf-8}). */
  public static RequestBody json(ObjectNode body) {
    return RequestBody.create(Json.write(body), JSON);
  }

  /**
   * {@code reader}'s reading of the answer to {@code request}, after the forge's redirects on the
   * request's own origin (scheme, host, port); ForgeException 0 ({@code "<forge> could not be
   * reached: <exception>"}) when the call or the reading fails. Before each {@code POST}, the
   * command being answered on this thread is marked as acting ({@link CommandEffects}).
   *
   * <p>A renamed or transferred repository answers calls on its old name with a redirect: GitHub
   * and Gitea a 301 to a GET and a 307 to a POST, PATCH or DELETE; GitLab a 301 to a GET on a moved
   * project (to {@code /projects/<id>/...}). A 301, 302, 307 or 308 is asked again at its {@code
   * Location} as it was asked: same method, body and headers (the token too). A 303 is asked again
   * as a GET without a body, as HTTP says. At most {@value #MAX_REDIRECTS} redirects are followed;
   * one more is a ForgeException with its status saying so. A redirect to any other origin is never
   * followed, so no token leaves the forge's host: it is a ForgeException with the redirect's
   * status naming that origin. Without this, every call on a moved repository failed ("Moved
   * Permanently").
   */
  public <T> T call(Request request, Reader<T> reader) throws ForgeException {
    HttpUrl origin = request.url();
    // The whole call's time, redirects included: each hop had its own, so a call with 3 redirects
    // could take 4 times as long (the GitHub receiver's quick calls past GitHub's 10 s wait).
    long deadline = System.nanoTime() + callTimeout.toNanos();
    Request current = request;
    for (int hop = 0; ; hop++) {
      // A POST makes something (an issue, a comment, a hook): not to be made twice after a crash.
      if (current.method().equals("POST")) CommandEffects.beginning();
      Call call = http.newCall(current);
      // At least 1 ns: a timeout of 0 is none.
      if (hop > 0) call.timeout().timeout(Math.max(1, deadline - System.nanoTime()), NANOSECONDS);
      try (Response response = call.execute()) {
        Request next = followUp(origin, current, response);
        if (next != null && hop == MAX_REDIRECTS) throw tooManyRedirects(response);
        if (next == null) refuseOffOrigin(origin, current, response);
        if (next == null) return read(reader, response);
        current = next;
      } catch (IOException e) {
        throw new ForgeException(
            0, forge + " could not be reached: " + e.getClass().getSimpleName());
      }
    }
  }

  /** How a forge says what went wrong: the ForgeException a failed answer's text makes. */
  public interface Refusal {
    ForgeException refused(int status, String text);
  }

  /**
   * The JSON of a 2xx answer to {@code request} ({@link #call}): an empty object when the answer is
   * blank (a 204), a ForgeException when it is not JSON ({@link #parse}). A failed answer is thrown
   * as {@code refusal} reads its text.
   */
  public JsonNode callJson(Request request, Refusal refusal) throws ForgeException {
    return call(
        request,
        response -> {
          String text = text(response);
          if (!response.isSuccessful()) throw refusal.refused(response.code(), text);
          return text.isBlank() ? Json.object() : parse(text, response.code());
        });
  }

  /**
   * A failed answer as GitHub and Gitea word it: the JSON's {@code message}, or {@code HTTP
   * <status>} when it has none (or a blank one); an answer that is not JSON says so ({@link
   * #parse}). Their API's errors are objects with a {@code message} (GitHub's {@code {"message":
   * "Not Found", "documentation_url": …}}, Gitea's {@code {"message": …, "url": …}}): only such an
   * answer is the API's own refusal ({@link ForgeException#fromApi}). A {@link Refusal} for {@link
   * #callJson}.
   */
  public ForgeException refusedWithMessage(int status, String text) {
    JsonNode json = parseOrNull(text);
    boolean api = json != null && json.path("message").isTextual();
    if (json == null && !text.isBlank() && status != 404) {
      return new ForgeException(
          status >= 400 ? status : 502, forge + " answered with no JSON (HTTP " + status + ")");
    }
    String message = json == null ? "" : json.path("message").asText("");
    return refusal(status, message.isBlank() ? "HTTP " + status : message, "", api);
  }

  /**
   * A refusal with {@code message}: the API's own ({@code api}: its answer was the forge API's
   * error, as its client reads it; {@link ForgeException#fromApi}), or, for a 404 in other words,
   * {@link #notTheApis404}. Every client's refusals are made here, so a 404 means "not found" only
   * in the API's words, for every forge.
   */
  public ForgeException refusal(int status, String message, String oauthError, boolean api) {
    if (api) return ForgeException.fromApi(status, message, oauthError);
    if (status == 404) return notTheApis404();
    return new ForgeException(status, message, oauthError);
  }

  /**
   * A 404 that is not the forge API's error (a proxy's or web server's page): what was asked for
   * was not looked for, so the bot's URL for the forge, or a proxy before it, is likely wrong.
   */
  public ForgeException notTheApis404() {
    return new ForgeException(
        404,
        forge
            + " answered 404 without its API's error (a web server's or proxy's page): the bot's "
            + forge
            + " URL may be wrong, or a proxy before it does not pass the API on");
  }

  /**
   * {@code reader}'s reading of {@code response}; its ForgeException marked as a rate limit, with
   * the wait the answer names, when the answer is one ({@link #limits}). The forges say so in
   * headers, which the clients' readers do not look at: a rate limit read as a refusal told users
   * to act ("GitHub refused the request") when only waiting helps.
   */
  private <T> T read(Reader<T> reader, Response response) throws IOException, ForgeException {
    try {
      return reader.read(response);
    } catch (ForgeException e) {
      if (!limits(response)) throw e;
      throw e.rateLimit(retryAfter(response, clock));
    }
  }

  /**
   * Whether {@code response} is a rate limit: a 429 (GitLab, Gitea, JIRA, GitHub), or GitHub's 403
   * with {@code x-ratelimit-remaining: 0} (its primary limit) or with a {@code Retry-After} (its
   * secondary one).
   */
  static boolean limits(Response response) {
    if (response.code() == 429) return true;
    if (response.code() != 403) return false;
    return "0".equals(response.header("x-ratelimit-remaining"))
        || response.header("Retry-After") != null;
  }

  /**
   * The wait a rate limit's answer names: its {@code Retry-After} (seconds or an HTTP date), else
   * the epoch second its limit resets at ({@code x-ratelimit-reset}, GitHub; {@code
   * RateLimit-Reset}, GitLab); null when it names none. At most {@link #MAX_RETRY_AFTER}.
   */
  static @Nullable Duration retryAfter(Response response, Clock clock) {
    Optional<Duration> asked =
        RetryAfter.parse(response.header("Retry-After"), MAX_RETRY_AFTER, clock);
    if (asked.isPresent()) return asked.get();
    String reset = response.header("x-ratelimit-reset", response.header("RateLimit-Reset"));
    if (reset == null || !reset.strip().matches("\\d{1,12}")) return null;
    Duration wait =
        Duration.between(clock.instant(), Instant.ofEpochSecond(Long.parseLong(reset.strip())));
    if (wait.isNegative()) return Duration.ZERO;
    return wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait;
  }

  /**
   * The request that {@code response}, a redirect of {@code asked} on {@code origin}'s scheme, host
   * and port asks for; null for any other answer (not a redirect, no usable {@code Location}, or
   * another origin).
   */
  private static @Nullable Request followUp(HttpUrl origin, Request asked, Response response) {
    HttpUrl to = redirectedTo(asked, response);
    if (to == null || !sameOrigin(to, origin)) return null;
    Request.Builder next = asked.newBuilder().url(to);
    if (response.code() == 303 && !asked.method().equals("GET") && !asked.method().equals("HEAD")) {
      next.get().removeHeader("Content-Type").removeHeader("Content-Length");
    }
    return next.build();
  }

  /** Where {@code response}, a redirect of {@code asked}, points; null when it is none. */
  private static @Nullable HttpUrl redirectedTo(Request asked, Response response) {
    int code = response.code();
    if (code != 301 && code != 302 && code != 303 && code != 307 && code != 308) return null;
    String location = response.header("Location");
    return location == null ? null : asked.url().resolve(location);
  }

  private static boolean sameOrigin(HttpUrl a, HttpUrl b) {
    return a.scheme().equals(b.scheme()) && a.host().equals(b.host()) && a.port() == b.port();
  }

  /**
   * A ForgeException (the redirect's status) naming the origin (scheme, host, port: never its path
   * or query, which may hold a token) when {@code response} redirects off {@code origin}. Read as
   * an answer, it was "answered with no JSON (HTTP 301)", which sent nobody to the configured URL.
   */
  private void refuseOffOrigin(HttpUrl origin, Request asked, Response response)
      throws ForgeException {
    HttpUrl to = redirectedTo(asked, response);
    if (to == null || sameOrigin(to, origin)) return;
    String elsewhere =
        ForgeUrls.withoutSlashes(
            new HttpUrl.Builder()
                .scheme(to.scheme())
                .host(to.host())
                .port(to.port())
                .build()
                .toString(),
            false);
    throw new ForgeException(
        response.code(),
        forge
            + " redirected the request to another origin ("
            + elsewhere
            + "), which the bot does not follow: the bot's "
            + forge
            + " URL may be wrong");
  }

  /**
   * A ForgeException (the redirect's status) saying that the forge redirected once more after
   * {@value #MAX_REDIRECTS} redirects. Read as the answer, the last redirect's page was the forge's
   * own words ("Moved Permanently").
   */
  private ForgeException tooManyRedirects(Response response) {
    return new ForgeException(
        response.code(),
        forge
            + " redirected the request more than "
            + MAX_REDIRECTS
            + " times, which the bot does not follow: the repository or project may have moved"
            + " again, or the bot's "
            + forge
            + " URL may be wrong");
  }

  /** The text of the answer, capped as {@link AnswerBody#text} says. */
  public String text(Response response) throws IOException, ForgeException {
    return AnswerBody.text(response.body(), forge);
  }

  /**
   * {@code text} read (untrusted) as JSON; a ForgeException ({@code "<forge> answered with no JSON
   * (HTTP <status>)"}, with the status of a failed answer, else 502) when it is not JSON.
   */
  public JsonNode parse(String text, int status) throws ForgeException {
    try {
      return Json.UNTRUSTED.readTree(text);
    } catch (IOException e) {
      throw new ForgeException(
          status >= 400 ? status : 502, forge + " answered with no JSON (HTTP " + status + ")");
    }
  }

  /** {@code text} read (untrusted) as JSON; null when it is blank or not JSON (an error page). */
  public static @Nullable JsonNode parseOrNull(String text) {
    if (text.isBlank()) return null;
    try {
      return Json.UNTRUSTED.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }
}
