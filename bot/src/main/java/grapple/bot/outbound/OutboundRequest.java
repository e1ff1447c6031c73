package grapple.bot.outbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import grapple.bot.http.AddressGuard;
import grapple.bot.http.RetryAfter;
import grapple.bot.room.MatrixException;
import grapple.bot.room.Media;
import grapple.bot.room.MediaTooLarge;
import grapple.state.Json;
import java.io.IOException;
import java.net.Proxy;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One outbound delivery on the wire: the event as {@code multipart/form-data} (part {@code event},
 * file {@code event_data.json}; part {@code media} for files, fetched from the homeserver), the
 * hookshot headers, the HMAC signature and the delivery id, sent with a bounded timeout, only 307
 * and 308 redirects on the same host and port (a few, each through the guard), no proxy, and
 * (unless private addresses are allowed) only to public addresses.
 */
final class OutboundRequest {
  private static final Logger log = LoggerFactory.getLogger(OutboundRequest.class);
  static final Set<String> MEDIA_TYPES = Set.of("m.image", "m.file", "m.audio", "m.video");
  private static final MediaType JSON = MediaType.get("application/json");

  /** {@code mxc://<server name>/<media id>} as the Matrix spec writes them. */
  private static final Pattern MXC =
      Pattern.compile(
          "mxc://([A-Za-z0-9.-]{1,255}|\\[[0-9A-Fa-f:.]{2,45}\\])(:[0-9]{1,5})?/[A-Za-z0-9_-]+");

  static final String USER_AGENT = "Grapple (matrix-hookshot compatible outbound webhook)";

  /** Fetches a file from the homeserver, within {@code timeout} in all. */
  interface MediaSource {
    Media download(String mxcUri, long maxBytes, Duration timeout) throws IOException;

    /** Ends the fetch {@code thread} has under way, and every later one of it (at shutdown). */
    default void cancelCallsOf(Thread thread) {}
  }

  /** What became of one attempt. */
  sealed interface Outcome {
    /** The target answered 2xx. */
    record Delivered(int status) implements Outcome {}

    /** Worth trying again (5xx, 429, a network error), after {@code retryAfter} if it said. */
    record Retry(String error, Optional<Duration> retryAfter) implements Outcome {
      public Retry {
        error = errorText(error);
      }
    }

    /** Trying again will not help (4xx, a refused address, an unreadable token). */
    record Fail(String error) implements Outcome {
      public Fail {
        error = errorText(error);
      }
    }

    /** Not tried: other deliveries hold the memory its file needs. No attempt spent. */
    record Postpone(String why) implements Outcome {}
  }

  /** The request as built, before sending: for tests and the signature. */
  record Built(byte[] body, String contentType) {}

  private final OkHttpClient http;
  private final MediaSource media;
  private final OutboundSettings settings;
  private final Clock clock;
  private final MediaBudget budget;

  /**
   * The calls to targets under way, the threads sending (whose file fetches {@link #close} ends
   * too), and whether it has: all guarded by {@code calls}.
   */
  private final Set<Call> calls = new HashSet<>();

  private final Set<Thread> sending = new HashSet<>();
  private boolean closed;

  OutboundRequest(OutboundSettings settings, MediaSource media, Clock clock) {
    this(settings, media, clock, defaultMediaBudget());
  }

  /** As above, with {@code mediaBudget} bytes of files in flight at most, over all hooks. */
  OutboundRequest(OutboundSettings settings, MediaSource media, Clock clock, long mediaBudget) {
    this.settings = settings;
    this.media = media;
    this.clock = clock;
    this.budget = new MediaBudget(mediaBudget);
    OkHttpClient.Builder b =
        new OkHttpClient.Builder()
            .callTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
            .connectTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
            .readTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
            .writeTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
            .followRedirects(false)
            .followSslRedirects(false)
            .retryOnConnectionFailure(false)
            // Never through a proxy, whatever the JVM's proxy settings (http.proxyHost,
            // https.proxyHost, the default ProxySelector): a proxy resolves and connects to the
            // target itself, out of the address guard's sight, so it could reach internal hosts.
            .proxy(Proxy.NO_PROXY);
    if (!settings.allowPrivateAddresses()) b.dns(OutboundHooks.GUARD);
    this.http = b.build();
  }

  /**
   * Sends {@code entry} to {@code target}; never throws for what the target or network do. After
   * {@link #close}, or cut short by it, a retry (no attempt of the target's).
   */
  Outcome send(OutboundSender.Target target, OutboundQueue.Entry entry) {
    Thread thread = Thread.currentThread();
    synchronized (calls) {
      if (closed) return new Outcome.Retry(CLOSED, Optional.empty());
      sending.add(thread);
    }
    try {
      return sendNow(target, entry);
    } finally {
      synchronized (calls) {
        sending.remove(thread);
      }
    }
  }

  private static final String CLOSED = "cut short by shutdown";

  /**
   * Ends every send and file fetch under way, and every later one, at once: at shutdown a target or
   * homeserver that took the connection and said nothing held its delivery for the whole timeout,
   * since a call on a silent socket does not heed its thread's interrupt.
   */
  void close() {
    List<Call> open;
    List<Thread> threads;
    synchronized (calls) {
      closed = true;
      open = List.copyOf(calls);
      threads = List.copyOf(sending);
    }
    open.forEach(Call::cancel);
    threads.forEach(media::cancelCallsOf);
  }

  private Outcome sendNow(OutboundSender.Target target, OutboundQueue.Entry entry) {
    // The host OkHttp connects to: an international name's punycode, which may be an address
    // (１２７.0.0.1 is 127.0.0.1), and an address written as one, which it does not look up.
    HttpUrl url = target.config().url();
    if (!settings.allowPrivateAddresses()) {
      try {
        OutboundHooks.GUARD.checkLiteral(url.host());
      } catch (AddressGuard.Refused e) {
        return new Outcome.Fail(e.getMessage());
      }
    }
    ObjectNode event = Json.readObject(entry.event());
    long held = 0;
    if (hasFile(event.path("content"))) {
      long want = COPIES * fileLimit(event.path("content"));
      held = budget.reserve(entry.deliveryId(), want, clock.millis());
      if (held == 0)
        return new Outcome.Postpone(
            "other deliveries' files take the memory set aside for files in flight");
    }
    try {
      Built built;
      try {
        built = build(entry, event, target.token());
      } catch (MediaUnavailable e) {
        return new Outcome.Retry("fetching its file: " + e.getMessage(), e.retryAfter());
      }
      // While it is sent, only the body is held.
      held = budget.shrink(held, built.body().length);
      return send(target, entry, built);
    } finally {
      budget.release(held);
    }
  }

  private Outcome send(OutboundSender.Target target, OutboundQueue.Entry entry, Built built) {
    Request.Builder request =
        new Request.Builder()
            .method(
                target.config().method(),
                RequestBody.create(built.body(), MediaType.get(built.contentType())))
            .header("User-Agent", USER_AGENT)
            .header("X-Matrix-Hookshot-RoomId", headerValue(entry.roomId()))
            .header("X-Matrix-Hookshot-EventId", headerValue(entry.eventId()))
            .header("X-Matrix-Hookshot-Token", target.token())
            .header("X-Grapple-Signature-256", signature(target.token(), built.body()))
            .header("X-Grapple-Delivery", entry.deliveryId());
    HttpUrl at = target.config().url();
    // One attempt, redirects and all, is bounded by timeoutSeconds, not each of its hops.
    long deadline = System.nanoTime() + settings.timeout().toNanos();
    for (int hop = 0; ; hop++) {
      Call call = http.newCall(request.url(at).build());
      long left = deadline - System.nanoTime();
      if (left <= 0)
        return new Outcome.Retry(
            at.host() + ": no answer in time (redirected " + hop + " times)", Optional.empty());
      call.timeout().timeout(left, TimeUnit.NANOSECONDS);
      synchronized (calls) {
        if (closed) call.cancel();
        else calls.add(call);
      }
      try (Response response = call.execute()) {
        int code = response.code();
        if (code >= 200 && code < 300) return new Outcome.Delivered(code);
        String error = "HTTP " + code + " from " + at.host();
        if (code == 429 || code == 408 || code >= 500)
          return new Outcome.Retry(
              error,
              RetryAfter.parse(response.header("Retry-After"), settings.maxRetryDelay(), clock));
        if (code < 300 || code >= 400) return new Outcome.Fail(error);
        HttpUrl next = location(response, at);
        if (next == null) return new Outcome.Fail(error + " without a Location to go to");
        String where = OutboundConfig.origin(next);
        if (code != 307 && code != 308)
          return new Outcome.Fail(
              error
                  + ", redirected to "
                  + where
                  + ": only 307 and 308 redirects are followed (others would send the event as a"
                  + " GET without it); point the hook at its new URL");
        if (hop >= MAX_REDIRECTS)
          return new Outcome.Fail(
              error + ", redirected to " + where + ": more than " + MAX_REDIRECTS + " redirects");
        if (at.isHttps() && !next.isHttps())
          return new Outcome.Fail(
              error
                  + ", redirected to "
                  + where
                  + ": not followed from https to http (the token would go unencrypted)");
        if (!sameOrigin(at, next))
          return new Outcome.Fail(
              error
                  + ", redirected to "
                  + where
                  + ": not followed to another host or port (the token would go to it); point the"
                  + " hook at its new URL");
        if (!settings.allowPrivateAddresses()) OutboundHooks.GUARD.checkLiteral(next.host());
        at = next;
      } catch (AddressGuard.Refused e) {
        return new Outcome.Fail(e.getMessage());
      } catch (IOException e) {
        return new Outcome.Retry(describe(e, at.host()), Optional.empty());
      } finally {
        synchronized (calls) {
          calls.remove(call);
        }
      }
    }
  }

  /**
   * Copies of a file held at once while its delivery is built: the file as fetched, the body being
   * written, and the body as bytes.
   */
  private static final int COPIES = 3;

  /**
   * Bytes of files in flight over all hooks by default: a quarter of the heap, at least 16 MiB
   * (with the recommended {@code -Xmx160m}, 40 MiB).
   */
  static long defaultMediaBudget() {
    return Math.max(16L << 20, Runtime.getRuntime().maxMemory() / 4);
  }

  /** True when the event's {@code content} is a file message whose file is to be fetched. */
  private static boolean hasFile(JsonNode content) {
    return MEDIA_TYPES.contains(content.path("msgtype").asText())
        && MXC.matcher(content.path("url").asText()).matches();
  }

  /**
   * The most bytes the event's file is fetched up to: the size its {@code info.size} gives (clients
   * set it from the file), else {@code maxMediaSize}; never more than {@code maxMediaSize}. Setting
   * aside {@code maxMediaSize} for every file took the whole budget with the defaults, so the files
   * of all hooks went one at a time, each holding the others up until its target answered.
   */
  long fileLimit(JsonNode content) {
    JsonNode size = content.path("info").path("size");
    long max = settings.maxMediaBytes();
    if (!size.isIntegralNumber() || !size.canConvertToLong() || size.asLong() < 0) return max;
    return Math.min(max, size.asLong());
  }

  /**
   * The memory files in flight may take, over all hooks and rooms: a delivery with a file sets
   * aside the most its file could take ({@link #COPIES} × its {@link #fileLimit}, or all of the
   * budget) before fetching it, keeps only its body's size once built, and gives it back once sent.
   * When the budget is taken it waits (is put off, no attempt spent); one delivery alone always
   * gets it, and the first one put off goes before any later one that would leave it no room, so a
   * large file is not put off for ever by a stream of small ones.
   */
  static final class MediaBudget {
    /** How long the first delivery put off keeps its turn without asking again (it may be gone). */
    static final Duration TURN_KEPT = Duration.ofSeconds(30);

    private final long total;
    private long used;
    private @Nullable String waiting;
    private long waitingWants;
    private long waitingAsked;

    MediaBudget(long total) {
      this.total = total;
    }

    /**
     * Sets aside {@code want} bytes (at most the whole budget) for delivery {@code id}; 0 when they
     * are taken now, or needed by the delivery put off before it.
     */
    synchronized long reserve(String id, long want, long now) {
      long n = Math.max(1, Math.min(want, total));
      if (waiting != null && now - waitingAsked > TURN_KEPT.toMillis()) waiting = null;
      boolean first = waiting == null || waiting.equals(id);
      long ahead = first ? 0 : waitingWants;
      if ((used > 0 || !first) && used + ahead + n > total) {
        if (waiting == null) {
          waiting = id;
          waitingWants = n;
        }
        if (waiting.equals(id)) waitingAsked = now;
        return 0;
      }
      if (id.equals(waiting)) waiting = null;
      used += n;
      return n;
    }

    /** Keeps {@code need} of the {@code held} bytes set aside (not more); returns what is held. */
    synchronized long shrink(long held, long need) {
      if (need >= held) return held;
      used -= held - need;
      return need;
    }

    synchronized void release(long held) {
      used -= held;
    }

    synchronized long used() {
      return used;
    }
  }

  /**
   * Redirects (307 and 308 only: they keep the method and body) one delivery follows at most, each
   * through the address guard (a literal address checked here, a name by the client's DNS).
   */
  static final int MAX_REDIRECTS = 5;

  /** Where a redirect points, read against the URL that answered; null if nowhere usable. */
  private static @Nullable HttpUrl location(Response response, HttpUrl from) {
    String location = response.header("Location");
    return location == null ? null : from.resolve(location);
  }

  /**
   * Whether a redirect from {@code from} to {@code to} stays with the target: the same host and
   * port, or from {@code http} on its default port to {@code https} on its default port of the same
   * host. Another port of the same host may be another service, someone else's, and the token is
   * the hook's target's alone.
   */
  private static boolean sameOrigin(HttpUrl from, HttpUrl to) {
    if (!to.host().equals(from.host())) return false;
    if (to.port() == from.port() && to.scheme().equals(from.scheme())) return true;
    return !from.isHttps()
        && to.isHttps()
        && from.port() == HttpUrl.defaultPort("http")
        && to.port() == HttpUrl.defaultPort("https");
  }

  /**
   * An identifier as a header value: as it is when it is printable ASCII (every id of today's room
   * versions), else percent-encoded whole as UTF-8 ({@code %} included), since a header cannot
   * carry other characters. Sent raw, such an id (possible in rooms of versions 1 and 2) failed
   * every attempt until the event was given up.
   */
  static String headerValue(String id) {
    if (id.chars().allMatch(c -> c > 0x20 && c < 0x7f)) return id;
    StringBuilder out = new StringBuilder();
    for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c > 0x20 && c < 0x7f && c != '%') out.append((char) c);
      else out.append('%').append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 0xf));
    }
    return out.toString();
  }

  private static final String HEX = "0123456789ABCDEF";

  /**
   * The multipart body: the boundary is made from the delivery id, so every attempt sends the same
   * bytes (and signature), unless the event's file could be fetched at one attempt and not at the
   * next. {@code event} is the entry's event, read once by the caller.
   */
  Built build(OutboundQueue.Entry entry, ObjectNode event, String token) throws MediaUnavailable {
    MultipartBody.Builder multipart =
        new MultipartBody.Builder("grapple-" + entry.deliveryId()).setType(MultipartBody.FORM);
    JsonNode content = event.path("content");
    Media file =
        MEDIA_TYPES.contains(content.path("msgtype").asText())
            ? file(entry, content.path("url").asText(), fileLimit(content))
            : null;
    multipart.addFormDataPart(
        "event",
        "event_data.json",
        RequestBody.create(entry.event().getBytes(StandardCharsets.UTF_8), JSON));
    if (file != null) {
      multipart.addFormDataPart(
          "media",
          fileName(content, file),
          RequestBody.create(file.bytes(), MediaType.parse(file.contentType())));
    }
    MultipartBody body = multipart.build();
    Buffer out = new Buffer();
    try {
      body.writeTo(out);
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory does not fail", e);
    }
    return new Built(out.readByteArray(), body.contentType().toString());
  }

  /** The most bytes of UTF-8 a file's name in the media part has, as most file systems allow. */
  static final int MAX_FILE_NAME_BYTES = 255;

  /**
   * The name of the event's file in the media part: its {@code filename}; else its {@code body}
   * (the spec's name for it then) if that is a plain name; else its media id with an extension from
   * its type. A {@code body} may be a caption of any length, with line breaks, and went as the
   * name, as did a {@code filename} with path separators or control characters: a name has none
   * (each becomes {@code _}) and at most {@link #MAX_FILE_NAME_BYTES} bytes.
   */
  static String fileName(JsonNode content, Media file) {
    String given = plainName(content.path("filename").asText(""));
    if (!given.isEmpty()) return given;
    String body = content.path("body").asText("");
    if (!body.isBlank() && plainName(body).equals(body)) return body;
    String url = content.path("url").asText("");
    String id = plainName(url.substring(url.lastIndexOf('/') + 1));
    String subtype = file.contentType().replaceAll(";.*", "").replaceAll("^[^/]*/", "").trim();
    String extension = subtype.matches("[a-z0-9]{1,10}") ? "." + subtype : "";
    return plainName((id.isEmpty() ? "file" : id) + extension);
  }

  /** {@code name} without control characters or path separators, at most 255 bytes, trimmed. */
  private static String plainName(String name) {
    String plain = name.replaceAll("[\\p{Cntrl}\\p{Zl}\\p{Zp}/\\\\]", "_").strip();
    int bytes = 0;
    int end = 0;
    while (end < plain.length()) {
      int cp = plain.codePointAt(end);
      bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; // its UTF-8 length
      if (bytes > MAX_FILE_NAME_BYTES) break;
      end += Character.charCount(cp);
    }
    return plain.substring(0, end).strip();
  }

  /**
   * The event's file, or null to send the event without it, as hookshot does when it cannot fetch
   * one: a URL that is no {@code mxc://server/id} (never fetched), a file the homeserver refuses
   * (404, 403) or one over {@code limit} ({@code maxMediaSize}, or the smaller size the event's
   * {@code info.size} gives, as only that much memory was set aside for it). A fetch that may work
   * later (the homeserver's 5xx or 429, a network error) is tried again once, at the delivery's
   * second attempt, so that a file the homeserver cannot serve holds up the hook's later events for
   * one backoff, not all of them.
   */
  private @Nullable Media file(OutboundQueue.Entry entry, String mxc, long limit)
      throws MediaUnavailable {
    if (!MXC.matcher(mxc).matches()) {
      // Not repeated: it is the sender's text, any length, and its line breaks forged log lines.
      if (!mxc.isEmpty())
        log.warn(
            "outbound: event {} goes without its file: its url is no mxc://server/id",
            entry.eventId());
      return null;
    }
    try {
      // Bounded as the send is: a fetch that trickles held the hook, and the memory set aside for
      // files, so other hooks' files waited, for as long as it took.
      return media.download(mxc, limit, settings.timeout());
    } catch (IOException e) {
      // Cut short by shutdown, the event is sent again at start, with its file, not without it now.
      synchronized (calls) {
        if (closed) throw new MediaUnavailable(CLOSED, null);
      }
      MatrixException refusal = e instanceof MatrixException m ? m : null;
      boolean mayMend = !(e instanceof MediaTooLarge) && (refusal == null || refusal.isTransient());
      if (mayMend && entry.attempts() == 0 && settings.maxAttempts() > 1) {
        throw new MediaUnavailable(
            String.valueOf(e.getMessage()),
            refusal == null ? null : refusal.retryAfter().orElse(null));
      }
      log.warn(
          "outbound: event {} goes without its file {}: {}{}",
          entry.eventId(),
          mxc,
          e.toString(),
          e instanceof MediaTooLarge && limit < settings.maxMediaBytes()
              ? " (the size its info.size gives)"
              : "");
      return null;
    }
  }

  /** The event's file could not be fetched this time, and may be at the next attempt. */
  static final class MediaUnavailable extends Exception {
    private static final long serialVersionUID = 1L;

    private final @Nullable Duration retryAfter;

    MediaUnavailable(String message, @Nullable Duration retryAfter) {
      super(message);
      this.retryAfter = retryAfter;
    }

    /** The wait the homeserver asked for, if any. */
    Optional<Duration> retryAfter() {
      return Optional.ofNullable(retryAfter);
    }
  }

  /** {@code sha256=<hex HMAC-SHA256(token, body)>}. */
  static String signature(String token, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static String describe(IOException e, String host) {
    String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof java.io.InterruptedIOException) what = "no answer in time (" + what + ")";
    return host + ": " + what;
  }

  /**
   * The most of an error's text kept (it is recorded, listed and posted in the room): a network
   * error may repeat the target's own words, e.g. OkHttp's "Unexpected status line: …", which a
   * target could make as long as its header limit (256 KiB), a homeserver's error on a file its
   * own, and an unexpected exception's message anything.
   */
  static final int MAX_ERROR_CHARS = 300;

  /**
   * A delivery's failure text as it is recorded, logged, listed and posted: one line of at most
   * {@link #MAX_ERROR_CHARS} characters. Every outcome's error and a broken hook's reason are made
   * through it, so none is kept whole, whoever wrote it.
   */
  static String errorText(String text) {
    return grapple.bot.forge.Notice.cut(text.replaceAll("\\p{Cntrl}", " "), MAX_ERROR_CHARS);
  }
}
