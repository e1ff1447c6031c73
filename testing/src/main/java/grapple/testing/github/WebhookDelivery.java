package grapple.testing.github;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * One webhook delivery as GitHub sends it: the payload bytes and the headers GitHub puts on them
 * ({@code X-GitHub-Event}, {@code X-GitHub-Delivery}, both signatures, its User-Agent).
 */
public record WebhookDelivery(String event, byte[] body, Map<String, String> headers) {
  private static final MediaType JSON_TYPE = MediaType.get("application/json");

  /** The hook id GitHub would send in {@code X-GitHub-Hook-ID}; any number does. */
  private static final String HOOK_ID = "292430182";

  public WebhookDelivery {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(body, "body");
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }

  /**
   * A delivery of {@code body} as event {@code event}, signed with {@code secret}, with a new
   * delivery id.
   */
  public static WebhookDelivery signed(String event, byte[] body, String secret) {
    Map<String, String> headers = new LinkedHashMap<>(unsigned(event).headers);
    headers.put("X-Hub-Signature", GithubSigner.signSha1(secret, body));
    headers.put("X-Hub-Signature-256", GithubSigner.sign(secret, body));
    return new WebhookDelivery(event, body, headers);
  }

  public static WebhookDelivery signed(GithubCorpus.Example example, String secret) {
    return signed(example.event(), example.body(), secret);
  }

  /** A delivery from a hook that has no secret: GitHub then sends no signature headers. */
  public static WebhookDelivery unsigned(String event, byte[] body) {
    return new WebhookDelivery(event, body, unsigned(event).headers);
  }

  private static WebhookDelivery unsigned(String event) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("User-Agent", "GitHub-Hookshot/c8e7f4c");
    headers.put("X-GitHub-Event", event);
    headers.put("X-GitHub-Delivery", UUID.randomUUID().toString());
    headers.put("X-GitHub-Hook-ID", HOOK_ID);
    return new WebhookDelivery(event, new byte[0], headers);
  }

  public String deliveryId() {
    return headers.get("X-GitHub-Delivery");
  }

  /** A POST of this delivery to {@code url}, e.g. the bot's {@code /github/webhook}. */
  public Request request(String url) {
    Request.Builder builder =
        new Request.Builder().url(url).post(RequestBody.create(body, JSON_TYPE));
    headers.forEach(builder::header);
    return builder.build();
  }
}
